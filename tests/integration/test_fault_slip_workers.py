"""The background jobs survive a failing ledger: the debtor export and the retention purge, real
code on a real database that refuses writes, fail a run, keep their thread, and the next run
after the fault does the work (the automat keeps taking payments meanwhile, or stands out of
order with a fault slip)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, select

from kiosk.clock import FakeClock
from kiosk.debtor.scheduler import ExportScheduler
from kiosk.ledger.models import OutboxItem
from kiosk.retention import Purger, PurgeScheduler
from kiosk.workers import PeriodicWorker
from tests.integration.test_debtor_export import make_exporter, seed
from tests.integration.test_ledger_fault import Outage

WAIT = 30.0  # generous: the machine is shared


def wait_until(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def survive(worker: PeriodicWorker, outage: Outage) -> None:
    """First run during the outage fails; the thread lives on and a triggered run succeeds."""
    outage.mode = "readonly"
    worker.start()
    try:
        wait_until(lambda: worker.runs >= 1)
        assert worker.failures == 1 and worker.last_error
        assert worker._thread is not None and worker._thread.is_alive()
        outage.mode = None
        worker.trigger()
        wait_until(lambda: worker.runs >= 2)
    finally:
        worker.stop(WAIT)
    assert worker.failures == 1 and worker.last_error is None


def test_debtor_export_survives_a_read_only_ledger(engine: Engine, tmp_path: Path) -> None:
    ids = seed(engine, 2)
    outage = Outage(engine)
    scheduler = ExportScheduler(make_exporter(engine, tmp_path).run, interval_s=3600)
    survive(scheduler, outage)
    with engine.connect() as conn:
        states = conn.execute(select(OutboxItem.state).where(OutboxItem.id.in_(ids))).scalars()
        assert set(states) == {"exported"}
    assert list((tmp_path / "outgoing").iterdir())  # the file went out after the fault


def test_retention_purge_survives_a_read_only_ledger(engine: Engine, tmp_path: Path) -> None:
    (item,) = seed(engine, 1)
    make_exporter(engine, tmp_path).run()  # delivered: its CPR is due for scrubbing after 30 days
    outage = Outage(engine)
    clock = FakeClock()
    clock.advance(60 * 86400)
    purger = Purger(engine, "kbh-01", clock, retention_years=5, keep_cpr_days=30, spool_dir=None)
    scheduler = PurgeScheduler(purger, interval_s=3600, first_delay_s=0.0)
    survive(scheduler, outage)
    with engine.connect() as conn:
        payload = conn.scalar(select(OutboxItem.payload).where(OutboxItem.id == item))
    assert "0101901234" not in str(payload)  # scrubbed by the run after the fault
