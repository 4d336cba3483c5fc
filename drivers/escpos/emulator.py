"""An ESC/POS receipt printer on a pty: parses the byte stream, answers status, renders slips.

It understands what python-escpos sends for our documents (``ESC @``, ``ESC t``, ``ESC !``,
``ESC E``, ``ESC a``, ``GS !``, ``GS ( k`` QR, ``ESC d``, ``GS V``, ``DLE EOT n``, text and LF)
and records anything else in :attr:`EscposEmulator.errors`. Each cut ends a :class:`Slip` whose
text is decoded with the code page the host selected and which renders to a PNG with QR codes
drawn as real modules (so a decoder can read them back). ``paper`` switches the answer to
``DLE EOT 4`` (OK / near end / out); with paper out, print data is discarded as a real printer
would not print it; ``answering = False`` makes the printer ignore status requests.
"""

from __future__ import annotations

import codecs
import contextlib
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import qrcode
from PIL import Image, ImageDraw, ImageFont

from drivers.base.printer import Align, PaperStatus, Text
from drivers.emulation.pty import PtyPort
from drivers.escpos.codec import PAPER_NEAR_END, PAPER_OK, PAPER_OUT

#: ESC t n → Python codec (the pages a Danish automat may select).
CODE_PAGES = {0: "cp437", 2: "cp850", 5: "cp865", 16: "cp1252", 19: "cp858", 40: "iso8859_15"}
_PAPER_BYTES = {PaperStatus.OK: PAPER_OK, PaperStatus.NEAR_END: PAPER_NEAR_END,
                PaperStatus.OUT: PAPER_OUT}
_ESC_ONE_ARG = set(b"t!EaG{-MdJVrcU")  # ESC x n
_GS_ONE_ARG = set(b"!bBHfhwLa")  # GS x n (GS L takes two, handled below)
_ALIGNS = {0: Align.LEFT, 1: Align.CENTER, 2: Align.RIGHT, 48: Align.LEFT, 49: Align.CENTER,
           50: Align.RIGHT}
_QR_EC = {48: qrcode.constants.ERROR_CORRECT_L, 49: qrcode.constants.ERROR_CORRECT_M,
          50: qrcode.constants.ERROR_CORRECT_Q, 51: qrcode.constants.ERROR_CORRECT_H}
_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
_FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf")


@dataclass(frozen=True, slots=True)
class PrintedQr:
    data: str
    module_size: int = 3
    error_correction: int = qrcode.constants.ERROR_CORRECT_M


