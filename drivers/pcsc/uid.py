"""A contactless card's UID → the card number the library knows it by (pure, configurable).

Libraries differ: some print the UID as a decimal number, some as hex, some read the UID bytes in
reverse (LSB first) order, and some keep a table of UIDs. ``lookup`` keys are the UID in hex as
the card returns it (MSB first), upper case.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

GET_UID_APDU = [0xFF, 0xCA, 0x00, 0x00, 0x00]


class UidError(ValueError):
    """The card gave no usable UID or is not in the lookup table."""


def uid_from_response(data: list[int] | bytes, sw1: int, sw2: int) -> bytes:
    if (sw1, sw2) != (0x90, 0x00):
        raise UidError(f"GET DATA UID refused: {sw1:02X} {sw2:02X}")
    uid = bytes(data)
    if not 4 <= len(uid) <= 10:
        raise UidError(f"UID of {len(uid)} bytes")
    return uid


def card_number(
    uid: bytes,
    uid_format: Literal["decimal", "hex", "lookup"] = "decimal",
    byte_order: Literal["msb", "lsb"] = "msb",
    lookup: Mapping[str, str] | None = None,
) -> str:
    if uid_format == "lookup":
        key = uid.hex().upper()
        found = {k.upper().replace(" ", ""): v for k, v in (lookup or {}).items()}.get(key)
        if found is None:
            raise UidError("card not in the lookup table")
        return found
    ordered = uid if byte_order == "msb" else uid[::-1]
    if uid_format == "hex":
        return ordered.hex().upper()
    if uid_format == "decimal":
        return str(int.from_bytes(ordered, "big"))
    raise UidError(f"unknown UID format {uid_format!r}")
