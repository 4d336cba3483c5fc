"""The fleet console's one reader of heartbeats: every automat that ever wrote one, and every
automat the ledger knows from its sessions that never did, each with the age of its last
heartbeat and a :class:`FleetState`. Plain dataclasses: no web library, no Qt.

On SQLite the read is one short transaction like any other (the console runs on a fleet's
PostgreSQL, where it is a plain read).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select

from kiosk.heartbeat.states import FleetState
from kiosk.ledger.automats import automats_in
from kiosk.ledger.models import AutomatHeartbeat

#: an automat is stale after this many of its own intervals without a heartbeat
STALE_INTERVALS = 3

@dataclass(frozen=True, slots=True)
class DeviceStatus:
    name: str
    health: str  # ok, degraded, down (drivers.base.Health)
    paper: str | None = None  # the printer's: ok, near_end, out, no_answer; None: not checked


@dataclass(frozen=True, slots=True)
class AutomatStatus:
    automat_id: str
    state: FleetState
    #: seconds since its last heartbeat (None: never seen)
    age_s: float | None
    written_at: datetime | None = None
    started_at: datetime | None = None
    version: str = ""
    interval_s: int | None = None
    in_service: bool = False
    #: why it could not take a payment, in one line (``kiosk.service``; "" when it could)
    reason: str = ""
    payment_methods: tuple[str, ...] = ()
    devices: tuple[DeviceStatus, ...] = ()
    fbs_ok: bool = False
    fbs_round_trip_ms: int | None = None
    fbs_outbox_pending: int = 0
    fbs_oldest_pending: datetime | None = None
    fbs_follow_up: int = 0
    debtor_pending: int = 0
    debtor_oldest_pending: datetime | None = None
    last_export: datetime | None = None
    ledger_fault_episodes: int = 0

    @property
    def danish(self) -> str:
        """The state in Danish (the console translates ``state`` itself for English)."""
        return self.state.danish


def state_of(*, stopped: bool, in_service: bool, age_s: float, stale_after_s: float) -> FleetState:
    """The state of an automat whose last heartbeat is ``age_s`` old. A clean stop is said once
    and stays true however old it gets; silence longer than ``stale_after_s`` outweighs what the
    last heartbeat said."""
    if stopped:
        return FleetState.STOPPED
    if age_s > stale_after_s:
        return FleetState.STALE
    return FleetState.OK if in_service else FleetState.OUT_OF_SERVICE


def _devices(value: Any) -> tuple[DeviceStatus, ...]:
    if not isinstance(value, dict):
        return ()
    return tuple([
        DeviceStatus(str(name), str(d.get("health", "")), d.get("paper"))
        for name, d in sorted(value.items())
        if isinstance(d, dict)
    ])


_T = AutomatHeartbeat.__table__.c
#: the columns the reader unpacks, in this order (a row's columns by name cost ~20 times as much
#: as unpacking it, and the fleet page reads the whole table every minute)
_READ = select(
    _T.automat_id, _T.written_at, _T.interval_s, _T.stopped, _T.in_service, _T.started_at,
    _T.version, _T.reason, _T.payment_methods, _T.devices, _T.fbs_ok, _T.fbs_round_trip_ms,
    _T.fbs_outbox_pending, _T.fbs_oldest_pending, _T.fbs_follow_up, _T.debtor_pending,
    _T.debtor_oldest_pending, _T.last_export, _T.ledger_fault_episodes,
)


def _statuses(rows: Any, now: datetime, stale_after: timedelta | None) -> list[AutomatStatus]:
    limit_s = None if stale_after is None else stale_after.total_seconds()
    out = []
    for (automat_id, written_at, interval_s, stopped, in_service, started_at, version, reason,
         payment_methods, devices, fbs_ok, fbs_round_trip_ms, fbs_outbox_pending,
         fbs_oldest_pending, fbs_follow_up, debtor_pending, debtor_oldest_pending, last_export,
         ledger_fault_episodes) in rows:
        age_s = max(0.0, (now - written_at).total_seconds())  # a clock ahead of ours: just now
        state = state_of(stopped=stopped, in_service=in_service, age_s=age_s,
                         stale_after_s=STALE_INTERVALS * interval_s if limit_s is None
                         else limit_s)
        out.append(AutomatStatus(
            automat_id, state, age_s, written_at, started_at, version, interval_s, in_service,
            reason, tuple(payment_methods or ()), _devices(devices), fbs_ok, fbs_round_trip_ms,
            fbs_outbox_pending, fbs_oldest_pending, fbs_follow_up, debtor_pending,
            debtor_oldest_pending, last_export, ledger_fault_episodes,
        ))
    return out


def fleet_status(
    ledger: Engine | Connection, now: datetime, stale_after: timedelta | None = None
) -> list[AutomatStatus]:
    """Every automat on this ledger by id: those with a heartbeat, aged against ``now``, and
    those known only from their sessions, ``never_seen``. ``stale_after`` None: each automat's
    own ``STALE_INTERVALS`` × ``interval_s``. ``ledger``: an engine, or a connection to read on
    (the console's request, whose login check read on it already)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if isinstance(ledger, Engine):
        with ledger.connect() as conn:
            return fleet_status(conn, now, stale_after)
    rows = ledger.execute(_READ).all()
    known = automats_in(ledger, ("citizen_sessions",))
    found = {a.automat_id: a for a in _statuses(rows, now, stale_after)}
    for automat_id in known:
        if automat_id not in found:
            found[automat_id] = AutomatStatus(automat_id, FleetState.NEVER_SEEN, None)
    return [found[key] for key in sorted(found)]
