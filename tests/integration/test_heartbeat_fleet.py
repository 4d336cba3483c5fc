"""The fleet console's reader (``fleet_status``) over heartbeat rows written by the writer's own
``write_heartbeat``, on a fake clock, on SQLite and PostgreSQL: each state, the age, each
automat's own interval, automats known only from their sessions, and the upsert (one row per
automat, the newest wins)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select

from kiosk.clock import FakeClock
from kiosk.heartbeat import AutomatStatus, DeviceStatus, FleetState, fleet_status
from kiosk.heartbeat.beat import write_heartbeat
from kiosk.ledger.models import AutomatHeartbeat, CitizenSession

START = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def row(automat_id: str, at: datetime, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "automat_id": automat_id, "written_at": at, "started_at": START, "interval_s": 60,
        "version": "1.2.3", "stopped": False, "in_service": True, "reason": "",
        "payment_methods": ["card", "cash"],
        "devices": {"printer": {"health": "ok", "paper": "near_end"},
                    "coin_acceptor": {"health": "down"}},
        "fbs_ok": True, "fbs_round_trip_ms": 42, "fbs_outbox_pending": 2,
        "fbs_oldest_pending": at - timedelta(minutes=7), "fbs_follow_up": 1,
        "debtor_pending": 3, "debtor_oldest_pending": at - timedelta(hours=1),
        "last_export": at - timedelta(minutes=20), "ledger_fault_episodes": 0,
    }
    return {**base, **changes}


def by_id(statuses: list[AutomatStatus]) -> dict[str, AutomatStatus]:
    return {s.automat_id: s for s in statuses}


def test_each_automat_in_its_state_with_the_age_of_its_last_heartbeat(engine: Engine) -> None:
    clock = FakeClock(START)
    write_heartbeat(engine, row("ok-1", clock.now()))
    write_heartbeat(engine, row("down-1", clock.now(), in_service=False,
                                reason="FBS does not answer", fbs_ok=False))
    write_heartbeat(engine, row("bye-1", clock.now(), stopped=True))
    write_heartbeat(engine, row("slow-1", clock.now(), interval_s=600))
    with engine.begin() as conn:  # an automat of an older version: sessions, no heartbeat
        conn.execute(insert(CitizenSession).values(id="s1", automat_id="old-1", state="done",
                                                   started_at=START))
        conn.execute(insert(CitizenSession).values(id="s2", automat_id="ok-1", state="done",
                                                   started_at=START))

    clock.advance(90)
    fleet = by_id(fleet_status(engine, clock.now()))
    assert list(fleet) == ["bye-1", "down-1", "ok-1", "old-1", "slow-1"]
    ok = fleet["ok-1"]
    assert ok.state is FleetState.OK and ok.age_s == 90 and ok.danish == "I drift"
    assert ok.devices == (DeviceStatus("coin_acceptor", "down"),
                          DeviceStatus("printer", "ok", "near_end"))
    assert ok.payment_methods == ("card", "cash") and ok.version == "1.2.3"
    assert ok.fbs_round_trip_ms == 42 and ok.fbs_outbox_pending == 2
    assert ok.fbs_oldest_pending == START - timedelta(minutes=7)
    assert ok.debtor_oldest_pending == START - timedelta(hours=1)
    assert ok.last_export == START - timedelta(minutes=20) and ok.started_at == START
    assert fleet["down-1"].state is FleetState.OUT_OF_SERVICE
    assert fleet["down-1"].reason == "FBS does not answer"
    assert fleet["bye-1"].state is FleetState.STOPPED
    never = fleet["old-1"]
    assert never.state is FleetState.NEVER_SEEN and never.age_s is None
    assert never.written_at is None

    clock.advance(91)  # 181 s: three 60 s intervals missed
    fleet = by_id(fleet_status(engine, clock.now()))
    assert fleet["ok-1"].state is FleetState.STALE and fleet["ok-1"].age_s == 181
    assert fleet["down-1"].state is FleetState.STALE
    assert fleet["slow-1"].state is FleetState.OK  # its own interval is ten minutes
    assert fleet["bye-1"].state is FleetState.STOPPED
    # the console may set its own limit for every automat
    fleet = by_id(fleet_status(engine, clock.now(), stale_after=timedelta(minutes=5)))
    assert fleet["ok-1"].state is FleetState.OK

    write_heartbeat(engine, row("ok-1", clock.now(), in_service=False, reason="x"))  # it is back
    fleet = by_id(fleet_status(engine, clock.now()))
    assert fleet["ok-1"].state is FleetState.OUT_OF_SERVICE and fleet["ok-1"].age_s == 0
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(AutomatHeartbeat)) == 4


def test_a_heartbeat_from_a_clock_ahead_is_just_now(engine: Engine) -> None:
    write_heartbeat(engine, row("ahead", START + timedelta(seconds=30)))
    (status,) = fleet_status(engine, START)
    assert status.age_s == 0 and status.state is FleetState.OK


def test_now_must_say_its_time_zone(engine: Engine) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        fleet_status(engine, datetime(2026, 12, 2, 8, 0))
