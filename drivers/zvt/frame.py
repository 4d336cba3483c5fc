"""ZVT serial framing: ``DLE STX APDU DLE ETX CRC-L CRC-H`` with DLE doubling, and ACK/NAK bytes.

The CRC is CRC-16/KERMIT (reflected polynomial 0x8408, initial value 0) over the *unstuffed* APDU
plus ETX, sent low byte first. Over TCP there is no framing: the APDU is sent as it is.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import Enum, auto

from drivers.zvt.errors import ZvtProtocolError

DLE, STX, ETX = 0x10, 0x02, 0x03
ACK, NAK = 0x06, 0x15
#: an APDU is at most 3 header bytes + 3 length bytes + 65535 data bytes
MAX_APDU = 6 + 0xFFFF


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _crc_table()


def crc16_kermit(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ byte) & 0xFF]
    return crc


def encode_frame(apdu: bytes) -> bytes:
    """Frame one APDU for the serial line."""
    if not apdu:
        raise ZvtProtocolError("empty APDU")
    if len(apdu) > MAX_APDU:
        raise ZvtProtocolError(f"APDU of {len(apdu)} bytes is too long")
    crc = crc16_kermit(apdu + bytes([ETX]))
    return (
        bytes([DLE, STX])
        + apdu.replace(b"\x10", b"\x10\x10")
        + bytes([DLE, ETX, crc & 0xFF, crc >> 8])
    )


def decode_frame(frame: bytes) -> bytes:
    """The APDU inside exactly one complete frame; :class:`ZvtProtocolError` for anything else."""
    decoder = FrameDecoder()
    events = decoder.feed(frame)
    if decoder.busy:
        raise ZvtProtocolError("incomplete frame")
    if len(events) != 1:
        raise ZvtProtocolError(f"expected one frame, got {len(events)} items")
    event = events[0]
    if isinstance(event, Frame):
        return event.apdu
    if isinstance(event, BadFrame):
        raise ZvtProtocolError(event.reason)
    raise ZvtProtocolError(f"not a frame: {event!r}")


@dataclass(frozen=True, slots=True)
class Frame:
    apdu: bytes


@dataclass(frozen=True, slots=True)
class BadFrame:
    """A frame was started but is unusable (checksum, stuffing, size): answer with NAK."""

    reason: str


@dataclass(frozen=True, slots=True)
class Control:
    """A single ACK or NAK byte received between frames."""

    byte: int


@dataclass(frozen=True, slots=True)
class Garbage:
    """Bytes between frames that mean nothing (line noise, a half frame after a reset)."""

    data: bytes


class _State(Enum):
    IDLE = auto()
    START = auto()  # got DLE, expecting STX
    DATA = auto()
    DATA_DLE = auto()  # got DLE inside the APDU
    CRC_LO = auto()
    CRC_HI = auto()


FrameEvent = Frame | BadFrame | Control | Garbage


class FrameDecoder:
    """Incremental decoder: feed it whatever the port returned; it never raises."""

    def __init__(self) -> None:
        self._state = _State.IDLE
        self._apdu = bytearray()
        self._garbage = bytearray()
        self._crc_lo = 0

    @property
    def busy(self) -> bool:
        """True while a frame has begun but not ended."""
        return self._state is not _State.IDLE

    def reset(self) -> BadFrame | None:
        """Drop a partial frame (inter-byte timeout); returns what was dropped, if anything."""
        dropped = self.busy
        self._state = _State.IDLE
        self._apdu.clear()
        return BadFrame("inter-byte timeout inside a frame") if dropped else None

    def feed(self, data: bytes) -> list[FrameEvent]:
        events: list[FrameEvent] = []
        for byte in data:
            event = self._step(byte)
            if event is not None:
                if self._garbage and not isinstance(event, Garbage):
                    events.append(Garbage(bytes(self._garbage)))
                    self._garbage.clear()
                events.append(event)
        if self._garbage and not self.busy:
            events.append(Garbage(bytes(self._garbage)))
            self._garbage.clear()
        return events

    def _bad(self, reason: str) -> BadFrame:
        self._state = _State.IDLE
        self._apdu.clear()
        return BadFrame(reason)

    def _step(self, byte: int) -> FrameEvent | None:
        state = self._state
        if state is _State.IDLE:
            if byte == DLE:
                self._state = _State.START
            elif byte in (ACK, NAK):
                return Control(byte)
            else:
                self._garbage.append(byte)
            return None
        if state is _State.START:
            if byte == STX:
                self._state = _State.DATA
                self._apdu.clear()
            else:
                self._state = _State.IDLE
                self._garbage += bytes([DLE, byte])
            return None
        if state is _State.DATA:
            if byte == DLE:
                self._state = _State.DATA_DLE
            else:
                self._apdu.append(byte)
                if len(self._apdu) > MAX_APDU:
                    return self._bad("frame too long")
            return None
        if state is _State.DATA_DLE:
            if byte == DLE:
                self._apdu.append(DLE)
                self._state = _State.DATA
            elif byte == ETX:
                self._state = _State.CRC_LO
            else:
                return self._bad(f"DLE followed by 0x{byte:02X} inside a frame")
            return None
        if state is _State.CRC_LO:
            self._crc_lo = byte
            self._state = _State.CRC_HI
            return None
        # CRC_HI
        received = self._crc_lo | byte << 8
        apdu = bytes(self._apdu)
        self._state = _State.IDLE
        self._apdu.clear()
        expected = crc16_kermit(apdu + bytes([ETX]))
        if received != expected:
            return BadFrame(f"checksum 0x{received:04X}, expected 0x{expected:04X}")
        if not apdu:
            return BadFrame("empty frame")
        return Frame(apdu)


class FrameQueue:
    """The receiving half of a framed ZVT line, for either end (the driver's link and the
    emulated terminal): whole frames wait in :attr:`frames` in arrival order; :meth:`feed`
    hands back the single ACK/NAK bytes, and what was broken for the caller to answer (a
    :class:`BadFrame` wants a NAK) and count."""

    def __init__(self) -> None:
        self.decoder = FrameDecoder()
        self.frames: deque[bytes] = deque()

    def clear(self) -> None:
        self.decoder = FrameDecoder()
        self.frames.clear()

    def feed(self, data: bytes) -> tuple[list[int], list[BadFrame | Garbage]]:
        controls: list[int] = []
        problems: list[BadFrame | Garbage] = []
        for event in self.decoder.feed(data):
            if isinstance(event, Frame):
                self.frames.append(event.apdu)
            elif isinstance(event, Control):
                controls.append(event.byte)
            else:
                problems.append(event)
        return controls, problems
