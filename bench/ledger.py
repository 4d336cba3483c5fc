"""Ledger throughput: durable tender events per second, ours against a raw sqlite3 loop.

Both sides write to SQLite in WAL mode with ``synchronous=FULL`` and commit every event on its
own (each event must be durable before it is acknowledged). The raw loop is a plain ``sqlite3``
INSERT + COMMIT of the same row; ours is ``Ledger.record_tender`` (tender row plus the cash-box
inventory update and the acceptor's recorded position, through SQLAlchemy). Prints a table, or
one JSON object with ``--json``.

    python bench/ledger.py [--json] [--events N] [--rounds R]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.ledger.db import SQLITE_PRAGMAS, make_engine
from kiosk.ledger.migrate import upgrade
from kiosk.ledger.repository import Ledger, TenderEvent
from kiosk.money import Money


def ours(folder: Path, events: int) -> float:
    engine = make_engine(f"sqlite:///{folder / 'ours.sqlite3'}")
    upgrade(engine)
    ledger = Ledger(engine, "bench")
    sid = ledger.open_session()
    # as the session writes a coin: with the acceptor's position, moved in the same transaction
    event = TenderEvent(
        sid, "coin", Money(2000), Money(2000), "coin_acceptor", "ev", position="cctalk:1:7"
    )
    start = time.perf_counter()
    for _ in range(events):
        ledger.record_tender(event)
    elapsed = time.perf_counter() - start
    engine.dispose()
    return events / elapsed


def raw(folder: Path, events: int) -> float:
    conn = sqlite3.connect(folder / "raw.sqlite3", isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        conn.execute(pragma)
    conn.execute(
        "CREATE TABLE tenders (id INTEGER PRIMARY KEY, session_id TEXT, kind TEXT, state TEXT,"
        " amount_ore INTEGER, denomination_ore INTEGER, device TEXT, reference TEXT,"
        " created_at TEXT)"
    )
    row = ("s", "coin", "received", 2000, 2000, "coin_acceptor", "ev")
    start = time.perf_counter()
    for _ in range(events):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO tenders (session_id, kind, state, amount_ore, denomination_ore, device,"
            " reference, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (*row, datetime.now(UTC).isoformat()),
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return events / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    ours_rates, raw_rates = [], []
    for _ in range(args.rounds):  # interleaved, so both see the same disk weather
        with tempfile.TemporaryDirectory() as tmp:
            raw_rates.append(raw(Path(tmp), args.events))
            ours_rates.append(ours(Path(tmp), args.events))
    result = {
        "ledger_events_per_s": round(statistics.median(ours_rates), 1),
        "raw_events_per_s": round(statistics.median(raw_rates), 1),
    }
    result["ledger_ratio"] = round(result["ledger_events_per_s"] / result["raw_events_per_s"], 3)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{'measure':<22}{'median':>12}")
        for key, value in result.items():
            print(f"{key:<22}{value:>12}")
        print(f"({args.rounds} rounds of {args.events} durable events each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
