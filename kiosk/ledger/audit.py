"""``kiosk audit``: does every øre add up?

Per finished session: received = settled + credited (bons issued from it) + refunded.
Money no payment can spend: an open session holding money without a committed plan, and money
recorded after its session ended that no bon issued since covers (each is credited in the
transaction that records it; the audit names them even where the sums happen to agree).
Per outbox item: a state and its completion time agree (never pending and done at once), and no
claim is registered in FBS as paid by two different finished registrations.
Per debtor export: every exported item is in exactly one delivered batch, totals match, and the
sequence numbers have no gaps.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Connection, Engine, func, literal, select, union_all

from kiosk.ledger.models import (
    TERMINAL_SESSION_STATES,
    Allocation,
    Bon,
    CitizenSession,
    ExportBatch,
    OutboxItem,
    Refund,
    Tender,
)
from kiosk.money import Money

COUNTED_TENDER_STATES = ("received", "reversed")


@dataclass(frozen=True, slots=True)
class SessionBalance:
    session_id: str
    state: str
    received: Money
    settled: Money
    credited: Money
    refunded: Money

    @property
    def difference(self) -> Money:
        return self.received - (self.settled + self.credited + self.refunded)

    def describe(self) -> str:
        return (
            f"session {self.session_id} ({self.state}): received {self.received.to_fbs()}"
            f" != settled {self.settled.to_fbs()} + credited {self.credited.to_fbs()}"
            f" + refunded {self.refunded.to_fbs()} (difference {self.difference.to_fbs()})"
        )


@dataclass
class AuditReport:
    sessions_checked: int = 0
    open_sessions: list[str] = field(default_factory=list)
    unbalanced: list[SessionBalance] = field(default_factory=list)
    outbox_problems: list[str] = field(default_factory=list)
    #: money held where no payment can spend it (see the module)
    stray_money: list[str] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return len(self.unbalanced) + len(self.outbox_problems) + len(self.stray_money)

    @property
    def clean(self) -> bool:
        return self.problems == 0

    def lines(self) -> list[str]:
        out = [b.describe() for b in self.unbalanced] + self.stray_money + self.outbox_problems
        out += [f"session {s} is still open (not yet settled)" for s in self.open_sessions]
        verdict = "clean" if self.clean else f"{self.problems} problem(s)"
        out.append(f"audit: {self.sessions_checked} finished session(s) checked: {verdict}")
        return out


def _sums(engine: Engine, column: object, group: object, *where: object) -> dict[str, int]:
    stmt = select(group, func.coalesce(func.sum(column), 0)).group_by(group)
    for clause in where:
        stmt = stmt.where(clause)
    with engine.connect() as conn:
        return {row[0]: int(row[1]) for row in conn.execute(stmt) if row[0] is not None}


def unaccounted(engine: Engine, automat_id: str | None = None) -> dict[str, int]:
    """Per session (of one automat, or all): øre received but neither settled, credited nor
    refunded, where there are any. An open session holds such money while its citizen pays; a
    finished one never may."""
    received = _sums(
        engine, Tender.amount_ore, Tender.session_id, Tender.state.in_(COUNTED_TENDER_STATES)
    )
    if automat_id is not None:
        with engine.connect() as conn:
            here = set(
                conn.scalars(
                    select(CitizenSession.id).where(CitizenSession.automat_id == automat_id)
                )
            )
        received = {k: v for k, v in received.items() if k in here}
    settled = _sums(engine, Allocation.amount_ore, Allocation.session_id)
    credited = _sums(engine, Bon.amount_ore, Bon.origin_session_id)
    refunded = _sums(engine, Refund.amount_ore, Refund.session_id)
    held = {
        session_id: amount
        - settled.get(session_id, 0)
        - credited.get(session_id, 0)
        - refunded.get(session_id, 0)
        for session_id, amount in received.items()
    }
    return {session_id: amount for session_id, amount in held.items() if amount > 0}


def unbalanced(
    conn: Connection, *scope: Any, since: datetime | None = None
) -> list[SessionBalance]:
    """Finished sessions whose received ≠ settled + credited + refunded, by id: every finished
    session, or those meeting ``scope`` (conditions on ``CitizenSession``).

    One pass: every money row (tenders counted, allocations, bons issued from a session,
    refunds) is summed per session in one hash aggregate as one signed figure (received minus
    the rest), only sessions off zero are kept and looked up, so the sessions are never probed
    one by one; the four sums are read for those few alone.
    ``since``: read only the money rows written at or after it; the caller's ``scope`` must
    then hold only sessions started at or after ``since``. That is exact because the journal
    writes a session before any of its money, on the same clock (a month's report on a fleet's
    year reads the month's rows through their time indexes, not the year's: bench/console.py).
    """

    def rows(*, signed: bool, only: list[str] | None = None) -> Any:
        """Every money row as (session, received, settled, credited, refunded); ``signed``:
        as (session, received − the rest) alone, which is a quarter of the summing."""

        def part(key: Any, column: Any, slot: int, at: Any, *where: Any) -> Any:
            if signed:
                amounts = [column if slot == 0 else -column]
                names: tuple[str, ...] = ("off",)
            else:
                amounts = [literal(0, BigInteger)] * 4
                amounts[slot] = column
                names = _SUMS
            labelled = (a.label(n) for a, n in zip(amounts, names, strict=True))
            return select(key.label("session_id"), *labelled).where(
                *where,
                *(() if since is None else (at >= since,)),
                *(() if only is None else (key.in_(only),)),
            )

        return union_all(
            part(
                Tender.session_id,
                Tender.amount_ore,
                0,
                Tender.created_at,
                Tender.state.in_(COUNTED_TENDER_STATES),
            ),
            part(Allocation.session_id, Allocation.amount_ore, 1, Allocation.created_at),
            part(
                Bon.origin_session_id,
                Bon.amount_ore,
                2,
                Bon.issued_at,
                Bon.origin_session_id.is_not(None),
            ),
            part(Refund.session_id, Refund.amount_ore, 3, Refund.created_at),
        ).subquery()

    signed = rows(signed=True)
    off = (
        select(signed.c.session_id)
        .group_by(signed.c.session_id)
        .having(func.sum(signed.c.off) != 0)
        .subquery()
    )
    found = {
        str(sid): str(state)
        for sid, state in conn.execute(
            select(CitizenSession.id, CitizenSession.state)
            .join(off, off.c.session_id == CitizenSession.id)
            .where(CitizenSession.state.in_(TERMINAL_SESSION_STATES), *scope)
        )
    }
    if not found:
        return []
    # the few that do not balance: each of their four sums, for the audit's lines
    each = rows(signed=False, only=sorted(found))
    balances = [
        SessionBalance(str(sid), found[str(sid)], *(Money(int(v or 0)) for v in amounts))
        for sid, *amounts in conn.execute(
            select(each.c.session_id, *(func.sum(each.c[n]) for n in _SUMS))
            .group_by(each.c.session_id)
            .order_by(each.c.session_id)
        )
    ]
    return [b for b in balances if b.difference]


_SUMS = ("received", "settled", "credited", "refunded")


def run_audit(engine: Engine) -> AuditReport:
    report = AuditReport()
    with engine.connect() as conn:
        sessions = conn.execute(select(CitizenSession.id, CitizenSession.state)).all()
        outbox = conn.execute(
            select(
                OutboxItem.id,
                OutboxItem.kind,
                OutboxItem.state,
                OutboxItem.done_at,
                OutboxItem.batch_id,
                OutboxItem.payload,
            )
        ).all()
        report.unbalanced = unbalanced(conn)
    for session_id, state in sessions:
        if state not in TERMINAL_SESSION_STATES:
            report.open_sessions.append(session_id)
        else:
            report.sessions_checked += 1

    registered: dict[str, list[int]] = defaultdict(list)
    debtor_items: list[tuple[int, str, int | None]] = []
    for item_id, kind, state, done_at, batch_id, payload in outbox:
        finished = state in ("done", "exported")
        if finished != (done_at is not None):
            report.outbox_problems.append(
                f"outbox item {item_id} ({kind}) is '{state}' but "
                + ("has no completion time" if finished else "also has a completion time")
            )
        if kind == "debtor_item":
            debtor_items.append((item_id, state, batch_id))
        if kind == "fbs_registration" and state == "done":
            for fee_id in (payload or {}).get("fee_ids", []):
                registered[str(fee_id)].append(item_id)
    for fee_id, items in sorted(registered.items()):
        if len(items) > 1:
            report.outbox_problems.append(
                f"claim {fee_id} was registered in FBS by {len(items)} items: {items}"
            )
    report.outbox_problems += _export_problems(engine, debtor_items)
    report.stray_money = _stray_money(engine)
    return report


def _stray_money(engine: Engine) -> list[str]:
    """Money the session logic must have credited at once: held by an open session that has
    no plan, or recorded after its session ended and not covered by a bon issued since."""
    counted = Tender.state.in_(COUNTED_TENDER_STATES)
    with engine.connect() as conn:
        unplanned = conn.execute(
            select(CitizenSession.id, func.sum(Tender.amount_ore))
            .join(Tender, Tender.session_id == CitizenSession.id)
            .where(
                counted,
                CitizenSession.state.not_in(TERMINAL_SESSION_STATES),
                CitizenSession.plan.is_(None),
            )
            .group_by(CitizenSession.id)
        ).all()
        late = conn.execute(
            select(
                CitizenSession.id,
                func.sum(Tender.amount_ore),
                func.min(Tender.created_at),
            )
            .join(Tender, Tender.session_id == CitizenSession.id)
            .where(
                counted,
                CitizenSession.ended_at.is_not(None),
                Tender.created_at > CitizenSession.ended_at,
            )
            .group_by(CitizenSession.id)
        ).all()
        problems = [
            f"session {session_id} is open holding {Money(int(total)).to_fbs()} with no payment"
            " plan: no payment can spend it, it must be credited"
            for session_id, total in unplanned
        ]
        for session_id, total, first in late:
            covered = conn.scalar(
                select(func.coalesce(func.sum(Bon.amount_ore), 0)).where(
                    Bon.origin_session_id == session_id, Bon.issued_at >= first
                )
            )
            if int(covered or 0) < int(total):
                problems.append(
                    f"session {session_id}: {Money(int(total)).to_fbs()} came in after it ended"
                    f" and only {Money(int(covered or 0)).to_fbs()} was credited since"
                )
    return problems


def _export_problems(engine: Engine, items: list[tuple[int, str, int | None]]) -> list[str]:
    """Every exported debtor item is in exactly one delivered batch (an item has one batch id),
    nothing still pending sits in a delivered file, each delivered batch's count and total are its
    items', and sequence numbers per automat have no gaps. Unfinished batches are not problems:
    the next export run finishes them."""
    with engine.connect() as conn:
        batches = {
            row[0]: row[1:]
            for row in conn.execute(
                select(
                    ExportBatch.id,
                    ExportBatch.automat_id,
                    ExportBatch.sequence,
                    ExportBatch.state,
                    ExportBatch.item_count,
                    ExportBatch.total_ore,
                )
            )
        }
        sums = {
            row[0]: (int(row[1]), int(row[2] or 0))
            for row in conn.execute(
                select(OutboxItem.batch_id, func.count(), func.sum(OutboxItem.amount_ore))
                .where(OutboxItem.batch_id.is_not(None))
                .group_by(OutboxItem.batch_id)
            )
        }
    problems = []
    for item_id, state, batch_id in items:
        batch_state = batches[batch_id][2] if batch_id in batches else None
        if state == "exported" and batch_state != "delivered":
            problems.append(
                f"debtor item {item_id} is exported but its batch {batch_id} is not delivered"
            )
        elif state != "exported" and batch_state == "delivered":
            problems.append(f"debtor item {item_id} is '{state}' but in delivered batch {batch_id}")
    sequences: dict[str, list[int]] = defaultdict(list)
    for batch_id, (automat_id, sequence, state, count, total) in sorted(batches.items()):
        sequences[automat_id].append(sequence)
        if state == "delivered" and sums.get(batch_id, (0, 0)) != (count, total):
            problems.append(
                f"export batch {batch_id} says {count} item(s) for {total} øre but holds"
                f" {sums.get(batch_id, (0, 0))[0]} for {sums.get(batch_id, (0, 0))[1]} øre"
            )
    for automat_id, numbers in sorted(sequences.items()):
        if sorted(numbers) != list(range(1, len(numbers) + 1)):
            problems.append(f"export sequence of automat {automat_id} has gaps: {sorted(numbers)}")
    return problems
