"""The automats a ledger knows (``kiosk.ledger.automats``): one index probe per automat in each
table that names one gives the same set as reading every row, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert, select, union

from kiosk.ledger.automats import AUTOMAT_TABLES, automats_in
from kiosk.ledger.models import AuditEntry, CashBoxEmptying, CitizenSession, ExportBatch
from kiosk.ledger.repository import write_audit
from kiosk.reports.compute import fleet_automats

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_every_table_that_names_an_automat_is_read(engine: Engine) -> None:
    with engine.begin() as conn:
        for n, automat in enumerate(["b-2", "a-1", "c-3", "a-1", "b-2"]):
            conn.execute(insert(CitizenSession).values(
                id=f"s-{n}", automat_id=automat, state="idle", started_at=AT))
        write_audit(conn, AT, "console", "17", "staff", "bon_issued", {"amount_ore": 5000})
        write_audit(conn, AT, "a-1", "17", "staff", "staff_login", {})
    with engine.connect() as conn:
        assert automats_in(conn, ("citizen_sessions",)) == ("a-1", "b-2", "c-3")
    assert fleet_automats(engine) == ("a-1", "b-2", "c-3", "console")
    with engine.connect() as conn:
        everything = {str(a) for a in conn.scalars(union(
            select(CitizenSession.automat_id), select(AuditEntry.automat_id),
            select(CashBoxEmptying.automat_id), select(ExportBatch.automat_id)))}
    assert set(fleet_automats(engine)) == everything


def test_an_empty_ledger_knows_no_automat(engine: Engine) -> None:
    assert fleet_automats(engine) == ()


def test_only_the_tables_that_name_automats(sqlite_engine: Engine) -> None:
    assert "audit_log" in AUTOMAT_TABLES
    with sqlite_engine.connect() as conn, pytest.raises(ValueError, match="names automats"):
        automats_in(conn, ("staff_accounts; DROP TABLE bons",))