@dataclass
class Slip:
    """One piece of paper, from the previous cut to this one."""

    #: what came out: each printed line as the :class:`Text` (one line of it) that prints it
    items: list[Text | PrintedQr] = field(default_factory=list)

    @property
    def lines(self) -> list[Text]:
        return [i for i in self.items if isinstance(i, Text)]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines) + "\n"

    @property
    def qr_codes(self) -> list[str]:
        return [i.data for i in self.items if isinstance(i, PrintedQr)]

    def to_image(self, width_px: int = 576) -> Image.Image:
        """The slip as a thermal printer would print it (80 mm paper, 203 dpi)."""
        size = int(width_px / 48 / 0.6)  # 48 monospace columns across the paper
        regular = _font(_FONT, size)
        bold = _font(_FONT_BOLD, size)
        parts: list[Image.Image] = []
        for item in self.items:
            if isinstance(item, PrintedQr):
                qr = qrcode.QRCode(box_size=max(item.module_size, 4), border=4,
                                   error_correction=item.error_correction)
                qr.add_data(item.data)
                qr.make(fit=True)
                parts.append(qr.make_image(fill_color="black", back_color="white")
                             .get_image().convert("L"))
                continue
            font = _font(_FONT_BOLD if item.bold else _FONT, size * 2) if item.large else (
                bold if item.bold else regular)
            line_h = int(size * (2.6 if item.large else 1.3))
            img = Image.new("L", (width_px, line_h), 255)
            draw = ImageDraw.Draw(img)
            text_w = draw.textlength(item.text, font=font)
            x = {Align.LEFT: 8, Align.CENTER: (width_px - text_w) / 2,
                 Align.RIGHT: width_px - 8 - text_w}[item.align]
            draw.text((x, 0), item.text, font=font, fill=0)
            parts.append(img)
        height = sum(p.height for p in parts) + 40
        page = Image.new("L", (width_px, height), 255)
        y = 20
        for part in parts:
            page.paste(part, ((width_px - part.width) // 2 if part.width < width_px else 0, y))
            y += part.height
        return page

    def save_png(self, path: str | Path) -> Path:
        path = Path(path)
        self.to_image().save(path, format="PNG")
        return path


def _font(path: Path, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


class EscposParser:
    """Feed bytes in any chunking; completed slips collect in :attr:`slips`."""

    def __init__(self, reply: Callable[[bytes], None] | None = None) -> None:
        self._reply = reply or (lambda _data: None)
        self.paper = PaperStatus.OK
        self.answering = True
        self.slips: list[Slip] = []
        self.errors: list[str] = []
        self.discarded_bytes = 0
        self.status_requests = 0
        self._buf = bytearray()
        self._slip = Slip()
        self._reset_format()
        self._line: list[str] = []

    def _reset_format(self) -> None:
        self.code_page = "cp437"
        self._align = Align.LEFT
        self._bold = False
        self._large = False
        self._qr_size = 3
        self._qr_ec = qrcode.constants.ERROR_CORRECT_L
        self._qr_data = ""

    def feed(self, data: bytes) -> None:
        self._buf.extend(data)
        while self._buf:
            used = self._step(self._buf)
            if used == 0:
                return  # incomplete command: wait for more bytes
            del self._buf[:used]

    # -- one command or character; returns bytes consumed, 0 when incomplete ----------------------
    def _step(self, b: bytearray) -> int:
        first = b[0]
        if first == 0x10:  # DLE
            if len(b) < 3:
                return 0
            if b[1] == 0x04:
                self._status(b[2])
                return 3
            self.errors.append(f"unknown DLE command {bytes(b[:3]).hex(' ')}")
            return 1
        if first == 0x1B:  # ESC
            if len(b) < 2:
                return 0
            cmd = b[1]
            if cmd == ord("@"):
                self._flush_partial()
                self._reset_format()
                return 2
            if cmd in _ESC_ONE_ARG:
                if len(b) < 3:
                    return 0
                self._esc(cmd, b[2])
                return 3
            self.errors.append(f"unknown ESC command {bytes(b[:2]).hex(' ')}")
            return 2
        if first == 0x1D:  # GS
            if len(b) < 2:
                return 0
            return self._gs(b)
        if first == 0x0A:
            self._end_line()
            return 1
        if first in (0x0D, 0x00):
            return 1
        if first < 0x20:
            self.errors.append(f"unexpected control byte {first:#04x}")
            return 1
        self._char(first)
        return 1

    def _status(self, n: int) -> None:
        self.status_requests += 1
        if not self.answering:
            return
        if n == 4:
            self._reply(bytes([_PAPER_BYTES[self.paper]]))
        elif n == 1:
            self._reply(b"\x16")  # online, drawer closed
        else:
            self._reply(b"\x12")  # no error

    def _esc(self, cmd: int, n: int) -> None:
        c = chr(cmd)
        if c == "t":
            page = CODE_PAGES.get(n)
            if page is None:
                self.errors.append(f"unsupported code page {n}")
            else:
                self.code_page = page
        elif c == "!":
            self._bold = bool(n & 0x08)
            self._large = bool(n & 0x30)
        elif c in "EG":
            self._bold = bool(n & 1)
        elif c == "a":
            self._align = _ALIGNS.get(n, Align.LEFT)
        elif c == "d":
            pass  # paper feed: no content

    def _gs(self, b: bytearray) -> int:
        cmd = chr(b[1])
        if cmd == "V":
            if len(b) < 3:
                return 0
            used = 4 if b[2] in (65, 66) else 3
            if len(b) < used:
                return 0
            self._cut()
            return used
        if cmd == "(":
            if len(b) < 5:
                return 0
            length = b[3] + 256 * b[4]
            if len(b) < 5 + length:
                return 0
            self._gs_paren(chr(b[2]), bytes(b[5 : 5 + length]))
            return 5 + length
        if cmd == "L":
            return 4 if len(b) >= 4 else 0
        if cmd == "!":
            if len(b) < 3:
                return 0
            self._large = b[2] != 0
            return 3
        if ord(cmd) in _GS_ONE_ARG:
            return 3 if len(b) >= 3 else 0
        self.errors.append(f"unknown GS command {bytes(b[:2]).hex(' ')}")
        return 2

    def _gs_paren(self, fn_group: str, body: bytes) -> None:
        if fn_group != "k" or len(body) < 2 or body[0] != 0x31:
            self.errors.append(f"unsupported GS ( {fn_group} {body[:2].hex(' ')}")
            return
        fn = body[1]
        if fn == 0x43 and len(body) >= 3:  # module size
            self._qr_size = body[2]
        elif fn == 0x45 and len(body) >= 3:  # error correction
            self._qr_ec = _QR_EC.get(body[2], self._qr_ec)
        elif fn == 0x50:  # store: cn fn m data
            try:
                self._qr_data = body[3:].decode("utf-8")
            except UnicodeDecodeError:
                self.errors.append("QR data is not UTF-8")
                self._qr_data = body[3:].decode("latin-1")
        elif fn == 0x51:  # print the stored symbol
            self._flush_partial()
            if self.paper is PaperStatus.OUT:
                self.discarded_bytes += len(self._qr_data)
            elif self._qr_data:
                self._slip.items.append(PrintedQr(self._qr_data, self._qr_size, self._qr_ec))

    def _char(self, byte: int) -> None:
        if self.paper is PaperStatus.OUT:
            self.discarded_bytes += 1
            return
        self._line.append(codecs.decode(bytes([byte]), self.code_page, errors="replace"))

    def _end_line(self) -> None:
        if self.paper is PaperStatus.OUT:
            self._line = []
            return
        self._slip.items.append(
            Text("".join(self._line), self._align, self._bold, self._large)
        )
        self._line = []

    def _flush_partial(self) -> None:
        if self._line:
            self._end_line()

    def _cut(self) -> None:
        self._flush_partial()
        if self._slip.items:
            self.slips.append(self._slip)
        self._slip = Slip()


class _PrinterState:
    """Paper switch, slips and waiting, shared by the pty and the TCP emulator."""

    thread_name = "escpos-emulator"

    def __init__(self, reply: Callable[[bytes], None]) -> None:
        self._cond = threading.Condition()
        self.parser = EscposParser(reply=reply)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def paper(self) -> PaperStatus:
        return self.parser.paper

    @paper.setter
    def paper(self, status: PaperStatus) -> None:
        if status not in _PAPER_BYTES:
            raise ValueError(f"paper can be ok, near_end or out, not {status}")
        self.parser.paper = status

    @property
    def answering(self) -> bool:
        return self.parser.answering

    @answering.setter
    def answering(self, value: bool) -> None:
        self.parser.answering = value

    @property
    def slips(self) -> list[Slip]:
        with self._cond:
            return list(self.parser.slips)

    @property
    def errors(self) -> list[str]:
        return list(self.parser.errors)

    def wait_for_slips(self, count: int, timeout: float = 10.0) -> list[Slip]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.parser.slips) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.parser.slips)} of {count} slips printed")
                self._cond.wait(left)
            return list(self.parser.slips)

    def _feed(self, data: bytes) -> None:
        with self._cond:
            self.parser.feed(data)
            self._cond.notify_all()

    def start(self) -> Self:
        """Serve in a thread of its own (the bytes the host sends go to :meth:`_run`)."""
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            self.stop()

    def _run(self) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError


