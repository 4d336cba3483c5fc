"""The console's audit log, for an administrator: newest first, 100 a page with a link to older
ones, filtered by period, automat, actor and action; details as key=value with CPR-shaped text
masked and markup escaped; SQL typed into a filter finds nothing and changes nothing (every
filter is a bound parameter). SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from kiosk.ledger.audit_trail import AuditFilter, read_audit
from kiosk.ledger.models import AuditEntry, StaffAccount
from kiosk.ledger.repository import Ledger
from tests.console.rig import ConsoleRig

VIEWED = "audit_log_viewed"


def write(rig: ConsoleRig, n: int, automat: str = "test-01", actor: str = "30",
          action: str = "printer_test", **details: object) -> None:
    ledger = Ledger(rig.engine, automat, rig.clock)
    for i in range(n):
        rig.clock.advance(1)
        ledger.audit(actor, "technician", action, n=i, **details)


def shown(page: str) -> list[tuple[str, str, str]]:
    """(automat, actor, action) of each row shown."""
    return re.findall(r"<tr>\s*<td>[^<]*</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*"
                      r"<td>[^<]*</td>\s*<td>([^<]*)</td>", page)


def counts(rig: ConsoleRig) -> tuple[int, int]:
    """Entries other than the page's own "viewed" ones, and staff accounts."""
    with rig.engine.connect() as conn:
        entries = conn.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action != VIEWED))
        staff = conn.scalar(select(func.count()).select_from(StaffAccount))
    return int(entries), int(staff)


def test_newest_first_with_details_masked_and_escaped(rig: ConsoleRig) -> None:
    write(rig, 1, action="bon_voided", reason="<script>alert(1)</script> CPR 0102031234")
    page = rig.client("administrator").get("/auditlog").get_data(as_text=True)
    rows = shown(page)
    assert rows[0] == ("console", "50", "staff_login")  # the administrator's own login
    assert rows[1] == ("test-01", "30", "bon_voided")
    assert "reason=&lt;script&gt;alert(1)&lt;/script&gt; CPR ******-****" in page
    assert "<script>alert" not in page and "0102031234" not in page
    assert "n=0" in page
    with rig.engine.connect() as conn:
        entry = conn.execute(select(AuditEntry).where(AuditEntry.action == VIEWED)).one()
    assert (entry.actor, entry.role) == ("50", "administrator")
    assert entry.details["address"] == "127.0.0.1"


def test_filters_and_pages_of_a_hundred(rig: ConsoleRig) -> None:
    write(rig, 230)
    write(rig, 3, automat="test-02", actor="17", action="bon_issued")
    client = rig.client("administrator")
    page = client.get("/auditlog?automat=test-01&action=printer_test").get_data(as_text=True)
    assert len(shown(page)) == 100 and "n=229" in page and "n=130" in page
    older = re.search(r'href="(/auditlog\?[^"]+)" rel="next"', page)
    assert older is not None
    page = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert len(shown(page)) == 100 and "n=129" in page and "n=30" in page
    older = re.search(r'href="(/auditlog\?[^"]+)" rel="next"', page)
    assert older is not None
    page = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert len(shown(page)) == 30 and 'rel="next"' not in page
    page = client.get("/auditlog?actor=17").get_data(as_text=True)
    assert shown(page) == [("test-02", "17", "bon_issued")] * 3
    page = client.get("/auditlog?from=2026-11-25&to=2026-11-30").get_data(as_text=True)
    assert "Ingen linjer passer." in page  # every entry is of 24 November 2026


@pytest.mark.parametrize("field", ["actor", "automat", "action"])
@pytest.mark.parametrize("sql", ["' OR 1=1 --", "x'; DELETE FROM staff_accounts; --",
                                 "17' OR actor LIKE '%"])
def test_sql_in_a_filter_finds_nothing_and_changes_nothing(
    rig: ConsoleRig, field: str, sql: str
) -> None:
    write(rig, 3, actor="17")
    client = rig.client("administrator")
    before = counts(rig)
    response = client.get("/auditlog", query_string={field: sql})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Ingen linjer passer." in page and shown(page) == []
    assert counts(rig) == before
    assert read_audit(rig.engine, AuditFilter(actor=sql))[0] == []


@pytest.mark.parametrize(("query", "words"), [
    ("from=yesterday", "skal være en dato skrevet som ÅÅÅÅ-MM-DD"),
    ("from=2026-11-24&to=2026-11-01", "Perioden begynder, efter den slutter."),
    ("before=1%20OR%201=1", "Den ønskede side findes ikke."),
])
def test_a_bad_filter_is_one_line(rig: ConsoleRig, query: str, words: str) -> None:
    response = rig.client("administrator").get(f"/auditlog?{query}")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert words in text and "<tbody>" not in text and "Traceback" not in text


def test_only_an_administrator_reads_the_audit_log(sqlite_rig: ConsoleRig) -> None:
    for role in ("staff", "finance", "technician"):
        assert sqlite_rig.client(role).get("/auditlog").status_code == 403
