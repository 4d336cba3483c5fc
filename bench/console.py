"""The fleet console's reading speed on a year of a fleet's data (issue 16): our code against the
bare SQL behind it, in the same run.

Report: ``kiosk.reports.compute`` (the code the automat, ``kiosk report`` and the console share)
for one month and every automat, timed whole (queries, rows into figures), three ways
(:func:`measure_report`): the fleet's figures (``report_ms``, the issue's target), the
console's page with each automat's figures too (``fleet_page_ms``), and the files' lists
(``report_files_ms``). Each one's SQL is captured from the engine (``before_cursor_execute``) on
a first run, then the same statements with the same parameters are run directly with psycopg
(on a connection with the engine's settings: ``postgres_options``) and every row fetched: the
bare-SQL baseline,
interleaved with our runs so both see the same machine. Overview: the console's fleet page
(every automat and its last heartbeat) requested through the console's Flask application as a
logged-in technician, against the SQL that request sends (:func:`measure_overview`).

The database is ``bench/fleet_data.py``'s (30 automats, a year, ~500,000 sessions); it is
generated when missing or made with other parameters, and kept for the next run (``--drop``
removes it afterwards).

    python bench/console.py [--json] [--runs N] [--only report|overview] [--month YYYY-MM]
                            [--url URL] [--statements] [--sessions N] [--automats N] [--year Y]
                            [--seed S] [--drop]
"""

from __future__ import annotations

import argparse
import calendar
import json
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, event, make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fleet_data import bench_url, comment, drop, generate, signature
from kiosk.ledger.db import make_engine, postgres_options
from kiosk.reports.compute import fleet_automats, fleet_report, period_report
from kiosk.reports.figures import FLEET
from kiosk.reports.period import Period

TARGET_MS = 500.0
TARGET_RATIO = 3.0
Statement = tuple[str, Any]


def capture(engine: Engine, work: Any) -> list[Statement]:
    """The statements (and parameters) ``work()`` sends through ``engine``, in order."""
    seen: list[Statement] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def run_bare(conn: psycopg.Connection, statements: list[Statement]) -> tuple[float, int]:
    """Run ``statements`` as they are, fetching every row: (seconds, rows)."""
    rows = 0
    started = time.perf_counter()
    with conn.cursor() as cur:
        for statement, parameters in statements:
            cur.execute(statement, parameters or None)
            if cur.description is not None:
                rows += len(cur.fetchall())
    conn.rollback()  # read-only: end the transaction as SQLAlchemy's connect() does
    return time.perf_counter() - started, rows


def per_statement(conn: psycopg.Connection, statements: list[Statement]) -> list[tuple[float,
                                                                                        str]]:
    """Each statement's bare time (ms), slowest first: where an index would pay."""
    out = []
    with conn.cursor() as cur:
        for statement, parameters in statements:
            started = time.perf_counter()
            cur.execute(statement, parameters or None)
            if cur.description is not None:
                cur.fetchall()
            out.append(((time.perf_counter() - started) * 1000, " ".join(statement.split())))
    conn.rollback()
    return sorted(out, reverse=True)


