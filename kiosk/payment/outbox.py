"""Deliver FBS registrations from the outbox, with the idempotency key FBS dedupes on.

The FBS call happens outside any transaction; its answer is then written. A crash in between
leaves the item pending, and the retry with the same order id is answered by FBS with the same
confirmation: the claim is registered exactly once.

- all fees registered (or already registered) → ``done``;
- FBS refused (e.g. no account period around New Year) → ``refused``: the money stays allocated,
  the claim shows for staff follow-up with FBS's reason, and it is retried on a slow schedule;
  a refusal ``refused_retry_for`` (``[fbs] refused_retry_days``) or more after the payment
  ``parks`` it: no more retries, it waits on the follow-up list until a person closes it
  (:mod:`kiosk.followup`). Parked and closed items are never picked again;
- FBS unreachable, timed out, or an answer that is not a registration → stays ``pending`` and is
  retried with backoff.

One sender at a time: the receipt service (right after a settlement) and the outbox worker (on
its schedule) may both reach for the same item, so a sender first claims it with a lease (a
conditional UPDATE that only succeeds while no live lease is held) and clears the lease with the
answer. A sender that dies holding it loses it after ``LEASE``, and the item is sent later.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.orm import Session

from kiosk.clock import Clock
from kiosk.domain import Patron
from kiosk.fbs.port import FbsError, FbsErrorReason, FbsPort, FeeRegistration, RegistrationStatus
from kiosk.ledger.models import OutboxItem
from kiosk.ledger.transitions import OUTBOX, move
from kiosk.patron_ids import shown
from kiosk.payment.plan import PlannedClaim

log = logging.getLogger(__name__)

#: defaults of ``[fbs] refused_retry_minutes``, ``refused_retry_days`` and ``max_backoff_minutes``
REFUSED_RETRY = timedelta(hours=1)
REFUSED_RETRY_FOR = timedelta(days=14)
MAX_BACKOFF = timedelta(minutes=30)
#: how long a sender may hold an item: well beyond any FBS call's timeouts and retries
LEASE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Delivery:
    item_id: int
    session_id: str
    state: str  # done, refused, parked, pending
    fees: dict[str, str]  # fee id → registered / follow_up / pending
    message: str = ""


def backoff(attempts: int, maximum: timedelta = MAX_BACKOFF) -> timedelta:
    """5 s after the first failure, doubling per attempt, never more than ``maximum``."""
    return min(timedelta(seconds=5 * 2 ** min(attempts, 12)), maximum)


@dataclass
class FbsOutbox:
    """``refused_retry``: when a refused registration is tried again; ``refused_retry_for``: how
    long after the payment (the item's ``created_at``) a refusal is still retried; ``max_backoff``:
    the longest wait between attempts while FBS is unreachable. ``automat_id`` names this
    automat's leases (each process of it: ``<automat>:<pid>``)."""

    engine: Engine
    fbs: FbsPort
    clock: Clock
    automat_id: str = field(default="automat", kw_only=True)
    refused_retry: timedelta = field(default=REFUSED_RETRY, kw_only=True)
    refused_retry_for: timedelta = field(default=REFUSED_RETRY_FOR, kw_only=True)
    max_backoff: timedelta = field(default=MAX_BACKOFF, kw_only=True)
    owner: str = field(init=False)  # who holds a lease: this automat's process

    def __post_init__(self) -> None:
        if min(self.refused_retry, self.refused_retry_for, self.max_backoff) <= timedelta(0):
            raise ValueError("outbox retry intervals must be positive")
        self.owner = f"{self.automat_id}:{os.getpid()}"

    def due_items(self, session_id: str | None = None) -> list[OutboxItem]:
        stmt = select(OutboxItem).where(
            OutboxItem.kind == "fbs_registration",
            OutboxItem.state.in_(("pending", "refused")),
        )
        if session_id is None:
            now = self.clock.now()
            stmt = stmt.where(
                or_(OutboxItem.next_attempt_at.is_(None), OutboxItem.next_attempt_at <= now)
            )
        else:
            stmt = stmt.where(OutboxItem.session_id == session_id)
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.scalars(stmt.order_by(OutboxItem.id)))

    def deliver_due(self, session_id: str | None = None) -> list[Delivery]:
        """Deliver every item that is due (or every open item of one session, right after it was
        settled, so the receipt can say whether FBS registered the payment). An item another
        sender holds is left to it."""
        return [self._deliver(row) for row in self.due_items(session_id) if self._claim(row)]

    def release_leases(self) -> int:
        """At start-up: leases this automat's earlier process held died with it (one process
        per automat), so its items are free to send now rather than when the lease runs out."""
        with self.engine.begin() as conn:
            return conn.execute(
                update(OutboxItem)
                .where(OutboxItem.lease_owner.like(f"{self.automat_id}:%"))
                .values(lease_owner=None, lease_until=None)
            ).rowcount

    def _claim(self, item: OutboxItem) -> bool:
        now = self.clock.now()
        with self.engine.begin() as conn:
            claimed = conn.execute(
                update(OutboxItem)
                .where(
                    OutboxItem.id == item.id,
                    OutboxItem.state.in_(("pending", "refused")),
                    or_(OutboxItem.lease_until.is_(None), OutboxItem.lease_until <= now),
                )
                .values(lease_owner=self.owner[:64], lease_until=now + LEASE)
            ).rowcount
        return claimed == 1

    def _deliver(self, item: OutboxItem) -> Delivery:
        payload = item.payload
        patron = Patron(id=str(payload["patron_id"]), name="")
        claims = [PlannedClaim.from_json(c).as_claim() for c in payload["claims"]]
        now = self.clock.now()
        try:
            results = self.fbs.register_payment(patron, claims, payload["order_id"])
        except FbsError as exc:
            if exc.reason is FbsErrorReason.REFUSED:
                return self._refused(item, exc.message or exc.reason.value, {})
            return self._retry(item, f"{exc.reason.value}: {exc.message}")
        by_fee = {r.fee_id: r for r in results}
        fees = {c.id: self._fee_state(by_fee.get(c.id)) for c in claims}
        if all(state == "registered" for state in fees.values()):
            with self.engine.begin() as conn:
                move(
                    conn,
                    OUTBOX,
                    item.id,
                    "done",
                    done_at=now,
                    attempts=item.attempts + 1,
                    last_error=None,
                    result={r.fee_id: r.confirmation_id for r in results},
                    # registered: a CPR as the patron id is no longer needed in clear
                    payload={**payload, "patron_id": shown(str(payload["patron_id"]))},
                    lease_owner=None,
                    lease_until=None,
                )
            return Delivery(item.id, item.session_id, "done", fees)
        refusals = [r for r in results if r.status is RegistrationStatus.REFUSED]
        if refusals:
            said = dict.fromkeys(r.message for r in refusals if r.message)  # each once, in order
            return self._refused(item, "; ".join(said), fees)
        return self._retry(
            item,
            "FBS did not register: " + ", ".join(f"{r.fee_id}={r.status.value}" for r in results),
            fees,
        )

    @staticmethod
    def _fee_state(result: FeeRegistration | None) -> str:
        if result is None:
            return "pending"
        if result.settled:
            return "registered"
        if result.status is RegistrationStatus.REFUSED:
            return "follow_up"
        return "pending"

    def _refused(self, item: OutboxItem, reason: str, fees: dict[str, str]) -> Delivery:
        """Refused: tried again after ``refused_retry``, the last time at the end of
        ``refused_retry_for``; a refusal then parks it (no next attempt) for a person."""
        now = self.clock.now()
        last_try = item.created_at + self.refused_retry_for
        if now >= last_try:
            log.warning("FBS refused registration %s again: %s; no more retries, it waits on the"
                        " follow-up list", item.idempotency_key, reason)
            state, next_at = "parked", None
        else:
            log.warning("FBS refused registration %s: %s", item.idempotency_key, reason)
            state, next_at = "refused", min(now + self.refused_retry, last_try)
        self._write(item, state, reason, next_at)
        fees = {k: ("follow_up" if v != "registered" else v) for k, v in fees.items()}
        return Delivery(item.id, item.session_id, state, fees, reason)

    def _retry(self, item: OutboxItem, error: str, fees: dict[str, str] | None = None) -> Delivery:
        log.info("FBS registration %s will be retried: %s", item.idempotency_key, error)
        next_at = self.clock.now() + backoff(item.attempts, self.max_backoff)
        self._write(item, item.state, error, next_at)
        return Delivery(item.id, item.session_id, item.state, fees or {}, error)

    def _write(self, item: OutboxItem, state: str, error: str, next_at: datetime | None) -> None:
        with self.engine.begin() as conn:
            move(
                conn,
                OUTBOX,
                item.id,
                state,
                attempts=item.attempts + 1,
                last_error=error[:2000],
                next_attempt_at=next_at,
                lease_owner=None,
                lease_until=None,
            )
