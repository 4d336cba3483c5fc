"""The export scheduler survives errors, runs on request and stops at once."""

from __future__ import annotations

import threading

import pytest

from kiosk.debtor.scheduler import ExportScheduler

WAIT = 30.0  # generous: the machine is shared


def test_survives_an_error_and_runs_again_on_trigger() -> None:
    calls: list[int] = []
    ran = [threading.Event() for _ in range(3)]

    def run() -> None:
        calls.append(len(calls))
        ran[len(calls) - 1].set()
        if len(calls) == 1:
            raise OSError("share not mounted")

    scheduler = ExportScheduler(run, interval_s=3600)
    scheduler.start()
    try:
        assert ran[0].wait(WAIT)  # at start: repairs whatever a crash left
        scheduler.trigger()
        assert ran[1].wait(WAIT)
    finally:
        scheduler.stop(WAIT)
    assert calls == [0, 1]
    assert scheduler.failures == 1 and scheduler.last_error is None
    assert not ran[2].is_set()


def test_stop_does_not_wait_for_the_interval() -> None:
    scheduler = ExportScheduler(lambda: None, interval_s=3600, run_at_start=False)
    scheduler.start()
    scheduler.stop(WAIT)
    assert scheduler.runs == 0


def test_tick_reports_failure_without_raising() -> None:
    def boom() -> None:
        raise RuntimeError("disk full")

    scheduler = ExportScheduler(boom, interval_s=60)
    assert scheduler.tick() is False
    assert scheduler.last_error == "disk full"


def test_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        ExportScheduler(lambda: None, interval_s=0)
