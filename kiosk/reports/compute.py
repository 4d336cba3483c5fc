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
from typing import Any

from sqlalchemy import Connection, Engine, Select, and_, func, or_, select, true

from kiosk.cashbox import read_emptyings
from kiosk.cpr import scrub
from kiosk.followup import closed_between
from kiosk.ledger.audit import unbalanced
from kiosk.ledger.automats import automats_in
from kiosk.ledger.models import (
    Allocation,
    AuditEntry,
    Bon,
    CitizenSession,
    ExportBatch,
    OutboxItem,
    Tender,
)
from kiosk.money import Money
from kiosk.patron_ids import shown
from kiosk.payment.journal import TECHNICIAN_TEST
from kiosk.reports.figures import (
    FLEET,
    STRAY_REASONS,
    CardPayment,
    Count,
    DebtorFile,
    DebtorLine,
    FbsRegistration,
    FeeRegistered,
    FleetReport,
    FollowUp,
    Recovered,
    ZReport,
)
from kiosk.reports.period import Period


def z_report(engine: Engine, automat_id: str, day: date, *, now: datetime | None = None) -> ZReport:
    """One automat's Danish day."""
    return period_report(engine, Period.day(day), (automat_id,), now=now)


def fleet_report(
    engine: Engine, period: Period, *, now: datetime | None = None, details: bool = True
) -> FleetReport:
    """Every automat in the database: each one's report and the totals over all of them (the
    totals without detail lists: the files give those once, under each automat)."""
    now = now or datetime.now(UTC)
    automats = fleet_automats(engine)
    total = period_report(
        engine, period, automats, label=FLEET, now=now, whole_fleet=True, details=False
    )
    # the balance check reads all money written since the period began: once for the fleet,
    # then each automat gets its own sessions of that list (30 times over took ~0.4 s each)
    owner = _automat_of(engine, total.unbalanced_sessions)
    each = []
    for a in automats:
        report = period_report(engine, period, (a,), now=now, balance=False, details=details)
        report.unbalanced_sessions = [s for s in total.unbalanced_sessions if owner[s] == a]
        each.append(report)
    return FleetReport(period, tuple(each), total)


