"""BMP fields (``tag value`` with fixed, LLVAR or LLLVAR sizes), the TLV container and the messages
the terminal sends: status information, intermediate status, print lines and text blocks.

Card numbers (BMP ``22``) are recognised and dropped here, and any card-number-shaped digit run in
receipt text is masked, so nothing downstream ever holds one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drivers.zvt.apdu import bcd_decode
from drivers.zvt.errors import ZvtProtocolError
from drivers.zvt.totals import DayTotals, parse_totals

LL, LLL, TLV = -2, -3, -6

#: BMP tag → fixed size in bytes, or LL/LLL (variable, length as F-nibbles) or TLV (BMP 06)
BMP_SIZES: dict[int, int] = {
    0x01: 1, 0x02: 1, 0x03: 1, 0x04: 6, 0x05: 1, 0x06: TLV, 0x0B: 3, 0x0C: 3, 0x0D: 2, 0x0E: 2,
    0x17: 2, 0x19: 1, 0x22: LL, 0x23: LL, 0x24: LLL, 0x27: 1, 0x29: 4, 0x2A: 15, 0x2D: LL,
    0x2E: LLL, 0x37: 3, 0x3A: 2, 0x3B: 8, 0x3C: LLL, 0x3D: 3, 0x49: 2, 0x60: LLL, 0x87: 2,
    0x88: 3, 0x8A: 1, 0x8B: LL, 0x8C: 1, 0x92: LLL, 0x9A: LLL, 0xA0: 1, 0xA7: LL, 0xAA: 3,
    0xAF: LLL, 0xBA: 5, 0xD0: 1, 0xD1: LL, 0xD2: 1, 0xD3: 1, 0xE0: 1, 0xE1: LL, 0xE2: LL,
    0xE3: LL, 0xE4: LL, 0xE5: LL, 0xE6: LL, 0xE7: LL, 0xE8: LL, 0xE9: 1, 0xEA: 1, 0xEB: 8,
    0xF0: 1, 0xF1: LL, 0xF2: LL, 0xF3: LL, 0xF4: LL, 0xF5: LL, 0xF6: LL, 0xF7: LL, 0xF8: LL,
    0xF9: 1, 0xFA: 1, 0xFB: 1, 0xFC: 1, 0xFD: 1,
}  # fmt: skip

CARD_NUMBER_BMP = 0x22
TEXT_ENCODING = "cp437"  # the ZVT default character set


def _var_length(data: bytes, pos: int, digits: int) -> tuple[int, int]:
    if pos + digits > len(data):
        raise ZvtProtocolError("variable-length field is cut off")
    length = 0
    for byte in data[pos : pos + digits]:
        if byte >> 4 != 0xF or byte & 0x0F > 9:
            raise ZvtProtocolError(f"bad variable-length byte 0x{byte:02X}")
        length = length * 10 + (byte & 0x0F)
    return length, pos + digits


def _ber_length(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise ZvtProtocolError("TLV length is cut off")
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    if count not in (1, 2) or pos + 1 + count > len(data):
        raise ZvtProtocolError(f"bad TLV length byte 0x{first:02X}")
    return int.from_bytes(data[pos + 1 : pos + 1 + count], "big"), pos + 1 + count


def encode_var(value: bytes, digits: int) -> bytes:
    """LLVAR (digits=2) or LLLVAR (3) length prefix, e.g. 10 bytes → ``F1 F0``."""
    if len(value) >= 10**digits:
        raise ValueError(f"{len(value)} bytes do not fit a {digits}-digit length")
    return bytes(0xF0 | int(d) for d in f"{len(value):0{digits}d}") + value


def encode_ber_length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    if size <= 0xFF:
        return bytes([0x81, size])
    if size <= 0xFFFF:
        return bytes([0x82, size >> 8, size & 0xFF])
    raise ValueError("TLV value too long")


def parse_bmps(data: bytes) -> list[tuple[int, bytes]]:
    """Split ``data`` into (tag, value) pairs; an unknown tag or a cut-off field is an error."""
    fields: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(data):
        tag = data[pos]
        size = BMP_SIZES.get(tag)
        if size is None:
            raise ZvtProtocolError(f"unknown BMP 0x{tag:02X}")
        pos += 1
        if size == LL:
            size, pos = _var_length(data, pos, 2)
        elif size == LLL:
            size, pos = _var_length(data, pos, 3)
        elif size == TLV:
            size, pos = _ber_length(data, pos)
        if pos + size > len(data):
            raise ZvtProtocolError(f"BMP 0x{tag:02X} is cut off")
        fields.append((tag, bytes(data[pos : pos + size])))
        pos += size
    return fields


def parse_tlv(data: bytes, _depth: int = 0) -> list[tuple[int, bytes]]:
    """BER-TLV objects, constructed ones flattened depth first after their own entry."""
    if _depth > 8:
        raise ZvtProtocolError("TLV nested too deeply")
    objects: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(data):
        first = data[pos]
        tag, pos = first, pos + 1
        if first & 0x1F == 0x1F:
            while True:
                if pos >= len(data):
                    raise ZvtProtocolError("TLV tag is cut off")
                tag = tag << 8 | data[pos]
                pos += 1
                if not data[pos - 1] & 0x80:
                    break
                if tag > 0xFFFFFF:
                    raise ZvtProtocolError("TLV tag too long")
        size, pos = _ber_length(data, pos)
        if pos + size > len(data):
            raise ZvtProtocolError(f"TLV 0x{tag:X} is cut off")
        value = bytes(data[pos : pos + size])
        objects.append((tag, value))
        if first & 0x20:
            objects.extend(parse_tlv(value, _depth + 1))
        pos += size
    return objects


_PAN = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def mask_card_numbers(text: str) -> str:
    """Replace all but the last four digits of every 13–19-digit run with ``*``."""

    def mask(match: re.Match[str]) -> str:
        run = match.group(0)
        digits = sum(c.isdigit() for c in run)
        seen = 0
        out = []
        for c in run:
            if c.isdigit():
                seen += 1
                out.append(c if seen > digits - 4 else "*")
            else:
                out.append(c)
        return "".join(out)

    return _PAN.sub(mask, text)


def decode_text(raw: bytes, encoding: str = TEXT_ENCODING) -> str:
    return mask_card_numbers(raw.decode(encoding, errors="replace").rstrip("\x00"))


@dataclass(frozen=True, slots=True)
class StatusInfo:
    """Status information ``04 0F`` without any card data."""

    result_code: int | None = None
    amount_ore: int | None = None
    trace_no: int | None = None
    receipt_no: int | None = None
    terminal_id: str = ""
    currency: int | None = None
    card_name: str = ""
    had_card_number: bool = False  # the terminal sent BMP 22; we dropped it
    totals: DayTotals | None = None  # BMP 60, sent with an end-of-day


def parse_status_info(data: bytes, encoding: str = TEXT_ENCODING) -> StatusInfo:
    values: dict[str, object] = {}
    for tag, value in parse_bmps(data):
        if tag == 0x27:
            values["result_code"] = value[0]
        elif tag == 0x04:
            values["amount_ore"] = bcd_decode(value)
        elif tag == 0x0B:
            values["trace_no"] = bcd_decode(value)
        elif tag == 0x87:
            values["receipt_no"] = bcd_decode(value)
        elif tag == 0x29:
            values["terminal_id"] = value.hex()
        elif tag == 0x49:
            values["currency"] = bcd_decode(value)
        elif tag == 0x8B:
            values["card_name"] = decode_text(value, encoding)
        elif tag == CARD_NUMBER_BMP:
            values["had_card_number"] = True
        elif tag == 0x60:
            values["totals"] = parse_totals(value)
    return StatusInfo(**values)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class IntermediateStatus:
    code: int
    texts: tuple[str, ...] = ()  # display lines if the terminal sent them (TLV 24 / 07)


def parse_intermediate_status(data: bytes, encoding: str = TEXT_ENCODING) -> IntermediateStatus:
    if not data:
        raise ZvtProtocolError("intermediate status without a status byte")
    texts: tuple[str, ...] = ()
    rest = data[2:] if len(data) >= 2 else b""  # status byte, then an optional timeout byte
    if rest:
        for tag, value in parse_bmps(rest):
            if tag == 0x06:
                texts = tuple(decode_text(v, encoding) for t, v in parse_tlv(value) if t == 0x07)
    return IntermediateStatus(data[0], texts)


def parse_print_line(data: bytes, encoding: str = TEXT_ENCODING) -> str:
    """``06 D1``: an attribute byte, then the text of one line."""
    if not data:
        raise ZvtProtocolError("print line without an attribute byte")
    return decode_text(data[1:], encoding)


def parse_text_block(data: bytes, encoding: str = TEXT_ENCODING) -> list[str]:
    """``06 D3``: a TLV container whose text lines (tag 07) make up the receipt."""
    lines: list[str] = []
    for tag, value in parse_bmps(data):
        if tag == 0x06:
            lines.extend(decode_text(v, encoding) for t, v in parse_tlv(value) if t == 0x07)
    return lines
