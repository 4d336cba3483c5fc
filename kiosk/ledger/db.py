"""Engines for the ledger: SQLite (default, one file in the data directory) or PostgreSQL.

SQLite runs in WAL mode with ``synchronous=FULL`` so a committed transaction survives power loss,
with foreign keys on, and with ``BEGIN IMMEDIATE`` so two writers never dead-lock on a lock
upgrade (the second waits up to ``busy_timeout``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

#: each ledger connection's page cache during a transaction (KiB; SQLite's default is 2,000): a
#: scan (a report, the export, the purge) fills it to the bound. Between transactions a pooled
#: connection keeps none (``shrink_memory`` at check-in): in WAL mode a connection drops its cache
#: whenever another one wrote, so what it held would be memory kept for nothing, and over months
#: every pooled connection held a full cache (README "Months of sessions")
CACHE_KIB = 1024

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    f"PRAGMA cache_size=-{CACHE_KIB}",
)
#: every PostgreSQL connection of the ledger: no JIT. PostgreSQL compiles a plan to machine code
#: once its estimated cost passes ``jit_above_cost``, as a report's month on a fleet's year does;
#: for the ledger's queries (milliseconds each) the compiling costs more than it saves: 13.7 s
#: of a month's report SQL with it, 11.0 s without (bench/console.py, README)
POSTGRES_OPTIONS = "-c jit=off"


def postgres_options(given: object = "") -> str:
    """libpq ``options`` with ours added to what the URL or the caller already set (a test's
    ``search_path``, say)."""
    text = given if isinstance(given, str) else " ".join(str(g) for g in given or ())
    return f"{text} {POSTGRES_OPTIONS}".strip()


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if parsed.get_backend_name() == "postgresql":
            args = dict(kwargs.get("connect_args", {}))
            args["options"] = postgres_options(
                args.get("options") or parsed.query.get("options") or ""
            )
            kwargs["connect_args"] = args
        return create_engine(url, pool_pre_ping=True, **kwargs)
    on_disk = bool(parsed.database) and parsed.database != ":memory:"
    if on_disk:
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (pysqlite recipe)
        cursor = dbapi_conn.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    if on_disk:

        @event.listens_for(engine, "checkin")
        def _on_checkin(dbapi_conn: Any, _record: Any) -> None:
            # an idle pooled connection keeps no pages: the next transaction after another
            # connection's write drops them anyway (WAL), and until then they are memory held
            if dbapi_conn is not None:
                dbapi_conn.execute("PRAGMA shrink_memory")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # straight to the driver: this runs once per money event, so it is on the hot path
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE")

    return engine
