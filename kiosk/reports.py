"""The Z-report: one automat's day, as staff reconcile it (``kiosk report --day YYYY-MM-DD``).

Read-only over the ledger. The day is the Danish calendar day (midnight to midnight in
Europe/Copenhagen). It shows what came in by method and, for cash, by denomination; what was
settled into FBS claims, debtor claims and cash rounding; what was credited as bons; how the
FBS registrations went (with the follow-up list of refusals staff must handle by hand); what was
exported to the debtor system; the bons issued, redeemed, voided and still outstanding; the
follow-up items closed (:mod:`kiosk.followup`) and the cash boxes emptied (:mod:`kiosk.cashbox`)
that day; and whether every session of the day balances.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select

from kiosk.cashbox import Emptying, emptying_lines, emptyings_between
from kiosk.clock import LOCAL_TIME
from kiosk.followup import FollowUpItem, closed_between, closed_lines
from kiosk.ledger.audit import run_audit
from kiosk.ledger.models import (
    TERMINAL_SESSION_STATES,
    Allocation,
    AuditEntry,
    Bon,
    CitizenSession,
    OutboxItem,
    Tender,
)
from kiosk.money import Money


@dataclass(frozen=True, slots=True)
class Count:
    count: int = 0
    amount: Money = Money(0)

    def __add__(self, other: Count) -> Count:
        return Count(self.count + other.count, self.amount + other.amount)


@dataclass(frozen=True, slots=True)
class FollowUp:
    """An FBS registration FBS refused: staff register it by hand and note it here."""

    order_id: str
    patron_id: str
    fee_ids: tuple[str, ...]
    amount: Money
    reason: str


@dataclass(frozen=True, slots=True)
class Recovered:
    """A session finished by recovery after a restart, or money credited outside a payment: the
    citizen may have left without a receipt or without the slip of the credit bon made for them;
    staff look them up here."""

    session_id: str
    transaction_ref: str
    started_at: datetime
    outcome: str  # the end reason: settled / credited / no money
    credit_bons: tuple[tuple[str, Money], ...]  # (short code, amount)


@dataclass
class ZReport:
    automat_id: str
    day: date
    sessions: dict[str, int] = field(default_factory=dict)  # end state → count
    tenders: dict[str, Count] = field(default_factory=dict)  # coin, note, card, bon
    cash: dict[tuple[str, int], int] = field(default_factory=dict)  # (kind, øre) → pieces
    settled: dict[str, Money] = field(default_factory=dict)  # fbs, debtor, cash_rounding
    credited: dict[str, Count] = field(default_factory=dict)  # bon reason → issued from sessions
    fbs: dict[str, Count] = field(default_factory=dict)  # done, refused, pending
    follow_up: list[FollowUp] = field(default_factory=list)
    debtor: dict[str, Count] = field(default_factory=dict)  # exported, pending
    bons_issued_at_desk: Count = Count()
    bons_redeemed: Count = Count()
    bons_voided: Count = Count()
    bons_outstanding: Count = Count()  # fleet-wide at the end of the day
    unbalanced_sessions: list[str] = field(default_factory=list)
    recovered: list[Recovered] = field(default_factory=list)
    #: what a cash device took that nobody can value now (buffer overflow, reset): (time, text)
    device_losses: list[tuple[datetime, str]] = field(default_factory=list)
    emptyings: list[Emptying] = field(default_factory=list)  # cash boxes emptied that day
    follow_ups_closed: list[FollowUpItem] = field(default_factory=list)  # closed that day

    @property
    def received(self) -> Money:
        return sum((c.amount for c in self.tenders.values()), Money(0))

    @property
    def cash_total(self) -> Money:
        return Money(sum(ore * n for (_, ore), n in self.cash.items()))

    def lines(self) -> list[str]:
        def kr(m: Money) -> str:
            return f"{m.to_fbs():>12}"

        out = [f"Z-report {self.automat_id} {self.day.isoformat()}", ""]
        out.append(
            "Sessions: "
            + (", ".join(f"{k} {v}" for k, v in sorted(self.sessions.items())) or "none")
        )
        out += ["", "Received by method"]
        for kind in ("coin", "note", "card", "bon"):
            c = self.tenders.get(kind, Count())
            out.append(f"  {kind:<22}{c.count:>6}{kr(c.amount)}")
        out.append(f"  {'total':<28}{kr(self.received)}")
        out += ["", "Cash by denomination"]
        for (kind, ore), pieces in sorted(self.cash.items()):
            out.append(f"  {kind} {Money(ore).to_fbs():>8}{pieces:>16}{kr(Money(ore * pieces))}")
        out.append(f"  {'cash total':<28}{kr(self.cash_total)}")
        out += ["", "Settled"]
        for key in ("fbs", "debtor", "cash_rounding"):
            out.append(f"  {key:<28}{kr(self.settled.get(key, Money(0)))}")
        out += ["", "Credited as bons (from sessions)"]
        for reason, c in sorted(self.credited.items()):
            out.append(f"  {reason:<22}{c.count:>6}{kr(c.amount)}")
        out += ["", "FBS registrations"]
        for state in ("done", "refused", "parked", "closed", "pending"):
            c = self.fbs.get(state, Count())
            out.append(f"  {state:<22}{c.count:>6}{kr(c.amount)}")
        if self.follow_up:
            out.append("  Follow up (FBS refused; register by hand):")
            for f in self.follow_up:
                fees = ", ".join(f.fee_ids)
                out.append(f"    {f.order_id} patron {f.patron_id} fees {fees} {f.amount.to_fbs()}")
                out.append(f"      {f.reason}")
        out += closed_lines(self.follow_ups_closed)
        out += ["", "Debtor items"]
        for state in ("exported", "pending"):
            c = self.debtor.get(state, Count())
            out.append(f"  {state:<22}{c.count:>6}{kr(c.amount)}")
        out += ["", "Bons"]
        for label, c in (
            ("issued at the desk", self.bons_issued_at_desk),
            ("redeemed here", self.bons_redeemed),
            ("voided", self.bons_voided),
            ("outstanding (all)", self.bons_outstanding),
        ):
            out.append(f"  {label:<22}{c.count:>6}{kr(c.amount)}")
        if self.recovered:
            out += [
                "",
                "Finished at restart or credited outside a payment"
                " (the citizen may have no receipt or bon slip)",
            ]
            for r in self.recovered:
                local = r.started_at.astimezone(LOCAL_TIME)
                outcome = OUTCOME_WORDS.get(r.outcome, r.outcome)
                out.append(f"  {local:%H:%M} {r.transaction_ref or r.session_id}: {outcome}")
                for code, amount in r.credit_bons:
                    out.append(f"    credit bon {code[:5]}-{code[5:]} {amount.to_fbs()}")
        if self.device_losses:
            out += ["", "Taken by a device but not readable: count the cash box"]
            for at, text in self.device_losses:
                out.append(f"  {at.astimezone(LOCAL_TIME):%H:%M} {text}")
        out += emptying_lines(self.emptyings)
        out.append("")
        if self.unbalanced_sessions:
            out.append(f"NOT BALANCED: {', '.join(self.unbalanced_sessions)}")
        else:
            out.append("Every finished session balances.")
        return out


#: end reasons of sessions that paid nothing but hold a credit bon, in staff's words
OUTCOME_WORDS = {
    "money_at_restart": "money received during a restart, credited",
    "money_outside_payment": "money received outside a payment, credited",
}
STRAY_REASONS = tuple(OUTCOME_WORDS)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The Danish day as a UTC interval [start, end)."""
    start = datetime.combine(day, time(0), tzinfo=LOCAL_TIME)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL_TIME)
    return start.astimezone(UTC), end.astimezone(UTC)


