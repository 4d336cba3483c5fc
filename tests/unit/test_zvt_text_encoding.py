"""The terminal's character set is the operator's choice: ZVT's cp437 has no ø/Ø."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from drivers.base.charset import check_text_encoding
from drivers.zvt.bmp import parse_print_line, parse_text_block
from drivers.zvt.terminal import ZvtTerminal
from kiosk.config.devices import CardTerminal as CardTerminalSection
from kiosk.config.devices import DevicesSection
from kiosk.devices import build_devices

DANISH = "Købmand Ø, Æblegård"


def text_block(lines: list[bytes]) -> bytes:
    inner = b"".join(b"\x07" + bytes([len(line)]) + line for line in lines)
    container = b"\x25" + bytes([len(inner)]) + inner
    return b"\x06" + bytes([len(container)]) + container


def test_cp437_cannot_carry_o_slash_but_cp865_can() -> None:
    with pytest.raises(UnicodeEncodeError):
        "Ø".encode("cp437")
    raw = DANISH.encode("cp865")
    assert parse_print_line(b"\x00" + raw, "cp865") == DANISH
    assert parse_print_line(b"\x00" + raw) != DANISH  # read as cp437, Ø comes out as ¥


def test_print_line_and_text_block_decode_in_the_chosen_encoding_and_stay_masked() -> None:
    line = "Kortnr. 4711223344556677 Ø".encode("latin-1")
    assert parse_print_line(b"\x00" + line, "latin-1") == "Kortnr. ************6677 Ø"
    block = text_block([DANISH.encode("cp865"), b"PAN 4711223344556677"])
    assert parse_text_block(block, "cp865") == [DANISH, "PAN ************6677"]


def test_undefined_byte_of_the_code_page_is_replaced_not_a_crash() -> None:
    assert parse_print_line(b"\x00AB\x81", "cp1252") == "AB\ufffd"


@pytest.mark.parametrize("name", ["cp437", "cp865", "latin-1", "iso8859_15", "cp1252", "ascii"])
def test_one_byte_ascii_compatible_encodings_are_accepted(name: str) -> None:
    assert check_text_encoding(name) == name


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("utf-8", "one-byte"),
        ("utf-16", "ASCII"),
        ("cp500", "ASCII"),  # EBCDIC
        ("base64", "text encoding"),
        ("rot13", "text encoding"),
        ("klingon", "text encoding"),
        ("", "text encoding"),
    ],
)
def test_other_encodings_are_refused_with_the_reason(name: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        check_text_encoding(name)


def test_terminal_refuses_a_bad_encoding_before_opening_anything() -> None:
    with pytest.raises(ValueError, match="one-byte"):
        ZvtTerminal("/dev/does-not-exist", receipt_encoding="utf-8")


def test_config_key_is_validated_when_the_file_is_loaded() -> None:
    assert CardTerminalSection().receipt_encoding == "cp437"
    assert CardTerminalSection(receipt_encoding="cp865").receipt_encoding == "cp865"
    with pytest.raises(ValidationError, match="one-byte"):
        CardTerminalSection(receipt_encoding="utf-8")
    with pytest.raises(ValidationError, match="Python knows"):
        CardTerminalSection(receipt_encoding="dansk")


def test_configured_encoding_reaches_the_driver_and_the_emulator() -> None:
    section = CardTerminalSection(enabled=True, emulated=True, receipt_encoding="cp865")
    devices = build_devices(DevicesSection(card_terminal=section))
    try:
        assert isinstance(devices.terminal, ZvtTerminal)
        assert devices.terminal.receipt_encoding == "cp865"
        assert devices.emulators.terminal.receipt_encoding == "cp865"
    finally:
        devices.stop()
