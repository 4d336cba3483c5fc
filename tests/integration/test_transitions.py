"""The one gateway for ledger state changes (``kiosk.ledger.transitions``), table by table: every
move the table allows happens, every other raises, an exact repeat changes nothing, and two
writers moving the same row at once on PostgreSQL change it once. SQLite and PostgreSQL."""

from __future__ import annotations

import importlib.util
import itertools
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, insert, select

from kiosk.ledger import transitions
from kiosk.ledger.models import Bon, CitizenSession, ExportBatch, OutboxItem, Tender
from kiosk.ledger.transitions import (
    BATCH,
    BON,
    OUTBOX,
    SESSION,
    TABLES,
    TENDER,
    IllegalTransition,
    MoveRefused,
    StateTable,
    move,
    move_all,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
DONE_STATES = {"done", "exported"}  # an outbox item in them carries done_at (a CHECK)
CLOSED = "closed"  # an outbox item closed by hand carries closed_at (a CHECK)


def new_session(conn: Connection, state: str = "paying") -> str:
    sid = str(uuid.uuid4())
    conn.execute(insert(CitizenSession).values(id=sid, automat_id="t", state=state,
                                               started_at=NOW))
    return sid


def new_row(conn: Connection, table: StateTable, state: str) -> Any:
    """A row of ``table`` in ``state`` (with whatever its constraints want)."""
    if table is SESSION:
        return new_session(conn, state)
    if table is TENDER:
        return conn.execute(insert(Tender).values(
            session_id=new_session(conn), kind="card", state=state, amount_ore=100,
            created_at=NOW).returning(Tender.id)).scalar_one()
    if table is OUTBOX:
        return conn.execute(insert(OutboxItem).values(
            session_id=new_session(conn), kind="fbs_registration",
            idempotency_key=uuid.uuid4().hex, state=state, amount_ore=100, payload={},
            created_at=NOW, done_at=NOW if state in DONE_STATES else None,
            closed_at=NOW if state == CLOSED else None,
        ).returning(OutboxItem.id)).scalar_one()
    if table is BATCH:
        return conn.execute(insert(ExportBatch).values(
            automat_id="t", sequence=int(uuid.uuid4().int % 10**9), profile="p",
            file_name="f", state=state, created_at=NOW).returning(ExportBatch.id)).scalar_one()
    bon_id = str(uuid.uuid4())
    conn.execute(insert(Bon).values(
        id=bon_id, short_code=bon_id[:10], amount_ore=100, reason="desk_cash", state=state,
        issuer="s", issued_at=NOW, expires_at=NOW + timedelta(days=90)))
    return bon_id


#: What the ledger lets each row become, written out: a session row ends once; a card payment is
#: pending, then final (an unknown outcome is asked again, a received tender only reversed); an
#: FBS registration is retried until done; a debtor file is written, then delivered; a bon is used
#: or voided once.
_LIVE = ("idle", "identifying", "pin", "loading_claims", "claims", "choosing_tender", "paying",
         "settling", "receipt")
LIFECYCLES: dict[str, dict[str, set[str]]] = {
    "session": {live: set(SESSION.states) for live in _LIVE},
    "tender": {"pending": {"received", "declined", "outcome_unknown"},
               "outcome_unknown": {"received", "declined"}, "received": {"reversed"}},
    "outbox item": {"pending": {"pending", "done", "refused", "exported"},
                    "refused": {"refused", "pending", "done", "parked", "closed"},
                    "parked": {"closed"}},
    "export batch": {"writing": {"written"}, "written": {"delivered"}},
    "bon": {"issued": {"redeemed", "voided"}},
}


def tables_as_imported() -> tuple[StateTable, ...]:
    """The tables built again by running the module's source, as its import does (a check of
    the imported ``TABLES`` alone would not see the builder change: mutation testing imports
    the module once, before any test)."""
    spec = importlib.util.spec_from_file_location(transitions.__name__, transitions.__file__)
    assert spec is not None and spec.loader is not None
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    return tuple(fresh.TABLES)


def extra(table: StateTable, to: str) -> dict[str, Any]:
    """Columns a CHECK wants with ``to``."""
    if table is not OUTBOX:
        return {}
    return {"done_at": NOW} if to in DONE_STATES else {"closed_at": NOW} if to == CLOSED else {}


def state_of(conn: Connection, table: StateTable, row_id: Any) -> str:
    model: Any = table.model
    return str(conn.scalar(select(model.state).where(model.id == row_id)))


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_every_move_of_every_table(engine: Engine, table: StateTable) -> None:
    """From each state to each state: allowed moves happen, an exact repeat changes nothing,
    everything else raises and leaves the row as it was."""
    for source, to in itertools.product(table.states, repeat=2):
        with engine.begin() as conn:
            row = new_row(conn, table, source)
        with engine.begin() as conn:
            if table.allowed(source, to):
                assert move(conn, table, row, to, **extra(table, to)) is True, (source, to)
            elif source == to:
                assert move(conn, table, row, to, **extra(table, to)) is False, (source, to)
            else:
                with pytest.raises(IllegalTransition, match=f"'{source}'"):
                    move(conn, table, row, to, **extra(table, to))
        with engine.connect() as conn:
            moved = source == to or table.allowed(source, to)
            assert state_of(conn, table, row) == (to if moved else source), (source, to)


def test_a_condition_that_does_not_hold_is_refused_not_illegal(engine: Engine) -> None:
    with engine.begin() as conn:
        bon = new_row(conn, BON, "issued")
    with engine.begin() as conn, pytest.raises(MoveRefused) as refused:
        move(conn, BON, bon, "redeemed", when=Bon.expires_at < NOW)  # expired, say
    assert refused.value.current == "issued"
    assert str(refused.value) == f"bon {bon}: not now (issued → redeemed)"


def test_each_table_allows_exactly_its_lifecycle() -> None:
    models = {"session": CitizenSession, "tender": Tender, "outbox item": OutboxItem,
              "export batch": ExportBatch, "bon": Bon}
    for table in (*TABLES, *tables_as_imported()):
        lifecycle = LIFECYCLES[table.name]
        assert table.model is models[table.name]
        for source, to in itertools.product(table.states, repeat=2):
            assert table.allowed(source, to) == (to in lifecycle.get(source, set())), (
                table.name, source, to)
        for to in table.states:
            assert set(table.sources(to)) == {s for s, tos in lifecycle.items() if to in tos}, (
                table.name, to)
    assert {t.name for t in tables_as_imported()} == set(LIFECYCLES)
    assert set(_LIVE) | {"done", "cancelled", "timed_out", "recovered"} == set(SESSION.states)


def test_a_lifecycle_naming_a_state_the_schema_lacks_is_refused_when_built() -> None:
    with pytest.raises(ValueError, match=r"^tender: states not in the schema: \['approved'\]$"):
        StateTable("tender", Tender, ("pending", "received"),
                   {"pending": frozenset({"approved", "received"})})
    table = StateTable("tender", Tender, ("pending", "received"),
                       {"pending": frozenset({"received"})})
    assert table.model is Tender and table.sources("received") == ("pending",)


def test_a_retry_whose_condition_does_not_hold_is_refused_not_taken_for_a_repeat(
    engine: Engine,
) -> None:
    """An outbox item may move from pending to pending (a retry, rescheduled): when the caller's
    condition says not now, that is a refusal, not "already there"."""
    with engine.begin() as conn:
        item = new_row(conn, OUTBOX, "pending")
    with engine.begin() as conn, pytest.raises(MoveRefused) as refused:
        move(conn, OUTBOX, item, "pending", when=OutboxItem.attempts > 99)
    assert refused.value.current == "pending"


def test_a_row_that_does_not_exist_cannot_move(engine: Engine) -> None:
    with engine.begin() as conn, pytest.raises(IllegalTransition, match="does not exist"):
        move(conn, TENDER, 10**9, "received")


def test_move_all_moves_exactly_what_is_expected_or_nothing(engine: Engine) -> None:
    with engine.begin() as conn:
        batch = new_row(conn, BATCH, "written")
        sid = new_session(conn)
        for _ in range(3):
            conn.execute(insert(OutboxItem).values(
                session_id=sid, kind="debtor_item", idempotency_key=uuid.uuid4().hex,
                state="pending", amount_ore=1, payload={}, created_at=NOW, batch_id=batch))
    with pytest.raises(IllegalTransition, match="expected 4"), engine.begin() as conn:
        move_all(conn, OUTBOX, OutboxItem.batch_id == batch, "exported", expected=4, done_at=NOW)
    with engine.begin() as conn:
        assert move_all(conn, OUTBOX, OutboxItem.batch_id == batch, "exported", expected=3,
                        done_at=NOW) == 3
    with engine.connect() as conn:
        states = set(conn.scalars(select(OutboxItem.state).where(OutboxItem.batch_id == batch)))
    assert states == {"exported"}


def test_move_all_refuses_a_set_with_a_row_that_may_not_move_and_moves_nothing(
    engine: Engine,
) -> None:
    """A debtor batch of four items, one of them refused by FBS meanwhile: exporting "all four"
    is refused whole; the three that may be exported are, when those are what is expected."""
    with engine.begin() as conn:
        batch = new_row(conn, BATCH, "written")
        sid = new_session(conn)
        for state in ("pending", "pending", "pending", "refused"):
            conn.execute(insert(OutboxItem).values(
                session_id=sid, kind="debtor_item", idempotency_key=uuid.uuid4().hex,
                state=state, amount_ore=1, payload={}, created_at=NOW, batch_id=batch))
    with pytest.raises(IllegalTransition, match="expected 4"), engine.begin() as conn:
        move_all(conn, OUTBOX, OutboxItem.batch_id == batch, "exported", expected=4, done_at=NOW)
    with engine.connect() as conn:
        states = sorted(conn.scalars(select(OutboxItem.state).where(
            OutboxItem.batch_id == batch)))
    assert states == ["pending", "pending", "pending", "refused"]
    with engine.begin() as conn:
        assert move_all(conn, OUTBOX, OutboxItem.batch_id == batch, "exported", expected=3,
                        done_at=NOW) == 3


def test_a_state_the_schema_does_not_have_is_refused(engine: Engine) -> None:
    with engine.begin() as conn:
        row = new_row(conn, TENDER, "pending")
    with engine.begin() as conn, pytest.raises(IllegalTransition, match="no state"):
        move(conn, TENDER, row, "approved")


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("table", "source", "to"),
    [(TENDER, "pending", "received"), (BON, "issued", "redeemed"), (BATCH, "written",
     "delivered"), (SESSION, "paying", "cancelled"), (OUTBOX, "pending", "done")],
    ids=lambda v: getattr(v, "name", v),
)
def test_two_writers_at_once_move_a_row_once(
    postgres_engine: Engine, table: StateTable, source: str, to: str
) -> None:
    """Two connections race to make the same move: one does it, the other finds it done."""
    with postgres_engine.begin() as conn:
        row = new_row(conn, table, source)
    start = threading.Barrier(2)
    results: list[bool] = []
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with postgres_engine.begin() as conn:
                start.wait()
                results.append(move(conn, table, row, to, **extra(table, to)))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sorted(results) == [False, True]
    with postgres_engine.connect() as conn:
        assert state_of(conn, table, row) == to
