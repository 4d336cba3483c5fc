"""A year of a fleet's ledger on PostgreSQL: 30 automats, ~500,000 citizen sessions.

Creates the database afresh (dropping one of the same name), migrates it with the product's
migrations, writes each automat's year (``bench/fleet_model.py``: sessions as the payment journal
writes them, staff and technician work, debtor files) with COPY, moves the id sequences past the
generated ids, and VACUUM ANALYZEs, as autovacuum would have long since on a fleet's database.
Deterministic: the same seed gives the same rows. Then it checks the data with the product's own
``run_audit`` and checks ``period_report`` for a month against what the generator wrote.

    python bench/fleet_data.py [--url URL] [--sessions N] [--automats N] [--year Y] [--seed S]
                               [--json] [--no-check]

URL: ``--url``, else ``KIOSK_BENCH_POSTGRES_URL``, else the test server's kiosk user and the
database ``kiosk_bench_console``. The database's comment records what was generated, so
``bench/console.py`` can tell whether it must generate again.
"""

from __future__ import annotations

import argparse
import calendar
import json
import os
import random
import sys
import time
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fleet_model import COLUMNS, AutomatYear, Ids, Tally
from kiosk.ledger.audit import run_audit
from kiosk.ledger.db import make_engine
from kiosk.ledger.migrate import upgrade
from kiosk.money import Money
from kiosk.reports.compute import period_report
from kiosk.reports.figures import FLEET
from kiosk.reports.period import Period

URL_ENV = "KIOSK_BENCH_POSTGRES_URL"
DEFAULT_URL = "postgresql+psycopg://kiosk:kiosk@127.0.0.1:5432/kiosk_bench_console"
WEEKDAY = (1.0, 1.0, 1.0, 1.0, 1.0, 0.7, 0.35)  # Monday … Sunday
CLOSED = {(12, 24), (12, 25), (12, 26), (12, 31), (1, 1)}  # the library is shut


def bench_url(url: str | None) -> str:
    return url or os.environ.get(URL_ENV) or DEFAULT_URL


def libpq(url: str) -> tuple[str, str]:
    """(a libpq URL of the server's ``postgres`` database, the bench database's name)."""
    parsed = make_url(url).set(drivername="postgresql")
    name = parsed.database or ""
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"fleet_data: the database name {name!r} must be letters, digits and _")
    return parsed.set(database="postgres").render_as_string(hide_password=False), name


def signature(sessions: int, automats: int, year: int, seed: int) -> str:
    return f"fleet_data sessions={sessions} automats={automats} year={year} seed={seed}"


def comment(url: str) -> str | None:
    """What the bench database says it holds (its comment), or None when there is none."""
    server, name = libpq(url)
    with psycopg.connect(server, autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (name,),
        ).fetchone()
    return None if row is None else row[0]


def drop(url: str) -> None:
    server, name = libpq(url)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


def recreate(url: str) -> None:
    drop(url)
    server, name = libpq(url)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def daily_load(automats: int, year: int, sessions: int, seed: int) -> list[list[float]]:
    """Expected sessions per automat and day: busy and quiet branches, quiet weekends."""
    rng = random.Random(seed)
    size = [0.6 + 0.8 * rng.random() for _ in range(automats)]
    days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    weights = []
    for offset in range(days):
        day = date.fromordinal(date(year, 1, 1).toordinal() + offset)
        closed = (day.month, day.day) in CLOSED
        weights.append(0.0 if closed else WEEKDAY[day.weekday()])
    whole = sum(size) * sum(weights)
    return [[sessions * s * w / whole for w in weights] for s in size]


def copy_rows(conn: psycopg.Connection, rows: Iterable[tuple[str, tuple[Any, ...]]]) -> int:
    """COPY (table, row) pairs that arrive grouped by table; returns the number of rows."""
    count = 0
    current: str | None = None
    batch: list[tuple[Any, ...]] = []

    def flush() -> None:
        if current is None or not batch:
            return
        cols = sql.SQL(", ").join(sql.Identifier(c) for c in COLUMNS[current])
        stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(current), cols)
        with conn.cursor().copy(stmt) as copy:
            for row in batch:
                copy.write_row(row)

    for table, row in rows:
        if table != current:
            flush()
            current, batch = table, []
        batch.append(row)
        count += 1
    flush()
    return count


