"""What every page works with: the configuration, the ledger, the clock and the staff accounts,
built once per application (``fleet()`` inside a request)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy import Connection, Engine

from kiosk.clock import Clock
from kiosk.config import KioskConfig
from kiosk.staff.accounts import StaffBook, staff_book_for


@dataclass(frozen=True)
class Fleet:
    config: KioskConfig
    engine: Engine
    clock: Clock
    staff: StaffBook

    @property
    def console_id(self) -> str:
        """The name the audit log and the bons issued here carry (``[automat] id`` of the
        console's configuration file)."""
        return self.config.automat.id

    @classmethod
    def build(cls, config: KioskConfig, engine: Engine, clock: Clock) -> Fleet:
        return cls(config, engine, clock, staff_book_for(config, engine, clock))


def fleet() -> Fleet:
    return current_app.extensions["kiosk_fleet"]  # type: ignore[no-any-return]


def reading() -> Connection:
    """This request's connection for its reads, opened at first use: the login check and a page
    declared read-only (``access.page(..., reads_only=True)``) read in one pool checkout and one
    transaction, as one request should (each checkout is a ping, a BEGIN and a ROLLBACK: three
    round trips to the database). Closed by :func:`done_reading` before any view that may write
    (a SQLite transaction here holds the write lock) and at the request's end."""
    conn: Connection | None = g.get("_reads")
    if conn is None:
        conn = g._reads = fleet().engine.connect()
    return conn


def done_reading() -> None:
    conn: Connection | None = g.pop("_reads", None)
    if conn is not None:
        conn.close()
