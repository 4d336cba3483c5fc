"""ITL SSP packets: ``STX SEQ/ID LEN DATA… CRCL CRCH`` with 0x7F byte stuffing (pure functions).

The CRC-16 (poly 0x8005, seed 0xFFFF, not reflected) covers SEQ/ID, LEN and DATA before stuffing
and is sent low byte first; every 0x7F after the STX, CRC bytes included, goes on the wire twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.base.crc import crc16 as base_crc16

STX = 0x7F
SEQ_FLAG = 0x80
MAX_DATA = 255

# commands
RESET = 0x01
SET_INHIBITS = 0x02
SETUP_REQUEST = 0x05
HOST_PROTOCOL_VERSION = 0x06
POLL = 0x07
REJECT = 0x08
DISABLE = 0x09
ENABLE = 0x0A
GET_SERIAL = 0x0C
UNIT_DATA = 0x0D
CHANNEL_VALUE_DATA = 0x0E
SYNC = 0x11
LAST_REJECT_CODE = 0x17
HOLD = 0x18
GET_COUNTERS = 0x58

# generic replies
OK = 0xF0
UNKNOWN_COMMAND = 0xF2
WRONG_PARAMETER_COUNT = 0xF3
PARAMETER_OUT_OF_RANGE = 0xF4
CANNOT_PROCESS = 0xF5
SOFTWARE_ERROR = 0xF6
FAIL = 0xF8
KEY_NOT_SET = 0xFA

REPLY_TEXT = {
    OK: "OK",
    UNKNOWN_COMMAND: "unknown command",
    WRONG_PARAMETER_COUNT: "wrong number of parameters",
    PARAMETER_OUT_OF_RANGE: "parameter out of range",
    CANNOT_PROCESS: "cannot process now",
    SOFTWARE_ERROR: "software error",
    FAIL: "fail",
    KEY_NOT_SET: "key not set (device demands encryption)",
}

# poll events
SLAVE_RESET = 0xF1
READ_NOTE = 0xEF
CREDIT_NOTE = 0xEE
REJECTING = 0xED
REJECTED = 0xEC
STACKING = 0xCC
STACKED = 0xEB
SAFE_JAM = 0xEA
UNSAFE_JAM = 0xE9
DISABLED = 0xE8
STACKER_FULL = 0xE7
FRAUD_ATTEMPT = 0xE6
CLEARED_FROM_FRONT = 0xE1
CLEARED_INTO_CASHBOX = 0xE2
CASHBOX_REMOVED = 0xE3
CASHBOX_REPLACED = 0xE4
NOTE_PATH_OPEN = 0xE0
CHANNEL_DISABLE = 0xB5
INITIALISING = 0xB6

#: events followed by one data byte (the channel)
EVENTS_WITH_CHANNEL = frozenset(
    {READ_NOTE, CREDIT_NOTE, FRAUD_ATTEMPT, CLEARED_FROM_FRONT, CLEARED_INTO_CASHBOX}
)
EVENTS_WITHOUT_DATA = frozenset(
    {SLAVE_RESET, REJECTING, REJECTED, STACKING, STACKED, SAFE_JAM, UNSAFE_JAM, DISABLED,
     STACKER_FULL, CASHBOX_REMOVED, CASHBOX_REPLACED, NOTE_PATH_OPEN, CHANNEL_DISABLE,
     INITIALISING}
)


class SspProtocolError(ValueError):
    """Bytes that are not a valid SSP packet or reply."""


class SspChecksumError(SspProtocolError):
    pass


@dataclass(frozen=True, slots=True)
class Packet:
    data: bytes
    seq: bool = True
    address: int = 0

    @property
    def seq_id(self) -> int:
        return (SEQ_FLAG if self.seq else 0) | self.address


def crc16(data: bytes) -> int:
    """Poly 0x8005, seed 0xFFFF, over everything after STX (before stuffing)."""
    return base_crc16(data, poly=0x8005, init=0xFFFF)


def stuff(data: bytes) -> bytes:
    return data.replace(b"\x7f", b"\x7f\x7f")


def encode(packet: Packet) -> bytes:
    if not 0 <= packet.address < SEQ_FLAG:
        raise SspProtocolError(f"address {packet.address} is not 0..127")
    if len(packet.data) > MAX_DATA:
        raise SspProtocolError(f"{len(packet.data)} data bytes; at most {MAX_DATA}")
    body = bytes((packet.seq_id, len(packet.data))) + packet.data
    crc = crc16(body)
    return bytes((STX,)) + stuff(body + bytes((crc & 0xFF, crc >> 8)))


def parse_prefix(buf: bytes) -> tuple[Packet, int] | None:
    """The packet at the start of ``buf`` and how many bytes it took; ``None`` if incomplete."""
    if not buf:
        return None
    if buf[0] != STX:
        raise SspProtocolError(f"packet starts with 0x{buf[0]:02X}, not STX")
    body = bytearray()
    i = 1
    while len(body) < 2 or len(body) < body[1] + 4:
        if i >= len(buf):
            return None
        byte = buf[i]
        if byte == STX:
            if i + 1 >= len(buf):
                return None
            if buf[i + 1] != STX:
                raise SspProtocolError("a single 0x7F inside a packet (stuffing broken)")
            i += 2
        else:
            i += 1
        body.append(byte)
    content, crc_bytes = bytes(body[:-2]), body[-2:]
    expected = crc16(content)
    got = crc_bytes[0] | crc_bytes[1] << 8
    if got != expected:
        raise SspChecksumError(f"CRC {got:04X}, expected {expected:04X}")
    seq_id = content[0]
    return Packet(bytes(content[2:]), bool(seq_id & SEQ_FLAG), seq_id & 0x7F), i


def decode(raw: bytes) -> Packet:
    """Exactly one packet; anything else raises :class:`SspProtocolError`."""
    parsed = parse_prefix(raw)
    if parsed is None:
        raise SspProtocolError(f"incomplete packet ({len(raw)} bytes)")
    packet, used = parsed
    if used != len(raw):
        raise SspProtocolError(f"{len(raw) - used} bytes after the packet")
    return packet


@dataclass(frozen=True, slots=True)
class PollEvent:
    code: int
    channel: int | None = None


def parse_poll(data: bytes) -> list[PollEvent]:
    """Events of a POLL reply (after the 0xF0), oldest first."""
    if not data or data[0] != OK:
        raise SspProtocolError(f"poll reply {data.hex(' ')} is not OK + events")
    events: list[PollEvent] = []
    i = 1
    while i < len(data):
        code = data[i]
        if code in EVENTS_WITH_CHANNEL:
            if i + 1 >= len(data):
                raise SspProtocolError(f"event 0x{code:02X} without its channel")
            events.append(PollEvent(code, data[i + 1]))
            i += 2
        elif code in EVENTS_WITHOUT_DATA:
            events.append(PollEvent(code))
            i += 1
        else:
            raise SspProtocolError(f"unknown poll event 0x{code:02X}")
    return events


@dataclass(frozen=True, slots=True)
class Setup:
    unit_type: int
    firmware: str
    country: str
    protocol_version: int
    channel_values_ore: dict[int, int]  # channel (1-based) → value in øre


def parse_setup(data: bytes) -> Setup:
    """A SETUP REQUEST reply (after the 0xF0) of a banknote validator.

    Channel value = (expanded 4-byte value for protocol ≥ 6, else the 1-byte value × the value
    multiplier) × the real value multiplier, which turns currency units into minor units (øre).
    """
    try:
        if data[0] != OK:
            raise SspProtocolError(f"setup reply 0x{data[0]:02X}")
        unit_type = data[1]
        firmware = data[2:6].decode("ascii")
        country = data[6:9].decode("ascii")
        multiplier = int.from_bytes(data[9:12], "big")
        n = data[12]
        values = data[13 : 13 + n]
        i = 13 + 2 * n  # skip channel security bytes
        real_multiplier = int.from_bytes(data[i : i + 3], "big")
        protocol = data[i + 3]
        end = i + 4
        if len(values) != n or len(data) < end:
            raise SspProtocolError("setup reply too short")
        if protocol >= 6:
            expanded = data[end + 3 * n : end + 7 * n]
            if len(expanded) != 4 * n:
                raise SspProtocolError("setup reply lacks the expanded channel values")
            major = [int.from_bytes(expanded[4 * k : 4 * k + 4], "little") for k in range(n)]
        else:
            major = [v * multiplier for v in values]
    except (IndexError, UnicodeDecodeError) as exc:
        raise SspProtocolError(f"malformed setup reply: {exc}") from exc
    return Setup(
        unit_type, firmware, country, protocol,
        {ch: value * real_multiplier for ch, value in enumerate(major, start=1)},
    )


def build_setup(
    country: str, values_major: list[int], protocol: int = 6, real_multiplier: int = 100
) -> bytes:
    """The SETUP REQUEST reply a validator sends (used by the emulator and tests)."""
    n = len(values_major)
    out = bytearray((OK, 0x00)) + b"0100" + country.encode("ascii")
    out += (1).to_bytes(3, "big") + bytes((n,))
    out += bytes(min(v, 255) for v in values_major) + bytes((2,) * n)
    out += real_multiplier.to_bytes(3, "big") + bytes((protocol,))
    if protocol >= 6:
        out += country.encode("ascii") * n
        out += b"".join(v.to_bytes(4, "little") for v in values_major)
    return bytes(out)


@dataclass(frozen=True, slots=True)
class Counters:
    """GET COUNTERS (0x58): the validator's own note counters, kept across power cycles and
    counting every note whatever its channel (plain SSP keeps no count per channel)."""

    stacked: int
    stored: int
    dispensed: int
    transferred: int  # from the store to the stacker
    rejected: int


def parse_counters(data: bytes) -> Counters:
    """The reply data after the OK byte: ``[count = 5]`` then five 4-byte little-endian
    counters (stacked, stored, dispensed, transferred to stacker, rejected)."""
    if len(data) < 1 or data[0] < 5 or len(data) < 1 + 4 * data[0]:
        raise SspProtocolError(f"counters reply of {len(data)} bytes: {data.hex(' ')}")
    values = [int.from_bytes(data[1 + 4 * i : 5 + 4 * i], "little") for i in range(5)]
    return Counters(*values)


def build_counters(counters: Counters) -> bytes:
    return bytes((5,)) + b"".join(
        v.to_bytes(4, "little")
        for v in (counters.stacked, counters.stored, counters.dispensed, counters.transferred,
                  counters.rejected)
    )
