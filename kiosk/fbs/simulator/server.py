"""The simulator's HTTP/1.1 keep-alive server (REST API and the SIP2 HTTPS envelope), and a
launcher that also starts the SIP2 TCP server when it is installed.

Fault switches (``state.faults``) are honoured per request: ``slow_s`` delays the reply,
``drop_connections`` closes the connection without a reply, ``http_500`` answers 500,
``garble_json`` sends a REST body that is not JSON; ``expire_sessions`` and ``year_end`` act in
the state.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import socket
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kiosk.fbs.simulator import envelope
from kiosk.fbs.simulator.rest_api import RestApi, dumps
from kiosk.fbs.simulator.state import SimulatorState

log = logging.getLogger(__name__)

SIP2_PREFIX = "/rest/sip2/"
IDLE_TIMEOUT_S = 60.0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SimulatorHttpServer
    timeout = IDLE_TIMEOUT_S  # an idle keep-alive connection is closed after this
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > envelope.MAX_BODY:
            return self._send(400, b'{"message":"bad Content-Length"}', "application/json", True)
        body = self.rfile.read(int(length))
        faults = self.server.state.faults
        if faults.slow_s > 0 and self.server.stopping.wait(faults.slow_s):
            return self._drop()
        if faults.drop_connections:
            return self._drop()
        url = urlsplit(self.path)
        if faults.http_500:
            return self._send(500, b'{"message":"Internal Server Error"}', "application/json")
        if url.path.startswith(SIP2_PREFIX) and method == "POST":
            return self._sip2(url.path[len(SIP2_PREFIX) :], body)
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, reply = self.server.api.handle(method, url.path, parse_qs(url.query), headers, body)
        payload = b'{"feeId": 1, "amount": 17' if faults.garble_json else dumps(reply)
        self._send(status, payload, "application/json; charset=utf-8")

    def _sip2(self, isil: str, body: bytes) -> None:
        state = self.server.state
        try:
            login, password, line = envelope.parse_request(body)
            if isil != state.agency_id:
                raise envelope.EnvelopeError(f"Unknown agency {isil[:20]}")
            if not state.check_client(login, password, sip2=True):
                raise envelope.EnvelopeError("Invalid LOGIN_USER or LOGIN_PASSWORD")
        except envelope.EnvelopeError as exc:
            return self._send(200, envelope.error(str(exc)), "application/xml; charset=utf-8")
        responder = self.server.sip2_responder()
        if responder is None:
            return self._send(200, envelope.error("SIP2 is not available"), "application/xml")
        try:
            answer = responder.respond(line)
        except Exception:  # the responder's bug must not kill the connection thread
            log.exception("SIP2 responder failed")
            return self._send(500, envelope.error("Internal error"), "application/xml")
        self._send(200, envelope.reply(answer), "application/xml; charset=utf-8")

    def _send(self, status: int, payload: bytes, content_type: str, close: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(payload)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class SimulatorHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(
        self, address: tuple[str, int], state: SimulatorState, tls: ssl.SSLContext | None
    ) -> None:
        super().__init__(address, _Handler)
        self.state = state
        self.api = RestApi(state)
        self.stopping = threading.Event()
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self._responder_lock = threading.Lock()
        self._responder: Any = None
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)

    def track(self, conn: socket.socket, is_open: bool) -> None:
        with self._open_lock:
            (self._open.add if is_open else self._open.discard)(conn)
            self.state.connections += is_open
            self.state.connections_open = len(self._open)

    def sip2_responder(self) -> Any:
        """H1's ``Sip2Responder(state)``, shared by all envelope requests (it keeps the last
        reply per sequence number for resends); None while it is not installed."""
        with self._responder_lock:
            if self._responder is None:
                try:
                    module = importlib.import_module("kiosk.fbs.simulator.sip2_responder")
                except ImportError:
                    return None
                self._responder = module.Sip2Responder(
                    self.state, encoding=self.state.envelope_checksum_encoding
                )
            return self._responder

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        with self._open_lock:
            conns = list(self._open)
        for conn in conns:  # wake handler threads blocked on idle keep-alive connections
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self.server_close()


@dataclass
class SimulatorHandle:
    state: SimulatorState
    host: str
    rest_port: int
    sip2_port: int | None
    scheme: str = "http"
    _stoppers: list[Any] = field(default_factory=list, repr=False)

    @property
    def root_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.rest_port}"

    @property
    def rest_url(self) -> str:
        """The REST base URL (``[fbs.rest] base_url``): ``.../rest/external/v1``."""
        return f"{self.root_url}/rest/external/v1"

    @property
    def sip2_envelope_url(self) -> str:
        """The SIP2 HTTPS envelope endpoint (``[fbs.sip2] url``)."""
        return f"{self.root_url}{SIP2_PREFIX}{self.state.agency_id}"

    def stop(self) -> None:
        while self._stoppers:
            self._stoppers.pop()()

    def __enter__(self) -> SimulatorHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_simulator(
    state: SimulatorState,
    host: str = "127.0.0.1",
    rest_port: int = 0,
    sip2_port: int | None = 0,
    tls: ssl.SSLContext | None = None,
) -> SimulatorHandle:
    """Start the HTTP server (and the SIP2 TCP server unless ``sip2_port`` is None, or it is not
    installed yet) in background threads. Port 0 picks a free port."""
    http = SimulatorHttpServer((host, rest_port), state, tls)
    thread = threading.Thread(
        target=http.serve_forever, args=(0.05,), name="fbs-sim-http", daemon=True
    )
    thread.start()
    handle = SimulatorHandle(state, host, http.server_address[1], None, "https" if tls else "http")

    def stop_http() -> None:
        http.stop()
        thread.join(timeout=10)

    handle._stoppers.append(stop_http)
    if sip2_port is not None:
        sip2 = _start_sip2_tcp(state, host, sip2_port)
        if sip2 is not None:
            handle.sip2_port = sip2.port
            handle._stoppers.append(sip2.close)
    return handle


def _start_sip2_tcp(state: SimulatorState, host: str, port: int) -> Any:
    """H1's ``Sip2TcpServer(state, host, port).start()`` (``.port``, ``.close()``), when
    installed; None otherwise."""
    try:
        module = importlib.import_module("kiosk.fbs.simulator.sip2_tcp")
    except ImportError:
        log.info("SIP2 TCP simulator not installed: REST and the SIP2 envelope only")
        return None
    server = module.Sip2TcpServer(state, host=host, port=port)
    server.start()
    return server
