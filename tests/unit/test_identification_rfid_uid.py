"""Contactless card UID → card number, as each library configures it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.pcsc.uid import UidError, card_number, uid_from_response

UID = bytes.fromhex("04A1B2C3D4E5F6")


def test_formats_and_byte_orders() -> None:
    assert card_number(UID, "decimal", "msb") == str(0x04A1B2C3D4E5F6)
    assert card_number(UID, "decimal", "lsb") == str(0xF6E5D4C3B2A104)
    assert card_number(UID, "hex", "msb") == "04A1B2C3D4E5F6"
    assert card_number(UID, "hex", "lsb") == "F6E5D4C3B2A104"
    assert card_number(bytes.fromhex("DEADBEEF"), "decimal") == "3735928559"


def test_lookup_table_ignores_case_and_spaces() -> None:
    table = {"04 a1 b2 c3 d4 e5 f6": "3274001234"}
    assert card_number(UID, "lookup", lookup=table) == "3274001234"
    with pytest.raises(UidError):
        card_number(bytes.fromhex("01020304"), "lookup", lookup=table)


def test_response_must_end_90_00_and_be_a_uid() -> None:
    assert uid_from_response(list(UID), 0x90, 0x00) == UID
    with pytest.raises(UidError):
        uid_from_response(list(UID), 0x6A, 0x81)
    with pytest.raises(UidError):
        uid_from_response([1, 2], 0x90, 0x00)


@given(st.binary(min_size=4, max_size=10))
def test_decimal_msb_round_trips(uid: bytes) -> None:
    number = int(card_number(uid, "decimal", "msb"))
    assert number.to_bytes(len(uid), "big") == uid