def _automat_of(engine: Engine, session_ids: Sequence[str]) -> dict[str, str]:
    if not session_ids:
        return {}
    with engine.connect() as conn:
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
    balance: bool = True,
    details: bool = True,
) -> ZReport:
    """The figures of ``automats`` together over ``period``; ``label`` names the scope (the
    automat's id when there is one).

    ``whole_fleet``: ``automats`` is every automat of the ledger (:func:`fleet_automats`), so
    "money of a session of these automats" is all money: the tenders, allocations, bons and
    outbox rows of the period are then read by their time alone, without finding each one's
    session among the year's (a fleet's month: bench/console.py). Sessions, staff actions,
    emptyings and debtor files are still read by automat (that is how their index finds them).
    ``balance`` False leaves ``unbalanced_sessions`` to the caller (:func:`fleet_report` checks
    the fleet once and hands each automat its own). ``details`` False reads the figures only,
    not the lists of every card payment, FBS registration, debtor item and debtor file (the
    console's page: a fleet's month has some 70,000 of them, which only the files carry).
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
        _plan_for_reports(conn)
        _Reader(conn, automats, start, end, whole_fleet, details).fill(report)
        if balance:
            report.unbalanced_sessions = _unbalanced(conn, automats, start, end)
    scopes: Sequence[str | None] = (None,) if whole_fleet else automats  # None: every automat
    report.follow_ups_closed = sorted(
        (item for a in scopes for item in closed_between(engine, a, start, end)),
        key=lambda item: (item.closed_at or start, item.item_id),
    )
    return report


def _count(row: Any) -> Count:
    n, total = row
    return Count(int(n or 0), Money(int(total or 0)))


class _Reader:
    """The queries of one report, over one connection."""

    def __init__(
        self,
        conn: Connection,
        automats: tuple[str, ...],
        start: datetime,
        end: datetime,
        whole_fleet: bool = False,
        details: bool = True,
    ) -> None:
        self.conn = conn
        self.automats = automats
        self.start = start
        self.end = end
        self.whole_fleet = whole_fleet
        self.details = details
        self.here = select(CitizenSession.id).where(CitizenSession.automat_id.in_(automats))

    def of_scope(self, session_id: Any) -> Any:
        """``session_id`` is a session of the scope's automats (always, for the whole fleet)."""
        return true() if self.whole_fleet else session_id.in_(self.here)

    def joined_scope(self) -> Any:
        """For a query joined to its session: the session is one of the scope's automats."""
        return true() if self.whole_fleet else CitizenSession.automat_id.in_(self.automats)

    def within(self, column: Any) -> Any:
        return and_(column >= self.start, column < self.end)

    def fill(self, report: ZReport) -> None:
        self._sessions(report)
        self._tenders(report)
        self._settled(report)
        self._credited(report)
        self._bons(report)
        self._fbs(report)
        self._debtor(report)
        report.emptyings = read_emptyings(self.conn, self.automats, self.start, self.end)
        report.recovered = self._recovered()
        report.device_losses = self._device_losses()

    def _sessions(self, report: ZReport) -> None:
        for state, n in self.conn.execute(
            select(CitizenSession.state, func.count())
            .where(
                CitizenSession.automat_id.in_(self.automats),
                self.within(CitizenSession.started_at),
                or_(  # a technician's test coin is no citizen (it is under "settled")
                    CitizenSession.end_reason.is_(None),
                    CitizenSession.end_reason != TECHNICIAN_TEST,
                ),
            )
            .group_by(CitizenSession.state)
        ):
            report.sessions[state] = int(n)

    def _tenders(self, report: ZReport) -> None:
        received = and_(
            self.of_scope(Tender.session_id),
            Tender.state == "received",
            self.within(Tender.created_at),
        )
        for kind, device, ore, n, total in self.conn.execute(
            select(Tender.kind, Tender.device, Tender.denomination_ore, func.count())
            .add_columns(func.coalesce(func.sum(Tender.amount_ore), 0))
            .where(received)
            .group_by(Tender.kind, Tender.device, Tender.denomination_ore)
        ):
            got = Count(int(n), Money(int(total)))
            report.tenders[kind] = report.tenders.get(kind, Count()) + got
            if kind in ("coin", "note"):
                key = (str(device or ""), kind, int(ore if ore is not None else 0))
                report.cash_by_device[key] = report.cash_by_device.get(key, 0) + int(n)
        if not self.details:
            return
        report.card_payments = [
            CardPayment(at, ref or "", terminal_ref or "", Money(int(amount)))
            for at, ref, terminal_ref, amount in self.conn.execute(
                select(
                    Tender.created_at,
                    CitizenSession.transaction_ref,
                    Tender.reference,
                    Tender.amount_ore,
                )
                .join(CitizenSession, CitizenSession.id == Tender.session_id)
                .where(received, Tender.kind == "card")
                .order_by(Tender.created_at, Tender.id)
            )
        ]

    def _settled(self, report: ZReport) -> None:
        for kind, payable_in, total in self.conn.execute(
            select(Allocation.kind, Allocation.payable_in, func.sum(Allocation.amount_ore))
            .where(self.of_scope(Allocation.session_id), self.within(Allocation.created_at))
            .group_by(Allocation.kind, Allocation.payable_in)
        ):
            key = payable_in if kind == "claim" else kind  # cash_rounding, technician_test
            report.settled[key] = report.settled.get(key, Money(0)) + Money(int(total))

    def _credited(self, report: ZReport) -> None:
        """Credit bons made from this scope's sessions, by how the money came to be credit."""
        for reason, state, end_reason, n, total in self.conn.execute(
            select(Bon.reason, CitizenSession.state, CitizenSession.end_reason, func.count())
            .add_columns(func.sum(Bon.amount_ore))
            .join(CitizenSession, CitizenSession.id == Bon.origin_session_id)
            .where(self.joined_scope(), self.within(Bon.issued_at))
            .group_by(Bon.reason, CitizenSession.state, CitizenSession.end_reason)
        ):
            if end_reason in STRAY_REASONS:
                how = str(end_reason)
            elif state == "recovered":
                how = "restart"
            else:
                how = reason
            got = Count(int(n), Money(int(total)))
            report.credited[how] = report.credited.get(how, Count()) + got

    def _audited(self, action: str) -> Count:
        """Staff actions carrying an amount (``details.amount_ore``): how many, and their sum."""
        amount = AuditEntry.details["amount_ore"].as_integer()
        return _count(
            self.conn.execute(
                select(func.count(), func.coalesce(func.sum(amount), 0)).where(
                    AuditEntry.automat_id.in_(self.automats),
                    AuditEntry.action == action,
                    self.within(AuditEntry.at),
                )
            ).one()
        )

    def _bons(self, report: ZReport) -> None:
        bon_sum = (func.count(), func.coalesce(func.sum(Bon.amount_ore), 0))
        end = self.end
        report.bons_issued_at_desk = self._audited("bon_issued")
        report.bons_voided = self._audited("bon_voided")
        report.bons_redeemed = _count(
            self.conn.execute(
                select(*bon_sum).where(
                    self.of_scope(Bon.redeemed_session_id), self.within(Bon.redeemed_at)
                )
            ).one()
        )
        report.bons_outstanding = _count(
            self.conn.execute(
                select(*bon_sum).where(
                    Bon.issued_at < end,
                    Bon.expires_at > end,
                    or_(Bon.redeemed_at.is_(None), Bon.redeemed_at >= end),
                    or_(Bon.voided_at.is_(None), Bon.voided_at >= end),
                )
            ).one()
        )
        report.bons_expired = _count(
            self.conn.execute(
                select(*bon_sum).where(
                    Bon.expires_at > self.start,
                    Bon.expires_at <= end,
                    or_(Bon.redeemed_at.is_(None), Bon.redeemed_at >= Bon.expires_at),
                    or_(Bon.voided_at.is_(None), Bon.voided_at >= Bon.expires_at),
                )
            ).one()
        )

    def _outbox(self, kind: str) -> Select[Any]:
        """Outbox rows with their session's reference: the columns a report reads (not the
        lease's or the follow-up's), as rows, not ORM objects."""
        return (
            select(*_OUTBOX_READ, CitizenSession.transaction_ref)
            .join(CitizenSession, CitizenSession.id == OutboxItem.session_id)
            .where(self.joined_scope(), OutboxItem.kind == kind)
            .order_by(OutboxItem.created_at, OutboxItem.id)
        )

    def _outbox_counts(self, kind: str) -> Select[Any]:
        """Outbox rows of ``kind`` of the scope: (state, count, øre) by state."""
        return (
            select(
                OutboxItem.state, func.count(), func.coalesce(func.sum(OutboxItem.amount_ore), 0)
            )
            .where(self.of_scope(OutboxItem.session_id), OutboxItem.kind == kind)
            .group_by(OutboxItem.state)
        )

    def _fbs(self, report: ZReport) -> None:
        made_at = report.made_at or datetime.now(UTC)
        for state, n, total in self.conn.execute(
            self._outbox_counts("fbs_registration").where(self.within(OutboxItem.created_at))
        ):
            report.fbs[state] = Count(int(n), Money(int(total)))
        # still refused now, whenever it was written before the period ended: the follow-up list
        refused = (OutboxItem.created_at < self.end, OutboxItem.state.in_(("refused", "parked")))
        report.follow_up_total = _count(
            self.conn.execute(
                select(func.count(), func.coalesce(func.sum(OutboxItem.amount_ore), 0)).where(
                    self.of_scope(OutboxItem.session_id),
                    OutboxItem.kind == "fbs_registration",
                    *refused,
                )
            ).one()
        )
        if self.details:
            for item in self.conn.execute(self._outbox("fbs_registration").where(*refused)):
                report.follow_up.append(_follow_up(item, made_at))
        if self.details:
            report.fbs_registrations = [
                _registration(item, item.transaction_ref or "")
                for item in self.conn.execute(
                    self._outbox("fbs_registration").where(self.within(OutboxItem.created_at))
                )
            ]

    def _debtor(self, report: ZReport) -> None:
        for state, n, total in self.conn.execute(
            self._outbox_counts("debtor_item").where(self.within(OutboxItem.created_at))
        ):
            key = "exported" if state == "exported" else "pending"
            report.debtor[key] = report.debtor.get(key, Count()) + Count(int(n), Money(int(total)))
        if not self.details:
            return
        stmt = (
            self._outbox("debtor_item")
            .add_columns(ExportBatch.sequence, ExportBatch.file_name.label("batch_file"))
            .outerjoin(ExportBatch, ExportBatch.id == OutboxItem.batch_id)
            .where(self.within(OutboxItem.created_at))
        )
        for item in self.conn.execute(stmt):
            payload = item.payload or {}
            report.debtor_items.append(
                DebtorLine(
                    transaction_ref=item.transaction_ref or "",
                    claim_ref=str(payload.get("claim_ref", "")),
                    claim_type=str(payload.get("claim_type", "")),
                    amount=Money(int(item.amount_ore)),
                    state="exported" if item.state == "exported" else "pending",
                    paid_at=item.created_at,
                    batch_sequence=int(item.sequence) if item.sequence is not None else None,
                    file_name=item.batch_file or "",
                )
            )
        report.debtor_files = [
            DebtorFile(
                row.automat_id,
                int(row.sequence),
                row.file_name,
                row.state,
                Count(int(row.item_count), Money(int(row.total_ore))),
                row.created_at,
                row.delivered_at,
            )
            for row in self.conn.execute(
                select(
                    ExportBatch.automat_id,
                    ExportBatch.sequence,
                    ExportBatch.file_name,
                    ExportBatch.state,
                    ExportBatch.item_count,
                    ExportBatch.total_ore,
                    ExportBatch.created_at,
                    ExportBatch.delivered_at,
                )
                .where(
                    ExportBatch.automat_id.in_(self.automats),
                    self.within(ExportBatch.created_at),
                )
                .order_by(ExportBatch.automat_id, ExportBatch.sequence)
            )
        ]

    def _recovered(self) -> list[Recovered]:
        sessions = self.conn.execute(
            select(
                CitizenSession.id,
                CitizenSession.transaction_ref,
                CitizenSession.started_at,
                CitizenSession.end_reason,
            )
            .where(
                CitizenSession.automat_id.in_(self.automats),
                or_(
                    CitizenSession.state == "recovered",
                    CitizenSession.end_reason.in_(STRAY_REASONS),
                ),
                self.within(CitizenSession.started_at),
            )
            .order_by(CitizenSession.started_at)
        ).all()
        bons = self.conn.execute(
            select(Bon.origin_session_id, Bon.short_code, Bon.amount_ore)
            .where(Bon.origin_session_id.in_([s.id for s in sessions]))
            .order_by(Bon.issued_at)
        ).all()
        by_session: dict[str, list[tuple[str, Money]]] = {}
        for origin, code, amount in bons:
            by_session.setdefault(origin, []).append((code, Money(int(amount))))
        return [
            Recovered(
                s.id,
                s.transaction_ref or "",
                s.started_at,
                s.end_reason or "",
                tuple(by_session.get(s.id, [])),
            )
            for s in sessions
        ]

    def _device_losses(self) -> list[tuple[datetime, str]]:
        return [
            (at, scrub(f"{actor}: {(details or {}).get('detail', '')}"))
            for at, actor, details in self.conn.execute(
                select(AuditEntry.at, AuditEntry.actor, AuditEntry.details)
                .where(
                    AuditEntry.automat_id.in_(self.automats),
                    AuditEntry.action == "device_lost_events",
                    self.within(AuditEntry.at),
                )
                .order_by(AuditEntry.at)
            )
        ]


