"""Debtor export throughput: 100,000 pending items to one delivered fixed-width file.

*Ours* is ``Exporter.run()`` with the shipped ``opus`` profile, from pending outbox rows in
SQLite (WAL, ``synchronous=FULL``) to a delivered file: allocate the batch and assign the items
(one transaction), render, write the spool copy (temp, fsync, rename, fsync folder), stage and
publish at the target folder, mark the batch delivered and the items exported (one transaction).
The *plain loop* does the same job by hand on an identical database: ``sqlite3`` SELECT,
``json.loads``, one f-string per record for the same layout, one file (temp, fsync, rename), one
UPDATE. Both files are checked to be byte-identical. Rounds are interleaved, so both see the
same disk weather. Prints a table, or one JSON object with ``--json``.

    python bench/export.py [--json] [--items N] [--rounds R]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.clock import FakeClock
from kiosk.debtor.delivery import FolderDelivery
from kiosk.debtor.exporter import Exporter
from kiosk.debtor.profile import load_profile
from kiosk.ledger.db import SQLITE_PRAGMAS, make_engine
from kiosk.ledger.migrate import upgrade

REPO = Path(__file__).resolve().parents[1]
AUTOMAT = "bench-01"
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
METHODS = {"card": "K", "cash": "C", "bon": "B", "mixed": "M"}


def seed(db: Path, items: int) -> None:
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    engine.dispose()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO citizen_sessions (id, automat_id, state, selection_committed, started_at)"
        " VALUES ('s1', ?, 'done', 1, '2026-11-24 09:00:00')",
        (AUTOMAT,),
    )
    rows = []
    for i in range(items):
        ref = f"T{i:010d}"
        payload = {
            "cpr": f"{1 + i % 28:02d}019{i % 10}{i % 10000:04d}",
            "claim_type": "BIBGEB" if i % 3 else "BIBERS",
            "claim_kind": "fee",
            "claim_ref": f"fee-{i}",
            "claim_created": "2025-01-05T09:00:00+00:00",
            "amount_ore": 1000 + i % 9000,
            "paid_at": (START + timedelta(seconds=i)).isoformat(),
            "method": ("card", "cash", "bon", "mixed")[i % 4],
            "automat_id": AUTOMAT,
            "transaction_ref": ref,
        }
        rows.append((f"{ref}-D", 1000 + i % 9000, json.dumps(payload)))
    conn.executemany(
        "INSERT INTO outbox (session_id, kind, idempotency_key, state, amount_ore, payload,"
        " attempts, created_at) VALUES ('s1', 'debtor_item', ?, 'pending', ?, ?, 0,"
        " '2026-11-24 09:00:00')",
        rows,
    )
    conn.execute("COMMIT")
    conn.close()


def ours(folder: Path, db: Path) -> tuple[float, bytes]:
    engine = make_engine(f"sqlite:///{db}")
    exporter = Exporter(
        engine,
        AUTOMAT,
        load_profile(REPO / "config" / "debtor" / "opus.toml"),
        folder / "spool",
        FolderDelivery(folder / "ours"),
        FakeClock(START + timedelta(days=1)),
    )
    start = time.perf_counter()
    [batch] = exporter.run()
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed, (folder / "ours" / batch.file_name).read_bytes()


def plain(folder: Path, db: Path) -> tuple[float, bytes]:
    zone = ZoneInfo("Europe/Copenhagen")
    created = (START + timedelta(days=1)).astimezone(zone)
    out = folder / "plain"
    out.mkdir()
    start = time.perf_counter()
    conn = sqlite3.connect(db, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        conn.execute(pragma)
    conn.execute("BEGIN IMMEDIATE")
    rows = conn.execute(
        "SELECT id, amount_ore, payload FROM outbox WHERE kind = 'debtor_item'"
        " AND state = 'pending' ORDER BY id"
    ).fetchall()
    lines = [f"00{AUTOMAT:<32}{created:%Y%m%d}{1:06d}{'Biblioteksbetalinger':<32}"]
    total = 0
    for _, amount, text in rows:
        p = json.loads(text)
        paid = datetime.fromisoformat(p["paid_at"]).astimezone(zone)
        total += amount
        lines.append(
            f"10{p['cpr']:<10}{p['claim_type']:<10}{amount:011d}{paid:%Y%m%d%H%M%S}"
            f"{METHODS[p['method']]}{p['automat_id']:<32}{p['transaction_ref']:<24}"
            f"{p['claim_ref'][:16]:<16}"
        )
    lines.append(f"99{len(rows):09d}{total:015d}{'':<54}")
    data = ("\r\n".join(lines) + "\r\n").encode("cp1252")
    name = f"OPUS_{AUTOMAT}_{created:%Y%m%d}_000001.txt"
    with open(out / f".{name}.tmp", "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(out / f".{name}.tmp", out / name)
    fd = os.open(out, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    conn.execute(
        "UPDATE outbox SET state = 'exported', done_at = ? WHERE kind = 'debtor_item'"
        " AND state = 'pending'",
        (datetime.now(UTC).isoformat(),),
    )
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - start, data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ours_s, plain_s = [], []
    with tempfile.TemporaryDirectory() as tmp:
        seeded = Path(tmp) / "seed.sqlite3"
        seed(seeded, args.items)
        for r in range(args.rounds):
            folder = Path(tmp) / f"round{r}"
            folder.mkdir()
            for name in ("ours.sqlite3", "plain.sqlite3"):
                shutil.copy(seeded, folder / name)
            plain_time, plain_bytes = plain(folder, folder / "plain.sqlite3")
            ours_time, ours_bytes = ours(folder, folder / "ours.sqlite3")
            if ours_bytes != plain_bytes:
                raise SystemExit("the two files differ: the comparison would be meaningless")
            ours_s.append(ours_time)
            plain_s.append(plain_time)
            shutil.rmtree(folder)
    result = {
        "items": args.items,
        "export_100k_s" if args.items == 100_000 else "export_s": round(
            statistics.median(ours_s), 3
        ),
        "plain_loop_s": round(statistics.median(plain_s), 3),
        "sha256_equal": hashlib.sha256(ours_bytes).hexdigest()
        == hashlib.sha256(plain_bytes).hexdigest(),
    }
    result["export_ratio"] = round(statistics.median(ours_s) / statistics.median(plain_s), 2)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{'measure':<16}{'median':>10}")
        for key, value in result.items():
            print(f"{key:<16}{value!s:>10}")
        print(f"({args.rounds} rounds of {args.items} items, {len(ours_bytes):,} bytes per file)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
