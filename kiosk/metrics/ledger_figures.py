"""What the ledger says about one automat, read at scrape time: the ledger is the truth for
sessions, payments, the outbox and the debtor export, so nothing is counted twice by hand.

A scrape must never hold up a coin: on SQLite the figures are read over a connection of their
own (no ``BEGIN IMMEDIATE``: in WAL mode a reader takes no lock a writer waits for, and
``query_only`` is on), on PostgreSQL in a read-only transaction with a statement timeout. The
read runs on a thread of its own, at most once per ``cache_seconds``; a scrape waits for it at
most ``timeout_s`` and otherwise gets the last figures with ``read_ok`` False.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Engine, create_engine, event, func, select, text

from kiosk.ledger.models import CitizenSession, ExportBatch, OutboxItem
from kiosk.ledger.tallies import counted, purged
from kiosk.metrics.bounded import BoundedCall


@dataclass(frozen=True, slots=True)
class LedgerFigures:
    #: ended sessions by how they ended (done, cancelled, timed_out, recovered)
    sessions: dict[str, int] = field(default_factory=dict)
    #: per method: sessions that received money by it, and the øre received
    payments: dict[str, int] = field(default_factory=dict)
    payments_ore: dict[str, int] = field(default_factory=dict)
    #: FBS registrations not sent yet, and the oldest one's payment time
    fbs_pending: int = 0
    fbs_oldest_pending: datetime | None = None
    #: FBS registrations FBS refused that wait for staff (refused, still retried, or parked)
    fbs_follow_up: int = 0
    #: debtor items not in a delivered file yet, and the oldest one's payment time
    debtor_pending: int = 0
    debtor_oldest_pending: datetime | None = None
    #: when the newest debtor file was delivered
    last_export: datetime | None = None


def read_figures(conn: Connection, automat_id: str) -> LedgerFigures:
    """The figures of ``automat_id`` (on a fleet's database, only its own sessions' rows)."""
    own = CitizenSession.automat_id == automat_id
    # the counters: what the ledger holds and what the retention purge took out of it
    tallies = counted(conn, own) + purged(conn, automat_id)
    outbox = select(
        OutboxItem.kind, OutboxItem.state, func.count(), func.min(OutboxItem.created_at)
    ).join(CitizenSession, CitizenSession.id == OutboxItem.session_id)
    rows = {
        (kind, state): (int(count), oldest)
        for kind, state, count, oldest in conn.execute(
            outbox.where(own, OutboxItem.state.in_(("pending", "refused", "parked")))
            .group_by(OutboxItem.kind, OutboxItem.state)
        )
    }
    fbs_pending, fbs_oldest = rows.get(("fbs_registration", "pending"), (0, None))
    debtor_pending, debtor_oldest = rows.get(("debtor_item", "pending"), (0, None))
    follow_up = sum(rows.get(("fbs_registration", s), (0, None))[0] for s in ("refused", "parked"))
    last_export = conn.execute(
        select(func.max(ExportBatch.delivered_at)).where(
            ExportBatch.automat_id == automat_id, ExportBatch.state == "delivered"
        )
    ).scalar()
    return LedgerFigures(
        sessions=tallies.sessions,
        payments=tallies.payments,
        payments_ore=tallies.payments_ore,
        fbs_pending=fbs_pending,
        fbs_oldest_pending=fbs_oldest,
        fbs_follow_up=follow_up,
        debtor_pending=debtor_pending,
        debtor_oldest_pending=debtor_oldest,
        last_export=last_export,
    )


#: the figures reader's SQLite page cache (KiB). Its read scans the whole ledger, so an unbounded
#: (2 MB) cache fills as the ledger grows; the pages are released after each read anyway
READER_CACHE_KIB = 256


def reading_engine(engine: Engine, timeout_s: float) -> tuple[Engine, Callable[[Connection], None]]:
    """An engine for reading the figures beside ``engine``'s writers, and what to run at the
    start of each read transaction."""
    if engine.dialect.name == "sqlite":
        reader = create_engine(engine.url, connect_args={"timeout": timeout_s})

        @event.listens_for(reader, "connect")
        def _read_only(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            dbapi_conn.execute("PRAGMA query_only = ON")
            dbapi_conn.execute(f"PRAGMA cache_size = -{READER_CACHE_KIB}")

        return reader, lambda _conn: None

    ms = int(timeout_s * 1000)

    def bounded(conn: Connection) -> None:
        conn.execute(text("SET TRANSACTION READ ONLY"))
        conn.execute(text(f"SET LOCAL statement_timeout = {ms}"))

    return engine, bounded


class LedgerReader:
    """The figures, read on a thread of their own at most every ``cache_s`` seconds, a scrape
    waiting for them at most ``timeout_s``."""

    def __init__(
        self, engine: Engine, automat_id: str, *, cache_s: float = 5.0, timeout_s: float = 2.0
    ) -> None:
        self.automat_id = automat_id
        self._engine, self._begin = reading_engine(engine, timeout_s)
        self._own_engine = self._engine is not engine
        self._call = BoundedCall(self._read, every_s=cache_s, timeout_s=timeout_s, name="ledger")
        self.read_seconds = 0.0

    def _read(self) -> LedgerFigures:
        start = time.perf_counter()
        with self._engine.connect() as conn:
            with conn.begin():
                self._begin(conn)
                figures = read_figures(conn, self.automat_id)
            if self._own_engine:  # SQLite: the next read finds the ledger changed (WAL) and
                conn.exec_driver_sql("PRAGMA shrink_memory")  # drops them: free them now
        self.read_seconds = time.perf_counter() - start
        return figures

    def current(self) -> tuple[LedgerFigures, bool]:
        """The figures and True; or the last ones read (empty if none) and False."""
        figures, ok = self._call.get()
        return figures or LedgerFigures(), ok

    def close(self) -> None:
        self._call.close()
        if self._own_engine:
            self._engine.dispose()
