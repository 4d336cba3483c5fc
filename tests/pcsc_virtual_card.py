"""A contactless card for the virtual PC/SC reader of ``vsmartcard-vpcd`` (tests and demos).

``vpcd`` (loaded by ``pcscd``) listens on localhost:35963; a card "is inserted" by connecting
there and "removed" by closing the connection. Each message either way is a 2-byte big-endian
length and the payload: from the reader ``00`` power off, ``01`` power on, ``02`` reset, ``04``
get ATR, anything longer is a command APDU. This card answers GET DATA UID (``FF CA 00 00 00``)
with its UID + ``90 00``, and ``6D 00`` (instruction not supported) to anything else.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time

VPCD_PORT = 35963
#: ATR of a MIFARE Classic 1K seen through a PC/SC part 3 contactless reader.
CONTACTLESS_ATR = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")
GET_UID = bytes.fromhex("FFCA000000")


class VirtualCard:
    def __init__(self, uid: bytes, host: str = "127.0.0.1", port: int = VPCD_PORT) -> None:
        self.uid = uid
        self.host = host
        self.port = port
        self.apdus: list[bytes] = []
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def insert(self, timeout: float = 10.0) -> None:
        """Connect to vpcd (retrying while pcscd starts up)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        sock.settimeout(None)
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
        self._thread.start()

    def remove(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def answer(self, message: bytes) -> bytes | None:
        if len(message) == 1:
            if message[0] == 0x04:
                return CONTACTLESS_ATR
            return None  # power off / on / reset: no reply
        self.apdus.append(message)
        if message == GET_UID:
            return self.uid + b"\x90\x00"
        return b"\x6d\x00"

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                header = _read_exact(sock, 2)
                if header is None:
                    return
                (length,) = struct.unpack(">H", header)
                message = _read_exact(sock, length)
                if message is None:
                    return
                reply = self.answer(message)
                if reply is not None:
                    sock.sendall(struct.pack(">H", len(reply)) + reply)
        except OSError:
            return

    def __enter__(self) -> VirtualCard:
        self.insert()
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _read_exact(sock: socket.socket, n: int) -> bytes | None:
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)