def measure_report(engine: Engine, url: str, period: Period, runs: int,
                   show_statements: bool) -> dict[str, Any]:
    """The month's Z-report three ways, each against its bare SQL: ``report`` the fleet's
    figures (``period_report`` over every automat, what the console's page heads with and
    ``kiosk report --fleet`` prints first); ``fleet_page`` the console's whole page (those
    totals and each automat's figures, ``fleet_report(details=False)``); ``report_files`` what
    the CSV and PDF are made from (every automat with every payment, fee and debtor item
    listed: ``fleet_report()``)."""
    automats = fleet_automats(engine)
    made = datetime.combine(period.last, datetime.min.time(), UTC)
    work = {
        "report": lambda: period_report(engine, period, automats, label=FLEET, now=made,
                                        whole_fleet=True, details=False),
        "fleet_page": lambda: fleet_report(engine, period, now=made, details=False),
        "report_files": lambda: fleet_report(engine, period, now=made),
    }
    result: dict[str, Any] = {}
    bare_url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(bare_url, options=postgres_options()) as conn:  # as the engine's
        for name, job in work.items():
            statements = capture(engine, job)  # also the warm-up of caches on both sides
            run_bare(conn, statements)
            ours: list[float] = []
            bare: list[float] = []
            rows = 0
            for _ in range(runs):
                started = time.perf_counter()
                figures = job()
                ours.append(time.perf_counter() - started)
                seconds, rows = run_bare(conn, statements)
                bare.append(seconds)
            ms = statistics.median(ours) * 1000
            sql_ms = statistics.median(bare) * 1000
            result.update({
                f"{name}_ms": round(ms, 1),
                f"{name}_sql_ms": round(sql_ms, 1),
                f"{name}_ratio": round(ms / sql_ms, 2),
                f"{name}_statements": len(statements),
                f"{name}_rows": rows,
            })
            if name == "report":
                result["report_sessions"] = sum(figures.sessions.values())
                result["report_received_ore"] = figures.received.ore
                if show_statements:
                    result["slowest_statements"] = [
                        (round(ms, 1), text[:300])
                        for ms, text in per_statement(conn, statements)[:8]
                    ]
    return result


CONSOLE_CONFIG = """
[automat]
id = "console"
library_name = "Bench"

[database]
url = "{url}"
data_dir = "{data}"

[fbs]
adapter = "rest"
agency_id = "DK-775100"

[fbs.rest]
base_url = "http://127.0.0.1:1/rest/external/v1"
username = "bench"
password = {{ env = "KIOSK_BENCH_UNUSED" }}

[claims]
cut_off_date = 2020-09-01

[bons]
signing_key = {{ env = "KIOSK_BENCH_CONSOLE_KEY" }}

[console]
secure_cookies = false
proxy_hops = 0
"""
BENCH_TECHNICIAN = ("9030", "Bench Tekniker", "technician", "24680")


def heartbeats(engine: Engine, automats: tuple[str, ...], now: datetime) -> None:
    """Every automat's heartbeat as the writer leaves it (``write_heartbeat``), one a minute old
    each, two of them silent (stale) and one out of service, so the page has every kind of row.
    A database generated before migration 0011 gets the table first."""
    from datetime import timedelta

    from kiosk.heartbeat.beat import write_heartbeat
    from kiosk.ledger.models import AutomatHeartbeat

    AutomatHeartbeat.__table__.create(engine, checkfirst=True)
    for n, automat in enumerate(automats):
        at = now - timedelta(minutes=30 if n < 2 else 1)
        write_heartbeat(engine, {
            "automat_id": automat, "written_at": at, "started_at": now - timedelta(days=3),
            "interval_s": 60, "version": "bench", "stopped": False, "in_service": n != 2,
            "reason": "FBS does not answer" if n == 2 else "", "payment_methods": ["card", "cash"],
            "devices": {"printer": {"health": "ok", "paper": "ok"},
                        "coin_acceptor": {"health": "ok"}, "note_validator": {"health": "ok"},
                        "card_terminal": {"health": "ok"}, "scanner": {"health": "ok"}},
            "fbs_ok": n != 2, "fbs_round_trip_ms": 40 + n, "fbs_outbox_pending": n % 3,
            "fbs_oldest_pending": None, "fbs_follow_up": n % 2, "debtor_pending": n,
            "debtor_oldest_pending": None, "last_export": at, "ledger_fault_episodes": 0,
        })


