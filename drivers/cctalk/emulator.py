"""ccTalk coin acceptor and bill validator emulators on a pty, speaking the real frames.

Timing is device-like: a request is taken as received only after its wire time at the configured
baud rate; the echo (the host reading its own bytes back from the shared data line) is written
then, and the reply follows after its own wire time. Tests and demo mode script the device with
``insert_coin``/``insert_note``, faults and line noise.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence

from drivers.cctalk import codec
from drivers.cctalk.codec import CcTalkProtocolError, Checksum, Frame
from drivers.emulation.pty import PtyPort, wire_time_s
from drivers.emulation.serving import PtyEmulator

#: Danish coins as the ccTalk specification names them: the value in øre, 10 and 20 kr with the
#: multiplier K (``DK010A`` would be 10 øre)
DKK_COINS = ("DK050A", "DK100A", "DK200A", "DK500A", "DK1K0A", "DK2K0A")
DKK_BILLS = ("DK0050A", "DK0100A", "DK0200A", "DK0500A", "DK1000A")


class CcTalkEmulator(PtyEmulator):
    category = "Coin Acceptor"
    buffer_header = codec.READ_BUFFERED_CREDIT
    id_header = codec.REQUEST_COIN_ID
    INTER_BYTE_TIMEOUT_S = 0.05

    def __init__(
        self,
        ids: Sequence[str],
        *,
        address: int = 2,
        baudrate: int = 9600,
        echo: bool = True,
        checksum: Checksum | str = Checksum.SIMPLE,
        polling_priority: tuple[int, int] = (2, 10),  # units of 10 ms × 10 = 100 ms
        name: str = "cctalk",
        port: PtyPort | None = None,
        product: str = "EMU-1",
        serial_number: int = 0x123456,
    ) -> None:
        super().__init__(port, name)
        self.address = address
        self.baudrate = baudrate
        self.echo = echo
        self.checksum = Checksum(checksum)
        self.polling_priority = polling_priority
        self.product = product
        self.serial_number = serial_number
        self.ids = list(ids)
        self.counter = 0
        self.events: deque[tuple[int, int]] = deque(maxlen=5)  # newest first
        self.inhibit_mask = 0
        self.master_enabled = False
        self.requests: list[Frame] = []  # every valid request received, for assertions
        self._nak = 0
        self._last_byte = 0.0
        self._start_serving()

    # ---- scripting ----------------------------------------------------------------------------

    def add_event(self, a: int, b: int) -> None:
        with self.lock:
            self.counter = 1 if self.counter >= 255 else self.counter + 1
            self.events.appendleft((a, b))

    def position_of(self, ident: str) -> int:
        for i, known in enumerate(self.ids, start=1):
            if known == ident or known.startswith(ident):
                return i
        raise KeyError(f"no position holds {ident!r}")

    def accepts(self, position: int) -> bool:
        with self.lock:
            return self.master_enabled and bool(self.inhibit_mask & (1 << (position - 1)))

    def error(self, code: int) -> None:
        self.add_event(0, code)

    def burst(self, n: int, ident: str | None = None) -> None:
        """``n`` credits between two polls (more than 5 overflow the buffer: lost events)."""
        position = self.position_of(ident) if ident else 1
        for _ in range(n):
            self.add_event(position, 1 if self.category == "Coin Acceptor" else 0)

    def set_counter(self, value: int) -> None:
        with self.lock:
            self.counter = value

    def reset_device(self) -> None:
        """Power cycle: counter 0, buffer empty, everything inhibited."""
        with self.lock:
            self.counter = 0
            self.events.clear()
            self.inhibit_mask = 0
            self.master_enabled = False

    def nak_next(self, n: int = 1) -> None:
        with self.lock:
            self._nak += n

    # ---- the wire -----------------------------------------------------------------------------

    def _on_bytes(self, chunk: bytes) -> None:
        now = time.monotonic()
        if self._rx and now - self._last_byte > self.INTER_BYTE_TIMEOUT_S:
            self._rx = b""  # a broken frame: the device drops it after the inter-byte timeout
        if chunk:
            self._rx += chunk
            self._last_byte = now
        self._tick()
        while len(self._rx) >= 2 and len(self._rx) >= self._rx[1] + 5:
            size = self._rx[1] + 5
            raw, self._rx = self._rx[:size], self._rx[size:]
            self._receive(raw)

    def _tick(self) -> None:
        """Time-driven behaviour (escrow timeout) of subclasses."""

    def _receive(self, raw: bytes) -> None:
        time.sleep(wire_time_s(len(raw), self.baudrate))
        if self.echo:
            self.port.write(raw)
        try:
            frame = codec.decode(raw, self.checksum)
        except CcTalkProtocolError:
            return  # a device ignores a frame with a bad checksum
        if frame.dest not in (self.address, codec.BROADCAST):
            return
        with self.lock:
            self.requests.append(frame)
            if self._mute:
                self._mute -= 1
                return
            if self._nak:
                self._nak -= 1
                reply: tuple[int, bytes] | None = (codec.NAK, b"")
            elif self._busy:
                self._busy -= 1
                reply = (codec.BUSY, b"")
            else:
                reply = self._answer(frame.header, frame.data)
            corrupt = self._corrupt > 0
            if corrupt:
                self._corrupt -= 1
        if reply is None:
            return
        out = codec.encode(Frame(codec.HOST, reply[0], reply[1], src=self.address), self.checksum)
        if corrupt:
            out = out[:-1] + bytes(((out[-1] + 1) % 256,))
        time.sleep(wire_time_s(len(out), self.baudrate))
        self.port.write(out)

    def _answer(self, header: int, data: bytes) -> tuple[int, bytes] | None:
        ack = (codec.ACK, b"")
        match header:
            case codec.SIMPLE_POLL:
                return ack
            case codec.MANUFACTURER_ID:
                return (codec.ACK, b"EMU")
            case codec.EQUIPMENT_CATEGORY:
                return (codec.ACK, self.category.encode())
            case codec.PRODUCT_CODE:
                return (codec.ACK, self.product.encode())
            case codec.SERIAL_NUMBER:
                return (codec.ACK, self.serial_number.to_bytes(3, "little"))
            case codec.SOFTWARE_REVISION:
                return (codec.ACK, b"1.0")
            case codec.COMMS_REVISION:
                return (codec.ACK, bytes((1, 4, 2)))
            case codec.REQUEST_POLLING_PRIORITY:
                return (codec.ACK, bytes(self.polling_priority))
            case codec.MODIFY_INHIBIT_STATUS if len(data) == 2:
                self.inhibit_mask = int.from_bytes(data, "little")
                return ack
            case codec.REQUEST_INHIBIT_STATUS:
                return (codec.ACK, self.inhibit_mask.to_bytes(2, "little"))
            case codec.MODIFY_MASTER_INHIBIT if len(data) == 1:
                self.master_enabled = bool(data[0] & 1)
                return ack
            case codec.REQUEST_MASTER_INHIBIT:
                return (codec.ACK, bytes((int(self.master_enabled),)))
            case codec.SELF_CHECK:
                return (codec.ACK, b"\x00")
            case h if h == self.id_header and len(data) == 1:
                position = data[0]
                if 1 <= position <= len(self.ids):
                    return (codec.ACK, self.ids[position - 1].encode())
                return (codec.ACK, b"......" if self.id_header == codec.REQUEST_COIN_ID
                        else b".......")
            case h if h == self.buffer_header:
                body = bytearray((self.counter,))
                for a, b in list(self.events) + [(0, 0)] * (5 - len(self.events)):
                    body += bytes((a, b))
                return (codec.ACK, bytes(body))
        return self._answer_more(header, data)

    def _answer_more(self, header: int, data: bytes) -> tuple[int, bytes] | None:
        return None  # unknown header: a real device stays silent


class CoinAcceptorEmulator(CcTalkEmulator):
    def __init__(self, ids: Sequence[str] = DKK_COINS, **kw: object) -> None:
        kw.setdefault("name", "coin-acceptor")
        #: every coin the acceptor took, as (event counter, coin id): a coin is taken once its
        #: credit is in the event buffer, whether or not a host ever reads it (the cash box's
        #: truth, for tests that compare it with what the automat accounted)
        self.taken: list[tuple[int, str]] = []
        super().__init__(ids, **kw)  # type: ignore[arg-type]

    def insert_coin(self, ident: str) -> bool:
        """A citizen drops a coin; returns whether it was accepted (credited)."""
        position = self.position_of(ident)
        with self.lock:
            if self.accepts(position):
                self.add_event(position, 1)  # B = sorter path
                self.taken.append((self.counter, self.ids[position - 1]))
                return True
            self.add_event(0, 2)  # inhibited coin
            return False

    def jam(self) -> None:
        self.error(14)  # credit sensor blocked

    def fraud(self) -> None:
        self.error(20)  # coin on string


class BillValidatorEmulator(CcTalkEmulator):
    category = "Bill Validator"
    buffer_header = codec.READ_BUFFERED_BILL_EVENTS
    id_header = codec.REQUEST_BILL_ID

    def __init__(
        self,
        ids: Sequence[str] = DKK_BILLS,
        *,
        escrow_timeout_s: float = 10.0,
        **kw: object,
    ) -> None:
        kw.setdefault("address", 40)
        kw.setdefault("name", "bill-validator")
        self.escrow_timeout_s = escrow_timeout_s
        self.escrow: int | None = None  # bill type held
        self.escrow_deadline = 0.0
        self.operating_mode = 0
        self.stacked: list[str] = []
        self.returned: list[str] = []
        super().__init__(ids, **kw)  # type: ignore[arg-type]

    def insert_note(self, note: str | int) -> bool:
        """A note by id (``"DK0100"``), kroner value (``100``) or bill type number (1..16).

        Returns False when the validator refuses it at the slot.
        """
        if isinstance(note, str):
            bill_type = self.position_of(note)
        elif 1 <= note <= 16:
            bill_type = note
        else:
            bill_type = self.position_of(f"DK{note:04d}")
        with self.lock:
            if not self.accepts(bill_type) or self.escrow is not None:
                self.add_event(0, 4 if self.master_enabled else 0)
                return False
            if self.operating_mode & 2:
                self.escrow = bill_type
                self.escrow_deadline = time.monotonic() + self.escrow_timeout_s
                self.add_event(bill_type, 1)
            else:
                self._stack(bill_type)
            return True

    def _stack(self, bill_type: int) -> None:
        self.stacked.append(self.ids[bill_type - 1])
        self.add_event(bill_type, 0)

    def _return(self) -> None:
        assert self.escrow is not None
        self.returned.append(self.ids[self.escrow - 1])
        self.escrow = None
        self.add_event(0, 1)

    def _tick(self) -> None:
        with self.lock:
            if self.escrow is not None and time.monotonic() > self.escrow_deadline:
                self._return()

    def jam(self) -> None:
        self.error(6)

    def fraud(self) -> None:
        self.error(18)  # string fraud

    def remove_stacker(self) -> None:
        self.error(11)

    def insert_stacker(self) -> None:
        self.error(12)

    def stacker_full(self) -> None:
        self.error(14)

    def reset_device(self) -> None:
        with self.lock:
            super().reset_device()
            self.operating_mode = 0
            if self.escrow is not None:
                self.returned.append(self.ids[self.escrow - 1])
                self.escrow = None

    def _answer_more(self, header: int, data: bytes) -> tuple[int, bytes] | None:
        if header == codec.MODIFY_BILL_OPERATING_MODE and len(data) == 1:
            self.operating_mode = data[0]
            return (codec.ACK, b"")
        if header == codec.REQUEST_COUNTRY_SCALING:
            return (codec.ACK, bytes((100, 0, 2)))
        if header == codec.ROUTE_BILL and len(data) == 1:
            if self.escrow is None:
                return (codec.ACK, b"\xfe")
            if data[0] == 1:
                bill_type, self.escrow = self.escrow, None
                self._stack(bill_type)
            elif data[0] == 0:
                self._return()
            elif data[0] == 255:
                self.escrow_deadline = time.monotonic() + self.escrow_timeout_s
            else:
                return (codec.ACK, b"\xff")
            return (codec.ACK, b"")
        return None


