"""The simulator's raw-TCP SIP2 server: one thread per connection, CR-terminated cp850 lines.

Each connection has its own :class:`Sip2Responder` (login and duplicate detection are per
connection, as on a real ACS). Honours the fault switches ``drop_connections`` (the connection is
closed when a request arrives, without a reply and without doing anything) and ``slow_s`` (delay
before each reply).
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import ssl
import threading
import time
from types import TracebackType

from kiosk.fbs.simulator.sip2_responder import LoginRequired, Sip2Responder
from kiosk.fbs.simulator.state import SimulatorState

MAX_LINE = 64 * 1024


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        owner = self.server.owner
        sock: socket.socket = self.request
        if owner.ssl_context is not None:
            try:
                sock = owner.ssl_context.wrap_socket(sock, server_side=True)
            except (OSError, ssl.SSLError):
                return
        owner._track(sock, True)
        responder = Sip2Responder(owner.state, require_login=owner.require_login)
        buffer = b""
        try:
            while True:
                end = buffer.find(b"\r")
                if end < 0:
                    if len(buffer) > MAX_LINE:
                        return
                    chunk = sock.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                    continue
                line, buffer = buffer[:end].lstrip(b"\n"), buffer[end + 1 :]
                faults = owner.state.faults
                if faults.drop_connections:
                    return
                if faults.slow_s:
                    time.sleep(faults.slow_s)
                try:
                    reply = responder.respond(line.decode("cp850"))
                except LoginRequired:
                    return
                # a character cp850 has no byte for goes out as "?", as the checksum counted it
                sock.sendall(reply.encode("cp850", errors="replace") + b"\r")
        except OSError:
            return
        finally:
            owner._track(sock, False)
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: Sip2TcpServer


class Sip2TcpServer:
    """``Sip2TcpServer(state).start()``; ``.port`` is the bound port (``port=0`` picks one)."""

    def __init__(
        self,
        state: SimulatorState,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        require_login: bool = True,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.state = state
        self.require_login = require_login
        self.ssl_context = ssl_context
        self._server = _Server((host, port), _Handler)
        self._server.owner = self
        self.host, self.port = self._server.server_address[:2]
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()

    def _track(self, sock: socket.socket, alive: bool) -> None:
        with self._lock:
            (self._connections.add if alive else self._connections.discard)(sock)

    def drop_all(self) -> None:
        """Close every open connection now (the server keeps listening)."""
        with self._lock:
            connections = list(self._connections)
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def start(self) -> Sip2TcpServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="sip2-simulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.drop_all()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> Sip2TcpServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
