"""Migration 0009 (cash-box emptyings, parked and closed FBS registrations): the migrated schema
is the models' (SQLite and PostgreSQL), a field automat's outbox rows survive the rebuild, the
new CHECKs hold, and a downgrade leaves nothing to be sent twice."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from kiosk.ledger.db import make_engine
from kiosk.ledger.migrate import alembic_config, upgrade
from kiosk.ledger.models import Base, CashBoxEmptying, OutboxItem

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_the_migrated_schema_is_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_the_new_checks_hold(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO citizen_sessions (id, automat_id, state, started_at,"
                          " selection_committed) VALUES ('s1', 'a', 'done', :at, false)"),
                     {"at": NOW.replace(tzinfo=None)})
    row = {"session_id": "s1", "kind": "fbs_registration", "amount_ore": 100, "payload": "{}",
           "attempts": 0, "created_at": NOW.replace(tzinfo=None)}
    insert_item = text("INSERT INTO outbox (session_id, kind, idempotency_key, state, amount_ore,"
                       " payload, attempts, created_at, closed_at) VALUES (:session_id, :kind,"
                       " :key, :state, :amount_ore, :payload, :attempts, :created_at, :closed_at)")
    with engine.begin() as conn:  # parked and closed (with its time) are states now
        conn.execute(insert_item, {**row, "key": "k1", "state": "parked", "closed_at": None})
        conn.execute(insert_item, {**row, "key": "k2", "state": "closed",
                                   "closed_at": NOW.replace(tzinfo=None)})
    for state, closed_at in (("closed", None), ("parked", NOW.replace(tzinfo=None)),
                             ("lost", None)):
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert_item, {**row, "key": f"x-{state}", "state": state,
                                       "closed_at": closed_at})
    emptying = {"automat_id": "a", "device": "coins", "expected": {}, "expected_ore": 100,
                "counted": {}, "counted_ore": 50, "emptied_by": "t", "role": "technician",
                "emptied_at": NOW}
    with engine.begin() as conn:
        conn.execute(insert(CashBoxEmptying).values(**emptying, difference_ore=-50))
    for bad in ({"difference_ore": 50}, {"counted_ore": -1, "difference_ore": -101}):
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert(CashBoxEmptying).values(**{**emptying, **bad}))


def _alembic(engine: Engine, verb: str, revision: str) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, verb)(cfg, revision)


def test_a_field_automats_outbox_survives_and_a_downgrade_sends_nothing_twice(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    try:
        upgrade(engine, "0008_staff_accounts")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO citizen_sessions (id, automat_id, state, started_at,"
                              " selection_committed) VALUES ('s1', 'a', 'done', :at, 0)"),
                         {"at": NOW.replace(tzinfo=None)})
            for key in ("k1", "k2", "k3"):
                conn.execute(text(
                    "INSERT INTO outbox (session_id, kind, idempotency_key, state, amount_ore,"
                    " payload, attempts, last_error, created_at) VALUES ('s1',"
                    " 'fbs_registration', :key, 'refused', 3730, '{}', 2, 'no period', :at)"),
                    {"key": key, "at": NOW.replace(tzinfo=None)})
        upgrade(engine)
        with engine.begin() as conn:
            rows = conn.execute(select(OutboxItem.idempotency_key, OutboxItem.state,
                                       OutboxItem.attempts, OutboxItem.last_error)).all()
            assert sorted(rows) == [(k, "refused", 2, "no period") for k in ("k1", "k2", "k3")]
            conn.execute(update(OutboxItem).where(OutboxItem.idempotency_key == "k2")
                         .values(state="parked", next_attempt_at=None))
            conn.execute(update(OutboxItem).where(OutboxItem.idempotency_key == "k3")
                         .values(state="closed", closed_at=NOW, closed_by="s17"))
        _alembic(engine, "downgrade", "0008_staff_accounts")
        with engine.connect() as conn:
            states = dict(conn.execute(text("SELECT idempotency_key, state FROM outbox")).all())
            done_at = conn.scalar(text("SELECT done_at FROM outbox WHERE idempotency_key='k3'"))
        assert states == {"k1": "refused", "k2": "refused", "k3": "done"} and done_at is not None
        upgrade(engine)
    finally:
        engine.dispose()