def generate(url: str, *, sessions: int, automats: int, year: int, seed: int) -> dict[str, Any]:
    """Create, migrate and fill the bench database; returns timings and the generator's tally."""
    started = time.perf_counter()
    recreate(url)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    migrated = time.perf_counter()
    ids, tally = Ids(), Tally()
    load = daily_load(automats, year, sessions, seed)
    rows = 0
    server, name = libpq(url)
    target = make_url(server).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(target) as conn:
        for index in range(automats):
            automat = f"automat-{index + 1:02d}"
            year_rows = AutomatYear(automat, index, date(year, 1, 1), len(load[index]),
                                    load[index], seed, ids, tally)
            rows += copy_rows(conn, year_rows.rows())
            conn.commit()
        for table in ("tenders", "allocations", "outbox", "export_batches", "audit_log",
                      "cash_box_emptyings", "cash_inventory"):
            conn.execute(sql.SQL(
                "SELECT setval(pg_get_serial_sequence({t}, 'id'),"
                " (SELECT coalesce(max(id), 0) + 1 FROM {i}), false)"
            ).format(t=sql.Literal(table), i=sql.Identifier(table)))
        conn.commit()
    loaded = time.perf_counter()
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
            sql.Identifier(name), sql.Literal(signature(sessions, automats, year, seed))))
        counts = {t: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t)))
                  .fetchone()[0] for t in COLUMNS}  # type: ignore[index]
    done = time.perf_counter()
    return {
        "rows": rows,
        "counts": counts,
        "migrate_s": round(migrated - started, 1),
        "generate_and_copy_s": round(loaded - migrated, 1),
        "vacuum_analyze_s": round(done - loaded, 1),
        "total_s": round(done - started, 1),
        "tally": tally,
    }


def check_month(url: str, tally: Tally, year: int, month: int, automats: int) -> list[str]:
    """``period_report`` for the fleet's month against what the generator wrote; problems."""
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    key, label = (year, month), f"{year}-{month:02d}"
    engine = make_engine(url)
    names = tuple(f"automat-{i + 1:02d}" for i in range(automats))
    report = period_report(engine, Period(first, last), names, label=FLEET,
                           now=datetime(year + 1, 1, 1, tzinfo=UTC))
    engine.dispose()
    problems = []
    sessions = {s: n for (m, s), n in tally.sessions.items() if m == key}
    if report.sessions != sessions:
        problems.append(f"{label} sessions: report {report.sessions} != generated {sessions}")
    tenders = {k: Money(v) for (m, k), v in tally.tenders.items() if m == key}
    got = {k: c.amount for k, c in report.tenders.items()}
    if got != tenders:
        problems.append(f"{label} tenders: report {got} != generated {tenders}")
    settled = {k: Money(v) for (m, k), v in tally.settled.items() if m == key and v}
    if {k: v for k, v in report.settled.items() if v} != settled:
        problems.append(f"{label} settled: report {report.settled} != generated {settled}")
    credited = sum((c.amount for c in report.credited.values()), Money(0))
    if report.received != report.settled_total + credited and not report.unbalanced_sessions:
        # money at a month's edge (a session settled after midnight) may land in the next month
        edge = report.received - report.settled_total - credited
        if abs(edge.ore) > 100_000:
            problems.append(f"{label}: received - settled - credited = {edge} (too much for edges)")
    if report.unbalanced_sessions:
        problems.append(f"{label}: {len(report.unbalanced_sessions)} unbalanced session(s)")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--sessions", type=int, default=500_000)
    parser.add_argument("--automats", type=int, default=30)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-check", action="store_true", help="skip the audit and the report")
    args = parser.parse_args()
    url = bench_url(args.url)
    result = generate(url, sessions=args.sessions, automats=args.automats, year=args.year,
                      seed=args.seed)
    tally: Tally = result.pop("tally")
    if not args.no_check:
        started = time.perf_counter()
        audit = run_audit(make_engine(url))
        result["audit_s"] = round(time.perf_counter() - started, 1)
        result["audit_sessions_checked"] = audit.sessions_checked
        result["audit_problems"] = audit.lines()[:-1][:10]
        result["report_problems"] = [
            p for month in (1, 6, 12)
            for p in check_month(url, tally, args.year, month, args.automats)
        ]
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:<24}{value}")
    clean = not result.get("audit_problems") and not result.get("report_problems")
    return 0 if clean else 1


if __name__ == "__main__":
    raise SystemExit(main())
