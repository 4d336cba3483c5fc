"""The finance office's files from a report held in memory: the CSV's forms, the last CPR
gate, the period's arguments and the PDF's columns."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from kiosk.cashbox import Emptying
from kiosk.money import Money
from kiosk.reports import Period, PeriodError, ZReport
from kiosk.reports.csv_file import kr_decimal, render_csv
from kiosk.reports.entries import finance_entries
from kiosk.reports.figures import DebtorLine
from kiosk.reports.pdf_file import render_pdf
from kiosk.reports.period import MAX_DAYS, period_from_args

AT = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 28)


def report(**fields: object) -> ZReport:
    return ZReport("test-01", Period.day(date(2026, 11, 24)), ("test-01",), made_at=AT, **fields)


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize(
    ("ore", "shown"), [(0, "0,00"), (5, "0,05"), (-20, "-0,20"), (123450, "1234,50")]
)
def test_amounts_have_a_decimal_comma_and_no_thousands_separator(ore: int, shown: str) -> None:
    assert kr_decimal(Money(ore)) == shown


def emptied(device: str, by: str) -> Emptying:
    """A 1 kr. coin box emptied at ``AT`` and counted right."""
    return Emptying(1, "test-01", device, AT, by, "technician", {100: 1}, {100: 1})


def test_text_a_spreadsheet_would_run_as_a_formula_is_quoted() -> None:
    r = report(emptyings=[emptied(device="=HYPERLINK(1)", by="+tech")])
    (row,) = [r for r in rows(render_csv(finance_entries(r))) if r["post"] == "forventet"]
    assert (row["reference"], row["tekst"]) == ("'=HYPERLINK(1)", "'+tech")
    (rounding,) = [
        r
        for r in rows(render_csv(finance_entries(report(settled={"cash_rounding": Money(-20)}))))
        if r["post"] == "øreafrunding"
    ]
    assert rounding["beløb_kr"] == "-0,20"  # a negative amount stays a number


def test_no_text_leaves_with_a_cpr_in_it() -> None:
    """The last gate: every text cell is scrubbed, whatever the figures carry."""
    r = report(emptyings=[emptied(device="coins", by="0101901234")])
    entries = finance_entries(r)
    csv_text = render_csv(entries).decode("utf-8-sig")
    pdf = PdfReader(io.BytesIO(render_pdf(entries, title="Z", made_at=AT)))
    pdf_text = "\n".join(p.extract_text() for p in pdf.pages)
    for shown in (csv_text, pdf_text):
        assert "0101901234" not in shown and "******-****" in shown


@pytest.mark.parametrize(
    ("day", "first", "last", "period"),
    [
        (None, None, None, Period.day(TODAY)),
        ("2026-11-24", None, None, Period.day(date(2026, 11, 24))),
        (None, "2026-11-01", None, Period(date(2026, 11, 1), TODAY)),
        (None, "2026-11-01", "2026-11-30", Period(date(2026, 11, 1), date(2026, 11, 30))),
    ],
)
def test_the_period_from_the_command_line(
    day: str | None, first: str | None, last: str | None, period: Period
) -> None:
    assert period_from_args(day, first, last, TODAY) == period


@pytest.mark.parametrize(
    ("day", "first", "last", "reason", "option"),
    [
        ("24/11/2026", None, None, "not_a_date", "--day"),
        (None, "2026-02-30", None, "not_a_date", "--from"),
        (None, "2026-11-01", "<script>", "not_a_date", "--to"),
        (None, "2026-11-02", "2026-11-01", "backwards", ""),
        (None, "2025-11-27", "2026-11-28", "too_long", ""),
        ("2026-11-24", "2026-11-01", None, "day_and_range", ""),
        (None, None, "2026-11-01", "to_without_from", ""),
    ],
)
def test_a_period_that_is_not_one_says_which_rule_it_broke(
    day: str | None, first: str | None, last: str | None, reason: str, option: str
) -> None:
    """One line for the command line; the rule and the argument for a front end's own words."""
    with pytest.raises(PeriodError) as refused:
        period_from_args(day, first, last, TODAY, longest=MAX_DAYS)
    assert (refused.value.reason, refused.value.option) == (reason, option)
    assert "\n" not in str(refused.value)


def test_a_year_is_the_longest_period_where_a_limit_is_asked() -> None:
    leap = period_from_args(None, "2028-01-01", "2028-12-31", TODAY, longest=MAX_DAYS)
    assert leap.days == 366
    assert period_from_args(None, "2020-01-01", None, TODAY).days > MAX_DAYS  # kiosk report


def test_a_period_is_whole_danish_days() -> None:
    start, end = Period(date(2026, 10, 1), date(2026, 10, 31)).bounds()  # summer time ends 25th
    assert (start.isoformat(), end.isoformat()) == (
        "2026-09-30T22:00:00+00:00",
        "2026-10-31T23:00:00+00:00",
    )
    with pytest.raises(PeriodError, match="starts after it ends"):
        Period(date(2026, 11, 2), date(2026, 11, 1))


def test_a_long_reference_is_never_broken_and_the_table_fits_the_page() -> None:
    """File names and references keep their width; only the words of a long text wrap."""
    name = "OPUS_test-01_20261124_000001.txt"
    long_text = "krav " + "meget lang tekst " * 30
    r = report(
        debtor_items=[
            DebtorLine(
                "KDD963F2680DB417", long_text, "BIBGEB", Money(6000), "exported", AT, 1, name
            )
        ]
    )
    pdf = PdfReader(io.BytesIO(render_pdf(finance_entries(r), title="Z", made_at=AT)))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert name in text and "KDD963F2680DB417" in text
