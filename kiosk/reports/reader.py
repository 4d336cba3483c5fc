"""The queries behind a Z-report's figures, over one connection.

One reader fills one report for its scope, or (``each``) a report per automat of the scope in
the same queries: each query then also groups by the automat its rows belong to (the session's,
found through the session's primary key; or the row's own ``automat_id``), so a fleet's month
is read once for all its automats rather than once per automat (bench/console.py). The lists
behind the figures (each card payment, FBS fee, debtor item) are :mod:`kiosk.reports.details`'.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, and_, func, or_, select, true

from kiosk.cashbox import read_emptyings
from kiosk.cpr import scrub
from kiosk.ledger.models import Allocation, AuditEntry, Bon, CitizenSession, OutboxItem, Tender
from kiosk.money import Money
from kiosk.payment.journal import TECHNICIAN_TEST
from kiosk.reports.figures import STRAY_REASONS, Count, Recovered, ZReport

REFUSED = ("refused", "parked")  # an FBS registration still refused: on the follow-up list


def count_of(row: Any) -> Count:
    n, total = row[0], row[1]
    return Count(int(n or 0), Money(int(total or 0)))


class Reader:
    """The figures of ``automats`` over [start, end) into ``reports``: one report for the
    scope (``each`` False), or the report of each automat (keyed by its id)."""

    def __init__(
        self,
        conn: Connection,
        automats: tuple[str, ...],
        start: datetime,
        end: datetime,
        *,
        whole_fleet: bool = False,
    ) -> None:
        self.conn = conn
        self.automats = automats
        self.start = start
        self.end = end
        self.whole_fleet = whole_fleet
        self.here = select(CitizenSession.id).where(CitizenSession.automat_id.in_(automats))
        self.each: dict[str, ZReport] | None = None
        self.one: ZReport | None = None

    # -- scope ------------------------------------------------------------------------------
    def of_scope(self, session_id: Any) -> Any:
        """``session_id`` is a session of the scope's automats (always, for the whole fleet)."""
        return true() if self.whole_fleet else session_id.in_(self.here)

    def joined_scope(self) -> Any:
        """For a query joined to its session: the session is one of the scope's automats."""
        return true() if self.whole_fleet else CitizenSession.automat_id.in_(self.automats)

    def within(self, column: Any) -> Any:
        return and_(column >= self.start, column < self.end)

    def rows(
        self,
        stmt: Select[Any],
        *,
        session: Any = None,
        owner: Any = None,
        grouped: bool = True,
    ) -> Iterator[tuple[ZReport, Any]]:
        """Each row of ``stmt`` with the report it belongs to. Per automat, the statement gets
        the row's automat as a last column: ``owner``, or (``session``: the row's session id
        column) its session's, joined; ``grouped`` adds it to the statement's GROUP BY."""
        if self.each is None:
            assert self.one is not None
            for row in self.conn.execute(stmt):
                yield self.one, row
            return
        key = CitizenSession.automat_id if owner is None else owner
        if session is not None:
            stmt, key = self._session_owner(stmt, session)
        stmt = stmt.add_columns(key.label("owner"))
        if grouped:
            stmt = stmt.group_by(key)
        for row in self.conn.execute(stmt):
            yield self.each[row.owner], row

    def _session_owner(self, stmt: Select[Any], session: Any) -> tuple[Select[Any], Any]:
        """``stmt`` joined to the automat of each row's session (by the ``session`` column).

        Joining a month's money to the sessions table makes PostgreSQL read the whole year's
        sessions (~1 s on a fleet's year); the sessions started in the period (and the day
        before it) are found through their (automat, started) index instead, and the few rows
        of a session started earlier (one recovered days later) look theirs up by primary key.
        """
        recent = (
            select(CitizenSession.id, CitizenSession.automat_id)
            .where(
                CitizenSession.automat_id.in_(self.automats),
                CitizenSession.started_at >= self.start - timedelta(days=1),
                CitizenSession.started_at < self.end,
            )
            .subquery("recent")
        )
        earlier = (
            select(CitizenSession.automat_id).where(CitizenSession.id == session).scalar_subquery()
        )
        joined = stmt.outerjoin(recent, recent.c.id == session)
        return joined, func.coalesce(recent.c.automat_id, earlier)

    def reports(self) -> list[ZReport]:
        return list(self.each.values()) if self.each is not None else [self.one]  # type: ignore[list-item]

    # -- the figures ------------------------------------------------------------------------
    def fill(self, report: ZReport) -> None:
        """The scope's figures into ``report``."""
        self.one = report
        self._fill()

    def fill_each(self, reports: dict[str, ZReport]) -> None:
        """Each automat's figures into ``reports[automat]`` (one for every automat of the
        scope), in the same queries."""
        self.each = reports
        self._fill()

    def _fill(self) -> None:
        self._sessions()
        self._tenders()
        self._settled()
        self._credited()
        self._bons()
        self._fbs()
        self._debtor()
        for m in read_emptyings(self.conn, self.automats, self.start, self.end):
            self._report_of(m.automat_id).emptyings.append(m)
        self._recovered()
        self._device_losses()

    def _report_of(self, automat: str) -> ZReport:
        return self.each[automat] if self.each is not None else self.one  # type: ignore[return-value]

    def _sessions(self) -> None:
        stmt = (
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
        )
        for report, (state, n, *_) in self.rows(stmt, owner=CitizenSession.automat_id):
            report.sessions[state] = int(n)

    def received(self) -> Any:
        return and_(
            self.of_scope(Tender.session_id),
            Tender.state == "received",
            self.within(Tender.created_at),
        )

    def _tenders(self) -> None:
        stmt = (
            select(Tender.kind, Tender.device, Tender.denomination_ore, func.count())
            .add_columns(func.coalesce(func.sum(Tender.amount_ore), 0))
            .where(self.received())
            .group_by(Tender.kind, Tender.device, Tender.denomination_ore)
        )
        for report, (kind, device, ore, n, total, *_) in self.rows(stmt, session=Tender.session_id):
            report.tenders[kind] = report.tenders.get(kind, Count()) + count_of((n, total))
            if kind in ("coin", "note"):
                key = (str(device or ""), kind, int(ore if ore is not None else 0))
                report.cash_by_device[key] = report.cash_by_device.get(key, 0) + int(n)

    def _settled(self) -> None:
        stmt = (
            select(Allocation.kind, Allocation.payable_in, func.sum(Allocation.amount_ore))
            .where(self.of_scope(Allocation.session_id), self.within(Allocation.created_at))
            .group_by(Allocation.kind, Allocation.payable_in)
        )
        for report, (kind, payable_in, total, *_) in self.rows(stmt, session=Allocation.session_id):
            key = payable_in if kind == "claim" else kind  # cash_rounding, technician_test
            report.settled[key] = report.settled.get(key, Money(0)) + Money(int(total))

    def _credited(self) -> None:
        """Credit bons made from this scope's sessions, by how the money came to be credit."""
        stmt = (
            select(Bon.reason, CitizenSession.state, CitizenSession.end_reason, func.count())
            .add_columns(func.sum(Bon.amount_ore))
            .join(CitizenSession, CitizenSession.id == Bon.origin_session_id)
            .where(self.joined_scope(), self.within(Bon.issued_at))
            .group_by(Bon.reason, CitizenSession.state, CitizenSession.end_reason)
        )
        for report, (reason, state, end_reason, n, total, *_) in self.rows(stmt):
            if end_reason in STRAY_REASONS:
                how = str(end_reason)
            elif state == "recovered":
                how = "restart"
            else:
                how = reason
            report.credited[how] = report.credited.get(how, Count()) + count_of((n, total))

    def _bons(self) -> None:
        bon_sum = (func.count(), func.coalesce(func.sum(Bon.amount_ore), 0))
        start, end = self.start, self.end
        for action in ("bon_issued", "bon_voided"):  # staff's, with ``details.amount_ore``
            amount = AuditEntry.details["amount_ore"].as_integer()
            stmt = select(func.count(), func.coalesce(func.sum(amount), 0)).where(
                AuditEntry.automat_id.in_(self.automats),
                AuditEntry.action == action,
                self.within(AuditEntry.at),
            )
            for report, row in self.rows(stmt, owner=AuditEntry.automat_id):
                if action == "bon_issued":
                    report.bons_issued_at_desk = count_of(row)
                else:
                    report.bons_voided = count_of(row)
        stmt = select(*bon_sum).where(
            self.of_scope(Bon.redeemed_session_id), self.within(Bon.redeemed_at)
        )
        for report, row in self.rows(stmt, session=Bon.redeemed_session_id):
            report.bons_redeemed = count_of(row)
        # fleet-wide: a bon is the municipality's, whichever automat takes it; one scan
        still_open = and_(
            Bon.expires_at > end,
            or_(Bon.redeemed_at.is_(None), Bon.redeemed_at >= end),
            or_(Bon.voided_at.is_(None), Bon.voided_at >= end),
        )
        ran_out = and_(
            Bon.expires_at <= end,
            or_(Bon.redeemed_at.is_(None), Bon.redeemed_at >= Bon.expires_at),
            or_(Bon.voided_at.is_(None), Bon.voided_at >= Bon.expires_at),
        )
        row = self.conn.execute(
            select(
                *(
                    f
                    for kept in (still_open, ran_out)
                    for f in (
                        func.count().filter(kept),
                        func.coalesce(func.sum(Bon.amount_ore).filter(kept), 0),
                    )
                )
            ).where(Bon.issued_at < end, Bon.expires_at > start)
        ).one()
        outstanding, expired = count_of(row[0:2]), count_of(row[2:4])
        for report in self.reports():
            report.bons_outstanding = outstanding
            report.bons_expired = expired

    def _outbox_counts(self, kind: str, *where: Any) -> Iterator[tuple[ZReport, Any]]:
        """Outbox rows of ``kind`` of the scope: (state, count, øre) by state."""
        stmt = (
            select(
                OutboxItem.state, func.count(), func.coalesce(func.sum(OutboxItem.amount_ore), 0)
            )
            .where(self.of_scope(OutboxItem.session_id), OutboxItem.kind == kind, *where)
            .group_by(OutboxItem.state)
        )
        return self.rows(stmt, session=OutboxItem.session_id)

    def refused(self) -> tuple[Any, ...]:
        """Still refused now, whenever it was written before the period ended."""
        return (OutboxItem.created_at < self.end, OutboxItem.state.in_(REFUSED))

    def _fbs(self) -> None:
        written = self.within(OutboxItem.created_at)
        for report, (state, n, total, *_) in self._outbox_counts("fbs_registration", written):
            report.fbs[state] = count_of((n, total))
        for report, (_state, n, total, *_) in self._outbox_counts(
            "fbs_registration", *self.refused()
        ):
            report.follow_up_total += count_of((n, total))

    def _debtor(self) -> None:
        written = self.within(OutboxItem.created_at)
        for report, (state, n, total, *_) in self._outbox_counts("debtor_item", written):
            key = "exported" if state == "exported" else "pending"
            report.debtor[key] = report.debtor.get(key, Count()) + count_of((n, total))

    def _recovered(self) -> None:
        stmt = (
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
        )
        sessions = list(self.rows(stmt, owner=CitizenSession.automat_id, grouped=False))
        bons = self.conn.execute(
            select(Bon.origin_session_id, Bon.short_code, Bon.amount_ore)
            .where(Bon.origin_session_id.in_([s.id for _, s in sessions]))
            .order_by(Bon.issued_at)
        ).all()
        by_session: dict[str, list[tuple[str, Money]]] = {}
        for origin, code, amount in bons:
            by_session.setdefault(origin, []).append((code, Money(int(amount))))
        for report, s in sessions:
            report.recovered.append(
                Recovered(
                    s.id,
                    s.transaction_ref or "",
                    s.started_at,
                    s.end_reason or "",
                    tuple(by_session.get(s.id, [])),
                )
            )

    def _device_losses(self) -> None:
        stmt = (
            select(AuditEntry.at, AuditEntry.actor, AuditEntry.details)
            .where(
                AuditEntry.automat_id.in_(self.automats),
                AuditEntry.action == "device_lost_events",
                self.within(AuditEntry.at),
            )
            .order_by(AuditEntry.at)
        )
        for report, (at, actor, found, *_) in self.rows(
            stmt, owner=AuditEntry.automat_id, grouped=False
        ):
            report.device_losses.append((at, scrub(f"{actor}: {(found or {}).get('detail', '')}")))
