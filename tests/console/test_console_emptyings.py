"""The console's cash-box emptyings: every automat's emptyings (made as the core's tests make
them: cash paid at an automat, the box emptied and counted) with their differences, a box
counted short standing out, per automat and period; a bad period or automat is one line and
changes nothing; viewing is audited with the address. SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from kiosk.cashbox import CashBoxes
from kiosk.ledger.models import AuditEntry, CashBoxEmptying
from tests.console.rig import ConsoleRig
from tests.integration.test_cashbox import BOXES, pay_cash
from tests.payment_fakes import session_rig


@pytest.fixture
def emptied(rig: ConsoleRig) -> ConsoleRig:
    """test-01's coin box counted exactly (40,50 kr.), test-02's counted 20 kr. short."""
    for automat, coins, counted in (("test-01", (2000, 2000, 50), {2000: 2, 50: 1}),
                                    ("test-02", (2000, 1000), {1000: 1})):
        automat_rig = session_rig(rig.engine, automat=automat, clock=rig.clock)
        pay_cash(automat_rig, coins=coins)
        rig.clock.advance(60)
        CashBoxes(rig.engine, automat, rig.clock, BOXES).empty(
            "coins", counted, staff="30", role="technician")
    return rig


def count(rig: ConsoleRig) -> int:
    with rig.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(CashBoxEmptying)))


def rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1]
    return re.findall(r"<tr( class=\"differs\")?>\s*<td>[^<]*</td>\s*<td>([^<]*)</td>", body)


def test_a_technician_sees_every_automats_emptyings_and_the_shortfall_stands_out(
    emptied: ConsoleRig,
) -> None:
    page = emptied.client("technician").get("/emptyings").get_data(as_text=True)
    assert rows(page) == [(' class="differs"', "test-02"), ("", "test-01")]  # newest first
    assert '<td class="num bad">-20,00 kr. <span class="tag">mangler</span></td>' in page
    assert '<td class="num good">0,00 kr.</td>' in page
    assert "2 tømninger; differencerne er i alt -20,00 kr." in page
    assert "40,50 kr." in page and "30 (technician)" in page
    with emptied.engine.connect() as conn:
        entry = conn.execute(select(AuditEntry).where(
            AuditEntry.action == "cash_box_emptyings_viewed")).one()
    assert (entry.actor, entry.role, entry.automat_id) == ("30", "technician", "console")
    assert entry.details["address"] == "127.0.0.1" and entry.details["emptyings"] == 2


def test_one_automat_and_a_period(emptied: ConsoleRig) -> None:
    client = emptied.client("administrator")
    page = client.get("/emptyings?automat=test-01").get_data(as_text=True)
    assert rows(page) == [("", "test-01")]
    assert "1 tømning; differencerne er i alt 0,00 kr." in page
    page = client.get("/emptyings?from=2026-11-25&to=2026-11-30").get_data(as_text=True)
    assert "Ingen kasse blev tømt i perioden." in page  # the rig's clock: 24 November 2026
    page = client.get("/emptyings?from=2026-11-24&to=2026-11-24").get_data(as_text=True)
    assert len(rows(page)) == 2


@pytest.mark.parametrize(("query", "status", "words"), [
    ("from=24-11-2026", 400, "skal være en dato skrevet som ÅÅÅÅ-MM-DD"),
    ("from=2026-02-30", 400, "skal være en dato skrevet som ÅÅÅÅ-MM-DD"),
    ("from=2026-11-25&to=2026-11-24", 400, "Perioden begynder, efter den slutter."),
    ("automat=' OR 1=1 --", 404, "Der er ingen automat med det navn."),
])
def test_a_bad_filter_is_one_line_and_changes_nothing(
    emptied: ConsoleRig, query: str, status: int, words: str
) -> None:
    before = count(emptied)
    response = emptied.client("technician").get(f"/emptyings?{query}")
    assert response.status_code == status
    text = response.get_data(as_text=True)
    assert words in text and "<tbody>" not in text and "Traceback" not in text
    assert count(emptied) == before


def test_desk_staff_may_not_see_the_emptyings(sqlite_rig: ConsoleRig) -> None:
    assert sqlite_rig.client("staff").get("/emptyings").status_code == 403
    assert sqlite_rig.client("finance").get("/emptyings").status_code == 403
