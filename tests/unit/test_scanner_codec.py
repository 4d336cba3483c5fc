"""Scanner line codec: barcodes, magstripe tracks (assumed sundhedskort layout), garbage."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.base.reader import IdSource
from drivers.scanner.codec import ScanError, parse_line, parse_magstripe, split_lines


@pytest.mark.parametrize(
    ("track", "number"),
    [
        (";0707614285=4912000?", "0707614285"),
        ("%B0707614285^JENSEN/ANNE^4912000?", "0707614285"),
        ("%B0707614285^JENSEN/ANNE^4912?;0707614285=4912?", "0707614285"),
        ("%B4711^HANSEN/PER^0707614285?", "0707614285"),  # 10-digit field later in track 1
        (";12345678=?", "12345678"),  # a library card stripe: the primary field
    ],
)
def test_magstripe_tracks(track: str, number: str) -> None:
    assert parse_magstripe(track) == number
    assert parse_line(track.encode()).source is IdSource.MAGSTRIPE


@pytest.mark.parametrize(
    "raw",
    [b";0707614", b"%B0707614285^JENSEN", b"\x02abc", b"ab\xffc", b"   ", b"x" * 500],
)
def test_garbled_or_partial_lines_are_refused(raw: bytes) -> None:
    with pytest.raises(ScanError):
        parse_line(raw)


def test_barcode_with_prefix_and_suffix() -> None:
    line = parse_line(b"]C03274001234567#", prefix="]C0", suffix="#")
    assert (line.source, line.value) == (IdSource.BARCODE, "3274001234567")
    assert "3274001234567" not in repr(line)


def test_split_lines_keeps_the_unfinished_rest() -> None:
    assert split_lines(b"a\rb\nc\r\n\r\nd") == ([b"a", b"b", b"c"], b"d")


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_read_or_a_scan_error(raw: bytes) -> None:
    try:
        line = parse_line(raw)
    except ScanError:
        return
    assert line.value and line.value.isprintable()
