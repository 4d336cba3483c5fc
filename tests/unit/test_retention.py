"""The retention parts without a database: the daily scheduler, the report, the settings."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from kiosk.clock import FakeClock
from kiosk.config import ConfigError, load_config
from kiosk.debtor.item import CPR_REMOVED, cpr_removed
from kiosk.retention import Purger, PurgeReport, PurgeScheduler


class FakePurger:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls = 0
        self.ran = threading.Event()

    def purge(self) -> PurgeReport:
        self.calls += 1
        self.ran.set()
        if self.fail:
            raise RuntimeError("database locked")
        return PurgeReport(cprs_scrubbed=1)


def test_scheduler_runs_off_the_calling_thread_and_stops_at_once() -> None:
    purger = FakePurger()
    scheduler = PurgeScheduler(purger, first_delay_s=0)  # type: ignore[arg-type]
    scheduler.start()
    try:
        assert purger.ran.wait(30), "the first purge never ran"
    finally:
        scheduler.stop(timeout_s=30)
    assert scheduler._thread is None and purger.calls == 1  # a day has not passed
    assert scheduler.last_report is not None and scheduler.last_report.cprs_scrubbed == 1


def test_a_failed_purge_is_logged_and_retried_later(caplog: pytest.LogCaptureFixture) -> None:
    scheduler = PurgeScheduler(FakePurger(fail=True))  # type: ignore[arg-type]
    assert scheduler.tick() is None
    assert scheduler.last_error == "database locked" and scheduler.runs == 1
    assert "retention purge failed" in caplog.text


def test_first_run_waits_for_start_up() -> None:
    purger = FakePurger()
    scheduler = PurgeScheduler(purger, first_delay_s=600)  # type: ignore[arg-type]
    scheduler.start()
    scheduler.stop(timeout_s=30)
    assert purger.calls == 0


@pytest.mark.parametrize(
    "kw", [{"interval_s": 0}, {"first_delay_s": -1}], ids=["interval", "first_delay"]
)
def test_scheduler_rejects_bad_timing(kw: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        PurgeScheduler(FakePurger(), **kw)  # type: ignore[arg-type]


def test_purger_rejects_bad_periods() -> None:
    with pytest.raises(ValueError):
        Purger(None, "a", FakeClock(), retention_years=0, keep_cpr_days=30, spool_dir=None)  # type: ignore[arg-type]


def test_report_lines_and_change_flag() -> None:
    assert not PurgeReport().changed
    report = PurgeReport(dry_run=True, sessions_deleted=3)
    assert report.changed and report.counts()["sessions_deleted"] == 3
    assert "dry run" in report.lines()[0] and "  sessions deleted: 3" in report.lines()


def test_cpr_removed_marker() -> None:
    assert cpr_removed({CPR_REMOVED: "2031-01-01T00:00:00+00:00", "cpr": "010190-****"})
    assert not cpr_removed({"cpr": "0101901234"}) and not cpr_removed(None)


def test_keep_cpr_days_defaults_to_30_and_is_checked(tmp_path: Path, config_file: Path) -> None:
    base = config_file.read_text()
    debtor = '\n[debtor]\nprofile = "opus"\noutput_dir = "out"\n'
    config_file.write_text(base + debtor)
    assert load_config(config_file).debtor.keep_cpr_days == 30  # type: ignore[union-attr]
    config_file.write_text(base + debtor + "keep_cpr_days = 0\n")
    with pytest.raises(ConfigError, match="keep_cpr_days"):
        load_config(config_file)
