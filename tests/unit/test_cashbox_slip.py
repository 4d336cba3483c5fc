"""The cash-box emptying slip (Danish words and time, signed differences, no CPR) and the
parsing of counted figures as a person types them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kiosk.cashbox import CashBoxError, Emptying, cash_devices, parse_count, parse_counted
from kiosk.config.devices import CoinAcceptor, DevicesSection, NoteValidator
from kiosk.receipts import as_text, render_emptying_slip

SUMMER = datetime(2026, 7, 1, 21, 30, tzinfo=UTC)  # 23.30 in Copenhagen (UTC+2)


def emptying(**changes: object) -> Emptying:
    fields: dict[str, object] = {
        "id": 12,
        "automat_id": "koege-02",
        "device": "coin_acceptor",
        "emptied_at": SUMMER,
        "emptied_by": "4711",
        "role": "technician",
        "expected": {50: 3, 2000: 4},
        "counted": {50: 3, 1000: 1, 2000: 3},
    }
    fields.update(changes)
    return Emptying(**fields)  # type: ignore[arg-type]


def test_the_slip_shows_each_denomination_the_totals_and_the_signed_difference() -> None:
    document = render_emptying_slip(emptying(), "Køge Bibliotek")
    text = as_text(document)
    assert document.kind == "emptying_slip"
    lines = [line.rstrip() for line in text.splitlines()]
    assert "TØMNING AF KASSEBOKS" in text and "01.07.2026 kl. 23.30" in text
    assert any(line.startswith("Kasseboks") and line.endswith("Møntboks (coin_acceptor)")
               for line in lines)
    assert any(line.startswith("Tømt af") and line.endswith("4711 (tekniker)") for line in lines)
    body = text[text.index("Værdi"):]
    assert [line.split()[0] for line in body.splitlines()[1:6]] == [
        "0,50", "10,00", "Forskel", "20,00", "Forskel"]
    assert any(line.startswith("10,00 kr.") and line.endswith("0 / 1") for line in lines)
    assert "+10,00 kr." in text and "-20,00 kr." in text
    assert any(line.startswith("Forventet i alt") and line.endswith("81,50 kr.") for line in lines)
    assert any(line.startswith("Optalt i alt") and line.endswith("71,50 kr.") for line in lines)
    assert any(line.startswith("Forskel i alt") and line.endswith("-10,00 kr.") for line in lines)
    assert "Tømning nr. 12" in text and "Underskrift" in text


def test_a_slip_without_difference_and_an_empty_box() -> None:
    text = as_text(render_emptying_slip(emptying(counted={50: 3, 2000: 4}), "Bib"))
    assert "Forskel  " not in text.replace("Forskel i alt", "")
    assert text.rstrip().splitlines()[-5].endswith("0,00 kr.")  # Forskel i alt 0,00 kr.
    empty = as_text(render_emptying_slip(emptying(expected={}, counted={}), "Bib"))
    assert "Kasseboksen var tom." in empty


def test_no_cpr_reaches_the_slip() -> None:
    text = as_text(render_emptying_slip(emptying(emptied_by="010190-1234"), "Bib"))
    assert "010190" not in text and "******-****" in text


def test_an_administrator_and_a_note_box_in_danish() -> None:
    text = as_text(render_emptying_slip(
        emptying(role="administrator", device="note_validator", expected={5000: 2},
                 counted={5000: 2}), "Bib"))
    assert "Seddelboks (note_validator)" in text and "(administrator)" in text


@pytest.mark.parametrize(
    ("typed", "pieces"), [("0", 0), ("12", 12), (" 7 ", 7), ("", 0), ("   ", 0)]
)
def test_a_typed_count_is_a_whole_number_of_pieces(typed: str, pieces: int) -> None:
    assert parse_count(typed, 2000) == pieces


@pytest.mark.parametrize("typed", ["-1", "2.5", "2,5", "tre", "1e3", "٣", "+4", "99999999"])
def test_a_typed_count_that_is_not_one_is_refused_with_one_line(typed: str) -> None:
    with pytest.raises(CashBoxError) as refused:
        parse_count(typed, 2000)
    assert str(refused.value).startswith("the count of 20,00 kr. ")
    assert "\n" not in str(refused.value)


def test_counted_entries_as_denomination_in_kroner_equals_pieces() -> None:
    assert parse_counted(["20=3", "0.50=12", "1000=1", "10,00=0"]) == {
        2000: 3, 50: 12, 100000: 1, 1000: 0}


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (["20"], "'20' is not DENOMINATION=COUNT (e.g. 20=3 for three 20 kr.)"),
        (["tyve=3"], "'tyve' is not a denomination in kroner"),
        (["20=3", "20.00=1"], "20,00 kr. is given twice"),
        (["20=x"], "the count of 20,00 kr. must be a whole number of pieces, 0 or more; got 'x'"),
    ],
)
def test_bad_counted_entries(entries: list[str], message: str) -> None:
    with pytest.raises(CashBoxError) as refused:
        parse_counted(entries)
    assert str(refused.value) == message


def test_the_configured_cash_boxes_are_the_enabled_acceptors() -> None:
    both = DevicesSection(coin_acceptor=CoinAcceptor(emulated=True),
                          note_validator=NoteValidator(emulated=True))
    assert cash_devices(both) == {"coin_acceptor": "coin", "note_validator": "note"}
    assert cash_devices(DevicesSection()) == {}