_OUTBOX_READ = (
    OutboxItem.idempotency_key,
    OutboxItem.state,
    OutboxItem.amount_ore,
    OutboxItem.payload,
    OutboxItem.result,
    OutboxItem.last_error,
    OutboxItem.created_at,
    OutboxItem.done_at,
)


def _follow_up(item: Any, made_at: datetime) -> FollowUp:
    payload = item.payload or {}
    return FollowUp(
        item.idempotency_key,
        item.transaction_ref or "",
        str(payload.get("patron") or shown(str(payload.get("patron_id", "")))),
        tuple(str(f) for f in payload.get("fee_ids", [])),
        Money(int(item.amount_ore)),
        scrub(item.last_error or ""),  # FBS's words: may quote anything
        item.created_at,
        max(0, (made_at - item.created_at).days),
    )


def _registration(item: Any, transaction_ref: str) -> FbsRegistration:
    payload = item.payload or {}
    confirmations = {str(k): str(v or "") for k, v in (item.result or {}).items()}
    amounts = {
        str(c.get("id")): Money(int(c.get("amount_ore", 0))) for c in payload.get("claims", [])
    }
    fees = tuple(
        FeeRegistered(fee, amounts.get(fee, Money(0)), confirmations.get(fee, ""))
        for fee in (str(f) for f in payload.get("fee_ids", []))
    )
    return FbsRegistration(
        item.idempotency_key,
        transaction_ref,
        item.state,
        Money(int(item.amount_ore)),
        item.created_at,
        item.done_at,
        fees,
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
