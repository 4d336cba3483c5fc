"""SQLite's page caches stay bounded as the ledger grows (README "Months of sessions"): a ledger
connection holds at most ``CACHE_KIB`` of pages in a scan and none once back in the pool, and the
metrics' and heartbeat's figures reader gives its pages back after each read. Each scans a ledger
several times larger than SQLite's default cache (2 MB): unbounded caches would hold megabytes."""

from __future__ import annotations

import ctypes
import ctypes.util
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, text

from kiosk.ledger.db import CACHE_KIB
from kiosk.ledger.models import CitizenSession, Tender
from kiosk.metrics.ledger_figures import LedgerReader

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
SESSIONS = 20_000


def sqlite_memory() -> int:
    """What SQLite's allocator holds in this process (the library Python's ``sqlite3`` links)."""
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("sqlite3") or "libsqlite3.so.0")
    except OSError:
        pytest.skip("no shared libsqlite3 to ask")
    lib.sqlite3_memory_used.restype = ctypes.c_int64
    return int(lib.sqlite3_memory_used())


def big_ledger(engine: Engine) -> None:
    """Many ended sessions with a tender each: a ledger file of several megabytes."""
    sessions: list[dict[str, Any]] = []
    tenders: list[dict[str, Any]] = []
    for n in range(SESSIONS):
        sid = f"session-{n:08d}-padded-to-a-uuid-len"
        sessions.append({"id": sid, "automat_id": "a1", "state": "done", "patron_id": f"p{n}",
                         "started_at": NOW - timedelta(minutes=n), "end_reason": "paid"})
        tenders.append({"session_id": sid, "kind": "coin", "state": "received",
                        "amount_ore": 2000, "created_at": NOW})
    with engine.begin() as conn:
        conn.execute(insert(CitizenSession), sessions)
        conn.execute(insert(Tender), tenders)
    with engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
        size = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
        conn.exec_driver_sql("PRAGMA shrink_memory")  # the writer's pages: not the reader's
    assert pages * size > 3 * 2**20  # larger than SQLite's default cache, so the test can fail


def test_a_scan_fills_a_bounded_cache_and_the_pool_keeps_none(sqlite_engine: Engine) -> None:
    big_ledger(sqlite_engine)
    before = sqlite_memory()
    with sqlite_engine.connect() as conn:
        conn.execute(text("SELECT count(*), sum(length(end_reason)) FROM citizen_sessions"))
        conn.execute(text("SELECT sum(amount_ore) FROM tenders"))
        during = sqlite_memory() - before
    held = sqlite_memory() - before  # the connection is back in the pool
    assert 256 * 1024 < during < (CACHE_KIB + 256) * 1024, f"{during / 2**20:.2f} MB in use"
    assert held < 64 * 1024, f"an idle pooled connection kept {held / 2**10:.0f} KB of pages"


def test_the_figures_reader_gives_its_pages_back(sqlite_engine: Engine) -> None:
    reader = LedgerReader(sqlite_engine, "a1", cache_s=0.0, timeout_s=30.0)
    try:
        figures, ok = reader.current()  # the first read: the connection, its schema, statements
        assert ok and figures.sessions == {}
        big_ledger(sqlite_engine)
        before = sqlite_memory()
        figures, ok = reader.current()  # a read over the whole ledger
        assert ok and figures.payments_ore == {"cash": 2000 * SESSIONS}
        held = sqlite_memory() - before
        assert reader._engine.pool.checkedin() == 1  # every read over the one connection
    finally:
        reader.close()
    assert held < 64 * 1024, f"the reader kept {held / 2**10:.0f} KB of pages"
