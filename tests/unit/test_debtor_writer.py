"""The writer: every shipped profile renders Danish letters, exact widths, correct totals."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.debtor.profile import load_profile, parse_profile
from kiosk.debtor.writer import BatchInfo, ExportItem, FileRenderer, RenderError

PROFILES = Path(__file__).resolve().parents[2] / "config" / "debtor"
BATCH = BatchInfo("kbh-hovedbib-01", 42, datetime(2026, 11, 24, 23, 30, tzinfo=UTC))


def item(i: int, amount: int = 2000, **changes: Any) -> ExportItem:
    payload = {
        "cpr": "0101901234",
        "claim_type": "BØDE-ÆÅ",
        "claim_kind": "fee",
        "claim_ref": f"fee-{i}",
        "claim_created": "2026-01-05T09:00:00+00:00",
        "amount_ore": amount,
        "paid_at": "2026-11-24T23:15:07+00:00",  # 00:15:07 the next day in Copenhagen
        "method": ("card", "cash", "bon", "mixed")[i % 4],
        "automat_id": "kbh-hovedbib-01",
        "transaction_ref": f"A1B2-{i:06d}",
    }
    payload.update(changes)
    return ExportItem(i, amount, payload)


ITEMS = [item(1, 2000), item(2, 6350), item(3, 5)]
TOTAL = 2000 + 6350 + 5


def render(name: str, items: list[ExportItem] = ITEMS) -> tuple[str, list[str]]:
    profile = load_profile(PROFILES / f"{name}.toml")
    data = FileRenderer(profile).render(BATCH, items)
    text = data.decode(profile.encoding)
    assert text.endswith("\r\n")
    return text, text[:-2].split("\r\n")


def test_opus_fixed_width_records() -> None:
    _, lines = render("opus")
    assert [len(line) for line in lines] == [80, 120, 120, 120, 80]
    header, *details, trailer = lines
    assert header.startswith("00kbh-hovedbib-01 ")
    assert header[34:48] == "20261125000042"  # Copenhagen date of the batch, sequence 6 digits
    first = details[0]
    assert first[:2] == "10" and first[2:12] == "0101901234"
    assert first[12:22] == "BØDE-ÆÅ   "  # text: left-aligned, blank-padded
    assert first[22:33] == "00000002000"  # numbers: right-aligned, zero-padded
    assert first[33:47] == "20261125001507"  # local date and time of payment
    assert [d[47] for d in details] == ["C", "B", "M"]
    assert trailer[:2] == "99"
    assert int(trailer[2:11]) == 3 and int(trailer[11:26]) == TOTAL


def test_os_indsigt_kroner_with_decimal_comma() -> None:
    _, lines = render("os-indsigt")
    assert [len(line) for line in lines] == [60, 100, 100, 100, 60]
    assert lines[2][31:44] == "0000000063,50"
    assert lines[3][31:44] == "0000000000,05"
    trailer = lines[-1]
    assert int(trailer[9:18]) == 5  # records including header and trailer
    assert int(trailer[18:27]) == 3
    assert trailer[27:42] == "000000000083,55"


@pytest.mark.parametrize("name", ["prisme", "generic-csv"])
def test_delimited_profiles(name: str) -> None:
    _, lines = render(name)
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=";"))
    details = rows[1:-1]
    assert len(details) == 3
    assert all("BØDE-ÆÅ" in row for row in details)
    assert rows[-1][1:3] == ["3", "83,55"]


@pytest.mark.parametrize("name", ["opus", "prisme", "os-indsigt", "generic-csv"])
def test_danish_letters_round_trip_and_rendering_is_deterministic(name: str) -> None:
    profile = load_profile(PROFILES / f"{name}.toml")
    renderer = FileRenderer(profile)
    first = renderer.render(BATCH, ITEMS)
    assert first == FileRenderer(load_profile(PROFILES / f"{name}.toml")).render(BATCH, ITEMS)
    assert "BØDE-ÆÅ" in first.decode(profile.encoding)
    assert "42" in renderer.file_name(BATCH)


def test_a_character_the_encoding_lacks_is_a_clear_error() -> None:
    with pytest.raises(RenderError, match=r"record 3: '€' cannot be written in latin-1"):
        render("os-indsigt", [item(1), item(2, claim_type="€")])


def test_too_long_value_names_item_and_field_but_not_the_value() -> None:
    with pytest.raises(RenderError) as info:
        render("opus", [item(1), item(7, cpr="01019012345")])
    assert "outbox item 7, detail field 'cpr': longer than the width 10" in str(info.value)
    assert "0101901234" not in str(info.value)


def test_missing_payload_and_unknown_code_are_errors() -> None:
    broken = item(3)
    payload = dict(broken.payload)
    del payload["transaction_ref"]
    with pytest.raises(RenderError, match=r"item 3.*transaction_ref"):
        render("opus", [ExportItem(3, 2000, payload)])
    with pytest.raises(RenderError, match="'cheque' has no entry"):
        render("prisme", [item(4, method="cheque")])
    with pytest.raises(RenderError, match="negative"):
        render("opus", [item(5, amount=-1)])


def test_line_breaks_in_values_are_refused() -> None:
    with pytest.raises(RenderError, match="control character"):
        render("generic-csv", [item(1, claim_ref="a\r\nb")])


def test_delimiter_inside_a_value_is_quoted() -> None:
    _, lines = render("generic-csv", [item(1, claim_ref='x;"y"')])
    assert lines[1].endswith(';"x;""y"""')


def test_empty_batch_has_header_and_trailer_only() -> None:
    _, lines = render("opus", [])
    assert len(lines) == 2 and int(lines[1][11:26]) == 0


FIXED_PROFILE = parse_profile(
    {
        "name": "prop",
        "layout": "fixed",
        "file_name": "p{sequence}",
        "detail": {
            "length": 38,
            "fields": [
                {"name": "ref", "source": "claim_ref", "width": 20, "truncate": True},
                {"name": "amount", "source": "amount", "width": 12},
                {"name": "kr", "source": "amount", "amount": "kr_comma", "width": 6},
            ],
        },
        "trailer": {"fields": [{"name": "total", "source": "total", "width": 38}]},
    }
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet="abcæøåÆØÅ -_0123456789", max_size=30),
            st.integers(min_value=0, max_value=99_999),
        ),
        max_size=20,
    )
)
def test_fixed_width_property(rows: list[tuple[str, int]]) -> None:
    items = [item(i, amount, claim_ref=ref) for i, (ref, amount) in enumerate(rows)]
    data = FileRenderer(FIXED_PROFILE).render(BATCH, items)
    records = data.split(b"\r\n")
    assert records[-1] == b""
    for record, (ref, amount) in zip(records, rows, strict=False):
        assert len(record) == 38  # bytes: one byte per letter in cp1252
        text = record.decode("cp1252")
        assert text[:20] == ref[:20].ljust(20)
        assert int(text[20:32]) == amount
        kr, ore = text[32:].split(",")
        assert int(kr) * 100 + int(ore) == amount
    assert int(records[-2]) == sum(a for _, a in rows)
