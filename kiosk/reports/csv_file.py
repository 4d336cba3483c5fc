"""The report as one CSV file for a Danish spreadsheet (layout: docs/operations.md).

Written for what a municipal finance office opens it with, Excel or LibreOffice in Danish:
- UTF-8 with a byte-order mark, so Excel reads æ, ø and å as such instead of guessing a
  Windows code page;
- ``;`` between fields (the list separator of a Danish locale, where ``,`` is the decimal mark);
- each amount twice: ``beløb_kr`` with a decimal comma and no thousands separator (``1234,50``:
  a Danish spreadsheet takes it as a number, where ``1.234,50`` may become a date or text), and
  ``beløb_øre`` as a whole number, the ledger's exact figure, which every locale reads alike;
- times in Danish time as ``YYYY-MM-DD HH:MM``, which spreadsheets read as a date and time;
- a text field that begins with ``=``, ``+``, ``-``, ``@`` (e.g. FBS's reason for a refusal) is
  prefixed with ``'``, so a spreadsheet shows it instead of running it as a formula.
"""

from __future__ import annotations

import csv
import io

from kiosk.clock import LOCAL_TIME
from kiosk.money import Money
from kiosk.reports.entries import Entry

HEADER = (
    "sektion",
    "automat",
    "post",
    "tidspunkt",
    "reference",
    "ekstern_reference",
    "tekst",
    "antal",
    "beløb_kr",
    "beløb_øre",
    "alder_dage",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def kr_decimal(amount: Money) -> str:
    """``1234,50``, ``-0,20``: kroner with a decimal comma, no thousands separator."""
    return amount.to_fbs().replace(".", ",")


def _text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _row(e: Entry) -> list[str]:
    return [
        _text(e.section),
        _text(e.automat),
        _text(e.item),
        f"{e.at.astimezone(LOCAL_TIME):%Y-%m-%d %H:%M}" if e.at else "",
        _text(e.reference),
        _text(e.external_ref),
        _text(e.text),
        "" if e.count is None else str(e.count),
        "" if e.amount is None else kr_decimal(e.amount),
        "" if e.amount is None else str(e.amount.ore),
        "" if e.age_days is None else str(e.age_days),
    ]


def render_csv(entries: list[Entry]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(_row(e) for e in entries)
    return out.getvalue().encode("utf-8-sig")
