"""Must show (issue 16, item 2): a real automat (``build_core`` from a configuration file, the
demo's FBS simulator, the device emulators on ptys) writes its heartbeat with the drivers' own
health and the ledger's backlog; the fleet console's reader finds it ``ok``, then ``stale`` once
the writer dies, and ``stopped`` after a clean stop; a heartbeat the database refuses is one log
line and the next interval writes again. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from drivers.base import Health
from kiosk import __version__
from kiosk.heartbeat import AutomatStatus, DeviceStatus, FleetState, fleet_status
from kiosk.ledger.db import make_engine
from kiosk.payment.states import State
from tests.crash_worker import crash_ledger
from tests.integration.test_end_to_end_harness import Automat, wait_for, write_config

HEARTBEAT = "\n[heartbeat]\ninterval_s = 1\n"
DEVICES = ("card_terminal", "coin_acceptor", "note_validator", "printer", "scanner")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, sqlite_template: Path,
               tmp_path: Path) -> Iterator[str]:
    with crash_ledger(request.param, tmp_path, sqlite_template) as url:
        yield url


@pytest.fixture
def automat(ledger_url: str, tmp_path: Path) -> Iterator[Automat]:
    path = write_config(tmp_path, "rest", extra=HEARTBEAT)
    path.write_text(path.read_text().replace(
        'data_dir = "data"', f'data_dir = "data"\nurl = "{ledger_url}"'))
    a = Automat.from_file(path)  # workers unstarted: the test starts the heartbeat's thread
    try:
        a.wait_ready()
        yield a
    finally:
        a.close()


@pytest.fixture
def console(ledger_url: str) -> Iterator[Engine]:
    """The console's own engine on the fleet's database."""
    engine = make_engine(ledger_url)
    yield engine
    engine.dispose()


def seen(console: Engine, at: datetime | None = None) -> AutomatStatus:
    (status,) = fleet_status(console, at or datetime.now(UTC))
    assert status.automat_id == "e2e-01"
    return status


def newer(console: Engine, than: datetime | None) -> AutomatStatus:
    """The automat's next heartbeat after ``than`` (None: its first)."""

    def written() -> bool:
        fleet = fleet_status(console, datetime.now(UTC))
        at = fleet[0].written_at if fleet else None
        return at is not None and (than is None or at > than)

    wait_for(written, timeout=20)
    return seen(console)


def test_the_heartbeat_carries_the_real_health_and_ages_into_stale(
    automat: Automat, console: Engine
) -> None:
    a = automat
    heart = a.core.heartbeat
    assert heart is not None and heart.interval_s == 1
    heart.start()  # its first heartbeat at once: build_core starts it after recovery
    first = newer(console, None)
    assert first.state is FleetState.OK and first.in_service and first.reason == ""
    assert first.version == __version__ and first.interval_s == 1
    assert first.started_at == a.core.started_at
    assert first.payment_methods == ("card", "cash")
    assert [d.name for d in first.devices] == sorted(DEVICES)
    assert all(d.health == "ok" for d in first.devices)
    assert DeviceStatus("printer", "ok", "ok") in first.devices
    assert first.fbs_ok and first.fbs_round_trip_ms is not None
    assert first.fbs_outbox_pending == 0 and first.ledger_fault_episodes == 0

    # Anna pays by card while FBS answers 500: her registration waits in the outbox, and FBS
    # did not answer its last call
    a.log_in("3210000001", "0101")
    a.sim.faults.http_500 = True
    a.session.pay()
    a.emulators.terminal.approve_next()
    a.session.choose_card()
    assert a.session.state is State.RECEIPT
    a.session.finish_receipt()
    # the coin acceptor's link drops: the driver's own health says so
    a.core.devices.coin_acceptor._set_health(Health.DOWN, "unplugged")
    wait_for(lambda: seen(console).fbs_outbox_pending == 1, timeout=20)  # figures cached ≤ 5 s
    after = newer(console, seen(console).written_at)
    assert after.fbs_outbox_pending == 1 and after.fbs_oldest_pending is not None
    assert DeviceStatus("coin_acceptor", "down") in after.devices
    assert after.state is FleetState.OUT_OF_SERVICE and after.reason == "FBS does not answer"
    assert after.payment_methods == ("card", "cash")  # the note validator still takes cash
    a.sim.faults.clear()

    # the writer dies (no last word): three intervals later the console calls it stale
    heart.stop(last_word=False)
    last = seen(console)
    assert last.written_at is not None
    assert seen(console, last.written_at + timedelta(seconds=3)).state is not FleetState.STALE
    time.sleep(3.2)
    dead = seen(console)
    assert dead.state is FleetState.STALE and dead.age_s is not None and dead.age_s > 3
    assert dead.danish == "Intet livstegn"

    # a clean stop says so, and stays a stop however old it gets
    a.close()
    bye = seen(console)
    assert bye.state is FleetState.STOPPED and bye.written_at > last.written_at
    assert seen(console, datetime.now(UTC) + timedelta(days=1)).state is FleetState.STOPPED


def test_a_heartbeat_the_database_refuses_is_one_line_and_the_next_interval_writes(
    automat: Automat, console: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    heart = automat.core.heartbeat
    assert heart is not None
    assert heart.tick()
    with console.begin() as conn:  # the table gone: every write fails as a database's would
        conn.execute(text("ALTER TABLE automat_heartbeats RENAME TO heartbeats_away"))
    caplog.set_level(logging.WARNING, logger="kiosk.heartbeat")
    heart.start()
    wait_for(lambda: heart.failures >= 2, timeout=20)  # it keeps trying on its interval
    refused = [r for r in caplog.records if r.name == "kiosk.heartbeat.worker"]
    assert refused and all(r.exc_info is None for r in refused)  # no traceback
    line = refused[0].getMessage()
    assert line.startswith("heartbeat not written (") and "\n" not in line
    assert "next try in 1 s" in line
    written = heart.written
    with console.begin() as conn:
        conn.execute(text("ALTER TABLE heartbeats_away RENAME TO automat_heartbeats"))
    wait_for(lambda: heart.written > written, timeout=20)
    assert seen(console).state is FleetState.OK