def _count(rows: Any) -> Count:
    n, total = rows
    return Count(int(n or 0), Money(int(total or 0)))


def z_report(engine: Engine, automat_id: str, day: date) -> ZReport:
    start, end = day_bounds(day)
    report = ZReport(automat_id, day)
    here = select(CitizenSession.id).where(CitizenSession.automat_id == automat_id)
    count_sum = (func.count(), func.coalesce(func.sum(Tender.amount_ore), 0))
    with engine.connect() as conn:
        for state, n in conn.execute(
            select(CitizenSession.state, func.count())
            .where(
                CitizenSession.automat_id == automat_id,
                CitizenSession.started_at >= start,
                CitizenSession.started_at < end,
            )
            .group_by(CitizenSession.state)
        ):
            report.sessions[state] = int(n)

        in_day = and_(
            Tender.session_id.in_(here),
            Tender.state == "received",
            Tender.created_at >= start,
            Tender.created_at < end,
        )
        for kind, n, total in conn.execute(
            select(Tender.kind, *count_sum).where(in_day).group_by(Tender.kind)
        ):
            report.tenders[kind] = Count(int(n), Money(int(total)))
        for kind, ore, n in conn.execute(
            select(Tender.kind, Tender.denomination_ore, func.count())
            .where(in_day, Tender.kind.in_(("coin", "note")))
            .group_by(Tender.kind, Tender.denomination_ore)
        ):
            report.cash[(kind, int(ore if ore is not None else 0))] = int(n)

        for kind, payable_in, total in conn.execute(
            select(Allocation.kind, Allocation.payable_in, func.sum(Allocation.amount_ore))
            .where(
                Allocation.session_id.in_(here),
                Allocation.created_at >= start,
                Allocation.created_at < end,
            )
            .group_by(Allocation.kind, Allocation.payable_in)
        ):
            key = "cash_rounding" if kind == "cash_rounding" else payable_in
            report.settled[key] = report.settled.get(key, Money(0)) + Money(int(total))

        bon_sum = (func.count(), func.coalesce(func.sum(Bon.amount_ore), 0))
        for reason, n, total in conn.execute(
            select(Bon.reason, *bon_sum)
            .where(Bon.origin_session_id.in_(here), Bon.issued_at >= start, Bon.issued_at < end)
            .group_by(Bon.reason)
        ):
            report.credited[reason] = Count(int(n), Money(int(total)))
        desk = conn.execute(
            select(AuditEntry.details).where(
                AuditEntry.automat_id == automat_id,
                AuditEntry.action == "bon_issued",
                AuditEntry.at >= start,
                AuditEntry.at < end,
            )
        ).scalars()
        for details in desk:
            report.bons_issued_at_desk += Count(1, Money(int(details["amount_ore"])))
        report.bons_redeemed = _count(
            conn.execute(
                select(*bon_sum).where(
                    Bon.redeemed_session_id.in_(here),
                    Bon.redeemed_at >= start,
                    Bon.redeemed_at < end,
                )
            ).one()
        )
        voided = select(AuditEntry.details).where(
            AuditEntry.automat_id == automat_id,
            AuditEntry.action == "bon_voided",
            AuditEntry.at >= start,
            AuditEntry.at < end,
        )
        for details in conn.execute(voided).scalars():
            report.bons_voided += Count(1, Money(int(details["amount_ore"])))
        report.bons_outstanding = _count(
            conn.execute(
                select(*bon_sum).where(
                    Bon.issued_at < end,
                    Bon.expires_at > end,
                    or_(Bon.redeemed_at.is_(None), Bon.redeemed_at >= end),
                    or_(Bon.voided_at.is_(None), Bon.voided_at >= end),
                )
            ).one()
        )

        outbox = conn.execute(
            select(OutboxItem).where(
                OutboxItem.session_id.in_(here),
                OutboxItem.created_at >= start,
                OutboxItem.created_at < end,
            )
        ).all()
    for item in outbox:
        bucket = report.fbs if item.kind == "fbs_registration" else report.debtor
        state = "exported" if item.state == "exported" else item.state
        if item.kind == "debtor_item" and state != "exported":
            state = "pending"
        bucket[state] = bucket.get(state, Count()) + Count(1, Money(int(item.amount_ore)))
        if item.kind == "fbs_registration" and item.state == "refused":
            payload = item.payload or {}
            report.follow_up.append(
                FollowUp(
                    item.idempotency_key,
                    str(payload.get("patron_id", "")),
                    tuple(str(f) for f in payload.get("fee_ids", [])),
                    Money(int(item.amount_ore)),
                    item.last_error or "",
                )
            )
    report.unbalanced_sessions = _unbalanced(engine, automat_id, start, end)
    report.emptyings = emptyings_between(engine, automat_id, start, end)
    report.follow_ups_closed = closed_between(engine, automat_id, start, end)
    report.recovered = _recovered(engine, automat_id, start, end)
    with engine.connect() as conn:
        report.device_losses = [
            (at, f"{actor}: {(details or {}).get('detail', '')}")
            for at, actor, details in conn.execute(
                select(AuditEntry.at, AuditEntry.actor, AuditEntry.details)
                .where(
                    AuditEntry.automat_id == automat_id,
                    AuditEntry.action == "device_lost_events",
                    AuditEntry.at >= start,
                    AuditEntry.at < end,
                )
                .order_by(AuditEntry.at)
            )
        ]
    return report


def _recovered(engine: Engine, automat_id: str, start: datetime, end: datetime) -> list[Recovered]:
    with engine.connect() as conn:
        sessions = conn.execute(
            select(
                CitizenSession.id,
                CitizenSession.transaction_ref,
                CitizenSession.started_at,
                CitizenSession.end_reason,
            )
            .where(
                CitizenSession.automat_id == automat_id,
                or_(
                    CitizenSession.state == "recovered",
                    CitizenSession.end_reason.in_(STRAY_REASONS),
                ),
                CitizenSession.started_at >= start,
                CitizenSession.started_at < end,
            )
            .order_by(CitizenSession.started_at)
        ).all()
        bons = conn.execute(
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


def _unbalanced(engine: Engine, automat_id: str, start: datetime, end: datetime) -> list[str]:
    with engine.connect() as conn:
        ids = set(
            conn.scalars(
                select(CitizenSession.id).where(
                    CitizenSession.automat_id == automat_id,
                    CitizenSession.started_at >= start,
                    CitizenSession.started_at < end,
                    CitizenSession.state.in_(TERMINAL_SESSION_STATES),
                )
            )
        )
    return sorted(b.session_id for b in run_audit(engine).unbalanced if b.session_id in ids)
