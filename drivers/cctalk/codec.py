"""ccTalk frames: ``[dest][len][src][header][data × len][checksum]`` (pure functions).

Two checksum schemes: the simple 8-bit checksum (the whole frame sums to 0 mod 256) and the
CRC-16/XMODEM variant, whose low byte replaces the source address and whose high byte takes the
checksum position. In the CRC variant there is no source byte on the wire, so decoded frames have
``src = None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from drivers.base.crc import crc16

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
    return crc16(data, poly=0x1021, init=0)


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


# ---- coin names (header 184) ---------------------------------------------------------------

#: the multiplier letters of a coin's value code; the letter also stands where the decimal
#: point goes ("2K5" = 2.5 × 1000)
VALUE_MULTIPLIERS = {
    "m": Decimal("0.001"),
    ".": Decimal(1),
    "K": Decimal(1000),
    "M": Decimal(1_000_000),
    "G": Decimal(1_000_000_000),
}


@dataclass(frozen=True, slots=True)
class CoinName:
    country: str  # "DK", "GB", "EU" …
    value: Decimal  # in the currency's smallest unit (øre for DK), exactly as the name says
    issue: str  # "A", "B" …: issues of the same coin


def parse_coin_name(text: str) -> CoinName:
    """A coin id as header 184 reports it: ``CCVVVI``, six ASCII characters.

    The ccTalk Generic Specification (Money Controls / Crane, part 3, appendix 3, "Coin Types
    and Coin Values") names a coin by a two-letter country code ``CC``, a three-character value
    code ``VVV`` and an issue letter ``I``. The value code is the value in the currency's
    smallest unit; a value that does not fit in three digits carries one multiplier letter,
    which also stands where the decimal point goes: ``m`` × 0.001, ``.`` × 1, ``K`` × 1 000,
    ``M`` × 1 000 000, ``G`` × 1 000 000 000. The specification's table: ``5m0`` 0.005, ``10m``
    and ``.01`` 0.01, ``2.5`` 2.5, ``005`` 5, ``500`` 500, ``1K0`` 1 000, ``2K5`` 2 500,
    ``10K`` 10 000, ``M25`` 250 000, ``2M5`` 2 500 000, ``50M`` 50 000 000, ``G10``
    100 000 000. So Danish 10 kr is ``DK1K0A`` (1 000 øre) and ``DK010A`` is 10 øre.

    Raises :class:`CcTalkProtocolError` for anything else (an empty position reads
    ``......``); the value is exact (a :class:`~decimal.Decimal`), never rounded.
    """
    name = text.strip(" \x00")
    if len(name) != 6 or not name.isascii():
        raise CcTalkProtocolError(f"coin id {text!r} is not six characters CCVVVI")
    country, code, issue = name[:2], name[2:5], name[5]
    if not country.isalpha() or not country.isupper() or not issue.isalnum():
        raise CcTalkProtocolError(f"coin id {name!r} is not country, value code, issue")
    letters = [c for c in code if not c.isdigit()]
    if len(letters) > 1 or any(c not in VALUE_MULTIPLIERS for c in letters):
        raise CcTalkProtocolError(f"coin id {name!r}: {code!r} is not a ccTalk value code")
    if not letters:
        value = Decimal(int(code))
    else:
        whole, _, fraction = code.partition(letters[0])
        value = Decimal(f"{whole or 0}.{fraction or 0}") * VALUE_MULTIPLIERS[letters[0]]
    return CoinName(country, value.normalize(), issue)
