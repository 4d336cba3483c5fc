"""JSON lines over a stream socket: how the test, the world, the zygote and the automats talk.

One object per line, UTF-8. ``recv`` returns ``None`` at end of stream, which is how a peer
learns that a SIGKILLed process is gone (the kernel closes its end of the socket).
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
from typing import Any


class Closed(Exception):
    """The other end went away (end of stream, or a write on a dead socket)."""


class Channel:
    """One socket, many writers (a lock keeps lines whole), one reader."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buf = b""
        self._send_lock = threading.Lock()

    @classmethod
    def connect(cls, path: str, timeout: float = 10.0) -> Channel:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(path)
        sock.settimeout(None)
        return cls(sock)

    def send(self, obj: Any) -> None:
        data = json.dumps(obj, separators=(",", ":")).encode() + b"\n"
        with self._send_lock:
            try:
                self.sock.sendall(data)
            except OSError as exc:
                raise Closed(str(exc)) from exc

    def recv(self, timeout: float | None = None) -> Any:
        """The next object; ``None`` at end of stream; :class:`TimeoutError` after ``timeout``."""
        while b"\n" not in self._buf:
            if timeout is not None:
                ready, _, _ = select.select([self.sock], [], [], timeout)
                if not ready:
                    raise TimeoutError("no message in time")
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                return None
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return json.loads(line)

    def request(self, obj: Any, timeout: float | None = 30.0) -> Any:
        """Send and wait for the one reply (only for strict request/reply channels)."""
        self.send(obj)
        reply = self.recv(timeout)
        if reply is None:
            raise Closed("closed before the reply")
        return reply

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
