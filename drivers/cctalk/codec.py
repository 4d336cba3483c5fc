"""ccTalk frames: ``[dest][len][src][header][data × len][checksum]`` (pure functions).

Two checksum schemes: the simple 8-bit checksum (the whole frame sums to 0 mod 256) and the
CRC-16/XMODEM variant, whose low byte replaces the source address and whose high byte takes the
checksum position. In the CRC variant there is no source byte on the wire, so decoded frames have
``src = None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

HOST = 1
BROADCAST = 0
MAX_DATA = 252  # len is one byte and the frame must stay ≤ 255 + 5 bytes; devices never use more

# headers
ACK = 0
RESET = 1
COMMS_REVISION = 4
NAK = 5
BUSY = 6
SIMPLE_POLL = 254
ADDRESS_POLL = 253
REQUEST_POLLING_PRIORITY = 249
REQUEST_STATUS = 248
MANUFACTURER_ID = 246
EQUIPMENT_CATEGORY = 245
PRODUCT_CODE = 244
SERIAL_NUMBER = 242
SOFTWARE_REVISION = 241
SELF_CHECK = 232
MODIFY_INHIBIT_STATUS = 231
REQUEST_INHIBIT_STATUS = 230
READ_BUFFERED_CREDIT = 229
MODIFY_MASTER_INHIBIT = 228
REQUEST_MASTER_INHIBIT = 227
REQUEST_COIN_ID = 184
READ_BUFFERED_BILL_EVENTS = 159
REQUEST_BILL_ID = 157
REQUEST_COUNTRY_SCALING = 156
ROUTE_BILL = 154
MODIFY_BILL_OPERATING_MODE = 153


class Checksum(StrEnum):
    SIMPLE = "simple"
    CRC16 = "crc16"


class CcTalkProtocolError(ValueError):
    """Bytes that are not a valid ccTalk frame (length, checksum, addressing)."""


class ChecksumError(CcTalkProtocolError):
    pass


@dataclass(frozen=True, slots=True)
class Frame:
    dest: int
    header: int
    data: bytes = b""
    src: int | None = HOST


def simple_checksum(data: bytes) -> int:
    return (256 - sum(data)) % 256


def crc16_xmodem(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def encode(frame: Frame, checksum: Checksum = Checksum.SIMPLE) -> bytes:
    if not 0 <= frame.dest <= 255 or not 0 <= frame.header <= 255:
        raise CcTalkProtocolError("address and header must be bytes")
    if len(frame.data) > MAX_DATA:
        raise CcTalkProtocolError(f"{len(frame.data)} data bytes; at most {MAX_DATA}")
    n = len(frame.data)
    if checksum is Checksum.CRC16:
        crc = crc16_xmodem(bytes((frame.dest, n, frame.header)) + frame.data)
        return bytes((frame.dest, n, crc & 0xFF, frame.header)) + frame.data + bytes((crc >> 8,))
    src = HOST if frame.src is None else frame.src
    if not 0 <= src <= 255:
        raise CcTalkProtocolError("source address must be a byte")
    body = bytes((frame.dest, n, src, frame.header)) + frame.data
    return body + bytes((simple_checksum(body),))


def frame_size(prefix: bytes) -> int | None:
    """Total size of the frame starting with ``prefix`` (needs at least dest and len)."""
    if len(prefix) < 2:
        return None
    return prefix[1] + 5


def decode(raw: bytes, checksum: Checksum = Checksum.SIMPLE) -> Frame:
    """Exactly one frame; anything else raises :class:`CcTalkProtocolError`."""
    if len(raw) < 5:
        raise CcTalkProtocolError(f"frame of {len(raw)} bytes; a ccTalk frame has at least 5")
    size = raw[1] + 5
    if len(raw) != size:
        raise CcTalkProtocolError(f"length byte says {size} bytes, got {len(raw)}")
    dest, n, third, header = raw[0], raw[1], raw[2], raw[3]
    data = bytes(raw[4 : 4 + n])
    if checksum is Checksum.CRC16:
        expected = crc16_xmodem(bytes((dest, n, header)) + data)
        got = third | raw[-1] << 8
        if got != expected:
            raise ChecksumError(f"CRC {got:04X}, expected {expected:04X}")
        return Frame(dest=dest, header=header, data=data, src=None)
    if sum(raw) % 256:
        raise ChecksumError(f"checksum {raw[-1]} wrong, expected {simple_checksum(raw[:-1])}")
    return Frame(dest=dest, header=header, data=data, src=third)


def new_event_count(last: int, counter: int) -> int:
    """Events since ``last`` for a counter that runs 1..255 and wraps 255 → 1 (0 only at reset)."""
    if counter == last:
        return 0
    diff = counter - last
    return diff + 255 if diff < 0 else diff


@dataclass(frozen=True, slots=True)
class BufferedEvent:
    a: int  # 1..255: coin/bill type; 0: b is an error or status code
    b: int


def parse_event_buffer(data: bytes) -> tuple[int, list[BufferedEvent]]:
    """The reply to 229/159: ``(counter, events newest first)``."""
    if len(data) != 11:
        raise CcTalkProtocolError(f"event buffer has {len(data)} bytes, expected 11")
    events = [BufferedEvent(data[i], data[i + 1]) for i in range(1, 11, 2)]
    return data[0], events