class EscposEmulator(_PrinterState):
    """The parser on a pty, in its own thread. Tests read :attr:`slips` or wait for them."""

    def __init__(self, port: PtyPort | None = None) -> None:
        self.port = port or PtyPort("printer")
        super().__init__(reply=self.port.write)

    @property
    def path(self) -> str:
        return self.port.path

    def _close(self) -> None:
        self.port.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.port.plugged:
                time.sleep(0.05)
                continue
            data = self.port.read(timeout=0.1)
            if data:
                self._feed(data)


class EscposNetworkEmulator(_PrinterState):
    """A network printer (raw TCP, like port 9100) on 127.0.0.1 and a free port."""

    thread_name = "escpos-net-emulator"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = socket.create_server((host, port))
        self._server.settimeout(0.1)
        self.host, self.port = self._server.getsockname()[:2]
        self._conn: socket.socket | None = None
        super().__init__(reply=self._send)

    def _close(self) -> None:
        self._server.close()

    def _send(self, data: bytes) -> None:
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.sendall(data)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(0.1)
            self._conn = conn
            with conn:
                while not self._stop.is_set():
                    try:
                        data = conn.recv(4096)
                    except TimeoutError:
                        continue
                    except OSError:
                        break
                    if not data:
                        break
                    self._feed(data)
            self._conn = None
