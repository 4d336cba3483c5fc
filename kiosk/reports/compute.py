"""The Z-report's figures from the ledger: one computation for every scope and period.

Read-only. The scope is a set of automats: one automat (``kiosk report``), or every automat in
the database (``--fleet``: each one's report and the totals over all of them, computed over the
whole set in one pass so that fleet-wide figures are not added up twice). The day report is the
period of one day. Money is placed in the period by when it happened: tenders when received,
allocations, FBS registrations and debtor items when settled, bons when issued, redeemed, voided
or expired, sessions when started.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import Connection, Engine, func, select, true

from kiosk.followup import FollowUpItem, closed_between
from kiosk.ledger.audit import unbalanced
from kiosk.ledger.automats import automats_in
from kiosk.ledger.models import CitizenSession
from kiosk.reports.details import read as read_details
from kiosk.reports.figures import FLEET, FleetReport, ZReport
from kiosk.reports.period import Period
from kiosk.reports.reader import Reader


def z_report(engine: Engine, automat_id: str, day: date, *, now: datetime | None = None) -> ZReport:
    """One automat's Danish day."""
    return period_report(engine, Period.day(day), (automat_id,), now=now)


def fleet_report(
    engine: Engine, period: Period, *, now: datetime | None = None, details: bool = True
) -> FleetReport:
    """Every automat in the database: each one's report and the totals over all of them (the
    totals without detail lists: the files give those once, under each automat).

    The totals read money by its time alone (:func:`period_report`'s ``whole_fleet``); the
    automats' reports are read together, each query grouped by automat. The balance check runs
    once, for the fleet, and each automat gets its own sessions of that list.
    """
    now = now or datetime.now(UTC)
    automats = fleet_automats(engine)
    start, end = period.bounds()
    total = period_report(
        engine, period, automats, label=FLEET, now=now, whole_fleet=True, details=False
    )
    each = {a: ZReport(a, period, (a,), made_at=now, details=details) for a in automats}
    with engine.connect() as conn:
        _read(Reader(conn, automats, start, end, whole_fleet=True), each, details)
        owner = _automat_of(conn, total.unbalanced_sessions)
    for session_id in total.unbalanced_sessions:
        each[owner[session_id]].unbalanced_sessions.append(session_id)
    for item in _closed(engine, (None,), start, end):
        each[item.automat_id].follow_ups_closed.append(item)
    return FleetReport(period, tuple(each.values()), total)


def _automat_of(conn: Connection, session_ids: Sequence[str]) -> dict[str, str]:
    if not session_ids:
        return {}
    rows = conn.execute(
        select(CitizenSession.id, CitizenSession.automat_id).where(
            CitizenSession.id.in_(session_ids)
        )
    ).all()
    return {str(sid): str(automat) for sid, automat in rows}


def fleet_automats(engine: Engine) -> tuple[str, ...]:
    """Every automat the ledger knows of: sessions, staff actions, emptyings, debtor files."""
    with engine.connect() as conn:
        return automats_in(conn)


def period_report(
    engine: Engine,
    period: Period,
    automats: Sequence[str],
    *,
    label: str | None = None,
    now: datetime | None = None,
    whole_fleet: bool = False,
    details: bool = True,
) -> ZReport:
    """The figures of ``automats`` together over ``period``; ``label`` names the scope (the
    automat's id when there is one).

    ``whole_fleet``: ``automats`` is every automat of the ledger (:func:`fleet_automats`), so
    "money of a session of these automats" is all money: the tenders, allocations, bons and
    outbox rows of the period are then read by their time alone, without finding each one's
    session among the year's (a fleet's month: bench/console.py). Sessions, staff actions,
    emptyings and debtor files are still read by automat (that is how their index finds them).
    ``details`` False reads the figures only, not the lists of every card payment, FBS
    registration, follow-up item, debtor item and debtor file (:mod:`kiosk.reports.details`).
    """
    automats = tuple(automats)
    start, end = period.bounds()
    report = ZReport(
        label or ", ".join(automats),
        period,
        automats,
        made_at=now or datetime.now(UTC),
        details=details,
    )
    with engine.connect() as conn:
        _read(Reader(conn, automats, start, end, whole_fleet=whole_fleet), report, details)
        report.unbalanced_sessions = _unbalanced(conn, automats, start, end)
    scopes: Sequence[str | None] = (None,) if whole_fleet else automats  # None: every automat
    report.follow_ups_closed = _closed(engine, scopes, start, end)
    return report


def _read(reader: Reader, into: ZReport | dict[str, ZReport], details: bool) -> None:
    """The figures into one report, or into each automat's (by id); then, with ``details``,
    the lists behind them."""
    _plan_for_reports(reader.conn)
    if isinstance(into, ZReport):
        reader.fill(into)
    else:
        reader.fill_each(into)
    if details:
        read_details(reader)


def _closed(
    engine: Engine, scopes: Sequence[str | None], start: datetime, end: datetime
) -> list[FollowUpItem]:
    """Follow-up items closed in the period, in the order they were closed."""
    return sorted(
        (item for a in scopes for item in closed_between(engine, a, start, end)),
        key=lambda item: (item.closed_at or start, item.item_id),
    )


def _unbalanced(
    conn: Connection, automats: tuple[str, ...], start: datetime, end: datetime
) -> list[str]:
    """Finished sessions of the scope started in the period that do not balance (the audit's
    rule over those sessions only, reading money written since the period began)."""
    found = unbalanced(
        conn,
        CitizenSession.automat_id.in_(automats),
        CitizenSession.started_at >= start,
        CitizenSession.started_at < end,
        since=start,
    )
    return sorted(b.session_id for b in found)


#: PostgreSQL settings for one report's read-only transaction (``SET LOCAL``: they end with it).
#: The balance check sums a period's money per session in one hash aggregate (a fleet's month:
#: ~120,000 rows into ~40,000 sessions), which 4 MB of ``work_mem`` spills to disk; the planner
#: cannot estimate that union's groups (it assumes 200), so it splits the aggregate over
#: parallel workers and merges their sorted halves, three times the work of one pass; and with
#: the default ``random_page_cost`` (4, a spinning disk's) it finds a month's bons' sessions by
#: scanning the year's sessions rather than through their primary key (bench/console.py).
REPORT_SETTINGS = {
    "work_mem": "64MB",
    "max_parallel_workers_per_gather": "0",
    "random_page_cost": "1.1",
}


def _plan_for_reports(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    for name, value in REPORT_SETTINGS.items():
        conn.execute(select(func.set_config(name, value, true())))
