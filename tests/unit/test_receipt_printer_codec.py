"""The ESC/POS codec: paper status bytes, and documents surviving any chunking on the wire."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.base.printer import Align, Columns, Document, PaperStatus, QrCode, Rule, Text
from drivers.escpos.codec import encode_document, parse_paper_status
from drivers.escpos.emulator import EscposParser

DOC = Document(
    "receipt",
    (
        Text("Hørsholm Bibliotek", Align.CENTER, bold=True, large=True),
        Rule(),
        Columns("Gebyr for sen aflevering af bøger, blade og æsker", "1.234,50 kr."),
        QrCode("T-ÅØ-0001"),
        Text("Tak for besøget"),
    ),
)


def test_known_replies() -> None:
    assert parse_paper_status(b"\x12") is PaperStatus.OK
    assert parse_paper_status(b"\x1e") is PaperStatus.NEAR_END
    assert parse_paper_status(b"\x72") is PaperStatus.OUT
    assert parse_paper_status(b"") is PaperStatus.NO_ANSWER
    assert parse_paper_status(b"\x12\x12") is PaperStatus.NO_ANSWER


@given(st.integers(0, 255))
def test_only_bytes_shaped_0xx1xx10_are_status(value: int) -> None:
    status = parse_paper_status(bytes([value]))
    shaped = (value & 0b1001_0011) == 0b0001_0010
    assert (status is not PaperStatus.NO_ANSWER) == shaped


def test_encoded_document_selects_cp865_and_cuts() -> None:
    data = encode_document(DOC)
    assert data.startswith(b"\x1b@\x1bt\x05")  # initialise, code page PC865 (Nordic)
    assert "ø".encode("cp865") in data
    assert b"\x1d(k\x04\x001A2\x00" in data  # native QR, model 2
    assert data.endswith(b"\x1dV\x00")  # full cut


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=60))
def test_parser_gives_the_same_slip_whatever_the_chunking(sizes: list[int]) -> None:
    data = encode_document(DOC)
    whole = EscposParser()
    whole.feed(data)
    chunked = EscposParser()
    pos = 0
    for size in sizes * (len(data) // sum(sizes) + 1):
        chunked.feed(data[pos : pos + size])
        pos += size
        if pos >= len(data):
            break
    assert [s.items for s in chunked.slips] == [s.items for s in whole.slips]
    [slip] = whole.slips
    assert "Hørsholm Bibliotek" in slip.text
    assert "æsker" in slip.text
    assert slip.qr_codes == ["T-ÅØ-0001"]
    assert whole.errors == []
