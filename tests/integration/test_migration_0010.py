"""Migration 0010 (technician test money): the allocation kind CHECK takes ``technician_test``
and nothing else new, a field automat's allocations survive the rebuild, and a downgrade is
refused while test money is in the ledger (SQLite; the CHECK on both databases)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, insert, text
from sqlalchemy.exc import IntegrityError

from kiosk.ledger.db import make_engine
from kiosk.ledger.migrate import alembic_config, upgrade
from kiosk.ledger.models import Allocation, CitizenSession

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _session(engine: Engine, sid: str) -> None:
    with engine.begin() as conn:
        conn.execute(insert(CitizenSession).values(id=sid, automat_id="a", state="done",
                                                   started_at=NOW))


def test_technician_test_is_an_allocation_kind_and_nothing_else_new_is(engine: Engine) -> None:
    _session(engine, "s1")
    row = {"session_id": "s1", "payable_in": "none", "amount_ore": 2000, "created_at": NOW}
    with engine.begin() as conn:
        conn.execute(insert(Allocation).values(kind="technician_test", **row))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(Allocation).values(kind="test", **{**row, "claim_id": "x"}))


def _alembic(engine: Engine, revision: str) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def test_allocations_survive_and_a_downgrade_is_refused_while_test_money_is_there(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    try:
        upgrade(engine, "0009_cash_box_emptying")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO citizen_sessions (id, automat_id, state, started_at,"
                              " selection_committed) VALUES ('s1', 'a', 'done', :at, 0)"),
                         {"at": NOW.replace(tzinfo=None)})
            conn.execute(text("INSERT INTO allocations (session_id, kind, claim_id, payable_in,"
                              " amount_ore, created_at) VALUES ('s1', 'claim', 'f1', 'fbs', 3730,"
                              " :at)"), {"at": NOW.replace(tzinfo=None)})
        upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT claim_id, amount_ore FROM allocations")).all() == [
                ("f1", 3730)]
        _session(engine, "s2")
        with engine.begin() as conn:
            conn.execute(insert(Allocation).values(
                session_id="s2", kind="technician_test", payable_in="none", amount_ore=50,
                created_at=NOW))
        with pytest.raises(RuntimeError, match="technician test"):
            _alembic(engine, "0009_cash_box_emptying")
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM allocations WHERE kind = 'technician_test'"))
        _alembic(engine, "0009_cash_box_emptying")
        upgrade(engine)
    finally:
        engine.dispose()