def measure_overview(engine: Engine, url: str, runs: int) -> dict[str, Any]:
    """The console's fleet page (``/fleet``: every automat with its last heartbeat's age, the
    automats known from sessions) requested through the console's own Flask application as a
    logged-in technician, whole (login check, ``fleet_status``, the template) against the bare
    SQL that request sends, captured and run directly as for the report."""
    import re
    import tempfile

    from console.app import create_app
    from kiosk.config import load_config
    from kiosk.staff.rules import Actor, StaffUsageError

    automats = tuple(a for a in fleet_automats(engine) if a != "console")
    heartbeats(engine, automats, datetime.now(UTC))
    os.environ.setdefault("KIOSK_BENCH_UNUSED", "the console never calls FBS")
    os.environ.setdefault("KIOSK_BENCH_CONSOLE_KEY", "bench-console-signing-key-0123456789abcdef")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "console.toml"
        path.write_text(CONSOLE_CONFIG.format(url=url, data=folder))
        app = create_app(load_config(path), engine)
    staff_no, name, roles, pin = BENCH_TECHNICIAN
    book = app.extensions["kiosk_fleet"].staff
    try:
        book.add(staff_no, name, roles, pin, by=Actor("os:bench", "system"))
    except StaffUsageError:  # made by an earlier run
        book.unlock(staff_no, by=Actor("os:bench", "system"))
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    login = client.post("/login", data={"staff_no": staff_no, "pin": pin,
                                         "csrf_token": token.group(1)})
    assert login.status_code == 302, "the bench technician could not log in"

    def page() -> Any:
        response = client.get("/fleet")
        assert response.status_code == 200 and 'id="fleet"' in response.text
        return response

    statements = capture(engine, page)
    ours: list[float] = []
    bare: list[float] = []
    bare_url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(bare_url, options=postgres_options()) as conn:
        run_bare(conn, statements)
        for _ in range(runs):
            started = time.perf_counter()
            page()
            ours.append(time.perf_counter() - started)
            bare.append(run_bare(conn, statements)[0])
    overview_ms = statistics.median(ours) * 1000
    sql_ms = statistics.median(bare) * 1000
    return {
        "overview_ms": round(overview_ms, 1),
        "overview_sql_ms": round(sql_ms, 1),
        "overview_ratio": round(overview_ms / sql_ms, 2),
        "overview_statements": len(statements),
        "overview_automats": len(automats),
    }


def ensure_data(args: argparse.Namespace, url: str) -> str:
    """Generate the fleet's year unless the database already holds exactly that one."""
    wanted = signature(args.sessions, args.automats, args.year, args.seed)
    if comment(url) == wanted:
        return "kept"
    started = time.perf_counter()
    generate(url, sessions=args.sessions, automats=args.automats, year=args.year,
             seed=args.seed)
    return f"generated in {time.perf_counter() - started:.0f} s"


def month_period(text: str) -> Period:
    try:
        first = datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise SystemExit(f"console: --month must be YYYY-MM, got {text!r}") from None
    return Period(first, date(first.year, first.month,
                              calendar.monthrange(first.year, first.month)[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", choices=("report", "overview"),
                        help="measure only this one (default: both)")
    parser.add_argument("--month", help="the report's month, YYYY-MM (default: the last)")
    parser.add_argument("--url")
    parser.add_argument("--statements", action="store_true", help="the slowest bare statements")
    parser.add_argument("--sessions", type=int, default=500_000)
    parser.add_argument("--automats", type=int, default=30)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
    args = parser.parse_args()
    url = bench_url(args.url)
    period = month_period(args.month or f"{args.year}-12")
    data = ensure_data(args, url)
    engine = make_engine(url)
    try:
        result: dict[str, Any] = {"data": data, "month": period.describe()}
        if args.only != "overview":
            result.update(measure_report(engine, url, period, args.runs, args.statements))
        if args.only != "report":
            result.update(measure_overview(engine, url, args.runs))
    finally:
        engine.dispose()
        if args.drop:
            drop(url)
    result["targets"] = f"ms < {TARGET_MS:.0f}, ratio <= {TARGET_RATIO:.0f}"
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    slow = result.pop("slowest_statements", [])
    print(f"{'measure':<22}{'value':>16}")
    for key, value in result.items():
        print(f"{key:<22}{value!s:>16}")
    print(f"(median of {args.runs} runs; {args.automats} automats, "
          f"{args.sessions:,} sessions in the year)")
    for ms, text in slow:
        print(f"{ms:>8.1f} ms  {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
