"""Recovery at start-up: every session interrupted in any state completes or is resolved.

- a card payment whose outcome is unknown (or that was asked for just before the crash) is asked
  of the terminal: approved counts as received, declined or aborted does not; if the terminal
  still cannot say, the session stays open and is tried again at the next start;
- money received for a committed plan that covers the plan is settled (the citizen paid);
- money received otherwise (no plan, or not enough) becomes a credit bon;
- a session that was already settled is simply ended; one without money is ended;
- a finished session still holding money no bon covers (a coin recorded late by an older version,
  a card approval the terminal confirms only now for a session the citizen gave up on) gets a
  credit bon for it, and so does a card payment left unresolved in a finished session.
Every bon recovery issues is in the report, to be printed: a citizen may still be standing there.
The outbox then resumes delivering whatever is pending.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select

from drivers.base import CardOutcome, CardTerminal
from kiosk.ledger.audit import unaccounted
from kiosk.ledger.models import TERMINAL_SESSION_STATES, Allocation, CitizenSession, Tender
from kiosk.money import Money
from kiosk.payment.journal import PaymentJournal
from kiosk.payment.plan import PaymentPlan
from kiosk.payment.tally import settlement

log = logging.getLogger(__name__)


@dataclass
class RecoveryReport:
    settled: list[str] = field(default_factory=list)
    credited: list[str] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)  # card outcome still unknown
    #: finished sessions whose leftover money recovery credited
    leftovers: list[str] = field(default_factory=list)
    bons: list[Any] = field(default_factory=list)  # tickets of every bon recovery issued

    @property
    def touched(self) -> int:
        return (
            len(self.settled)
            + len(self.credited)
            + len(self.ended)
            + len(self.unresolved)
            + len(self.leftovers)
        )

    def keep(self, ticket: Any) -> None:
        if ticket is not None:
            self.bons.append(ticket)


def recover(
    engine: Engine,
    journal: PaymentJournal,
    automat_id: str,
    terminal: CardTerminal | None = None,
) -> RecoveryReport:
    report = RecoveryReport()
    with engine.connect() as conn:
        open_sessions = conn.execute(
            select(CitizenSession.id, CitizenSession.plan).where(
                CitizenSession.automat_id == automat_id,
                CitizenSession.state.not_in(TERMINAL_SESSION_STATES),
            )
        ).all()
    for session_id, plan_json in open_sessions:
        if not _resolve_cards(engine, journal, session_id, terminal, report):
            report.unresolved.append(session_id)
            continue
        _recover_session(engine, journal, session_id, plan_json, report)
    _credit_finished(engine, journal, automat_id, terminal, report)
    if report.touched:
        log.warning(
            "recovery: %d settled, %d credited, %d ended, %d unresolved, %d leftovers credited",
            len(report.settled),
            len(report.credited),
            len(report.ended),
            len(report.unresolved),
            len(report.leftovers),
        )
    return report


def _credit_finished(
    engine: Engine,
    journal: PaymentJournal,
    automat_id: str,
    terminal: CardTerminal | None,
    report: RecoveryReport,
) -> None:
    """Finished sessions: card payments still unresolved are asked for (an approval is credited
    by ``finish_card``); money left over beyond settlement and bons becomes a bon."""
    with engine.connect() as conn:
        finished = set(
            conn.scalars(
                select(Tender.session_id)
                .join(CitizenSession, CitizenSession.id == Tender.session_id)
                .where(
                    CitizenSession.automat_id == automat_id,
                    CitizenSession.state.in_(TERMINAL_SESSION_STATES),
                    Tender.kind == "card",
                    Tender.state.in_(("pending", "outcome_unknown")),
                )
            )
        )
    for session_id in sorted(finished):
        if not _resolve_cards(engine, journal, session_id, terminal, report):
            report.unresolved.append(session_id)
    held = unaccounted(engine, automat_id)
    if not held:
        return
    with engine.connect() as conn:
        closed = set(
            conn.scalars(
                select(CitizenSession.id).where(
                    CitizenSession.id.in_(list(held)),
                    CitizenSession.state.in_(TERMINAL_SESSION_STATES),
                )
            )
        )
    for session_id in sorted(closed):
        ticket = journal.credit_excess(session_id)
        if ticket is not None:
            log.warning("recovery: %d øre left in finished session %s credited",
                        held[session_id], session_id)
            report.leftovers.append(session_id)
            report.keep(ticket)


def _resolve_cards(
    engine: Engine,
    journal: PaymentJournal,
    session_id: str,
    terminal: CardTerminal | None,
    report: RecoveryReport,
) -> bool:
    with engine.connect() as conn:
        open_cards = conn.execute(
            select(Tender.id, Tender.reference, Tender.amount_ore, Tender.resolve_token).where(
                Tender.session_id == session_id,
                Tender.kind == "card",
                Tender.state.in_(("pending", "outcome_unknown")),
            )
        ).all()
    for tender_id, reference, amount, token in open_cards:
        if terminal is None:
            return False
        try:
            if token:  # what the driver recorded before it authorised (it forgot at the restart)
                result = terminal.resolve(reference or "", int(amount), token)
            else:
                result = terminal.resolve(reference or "", int(amount))
        except Exception as exc:
            log.warning("card outcome of session %s still unknown: %s", session_id, exc)
            return False
        if result.outcome is CardOutcome.OUTCOME_UNKNOWN:
            return False
        if result.outcome is CardOutcome.APPROVED:
            report.keep(
                journal.finish_card(tender_id, "received", result.terminal_ref, result.receipt_text)
            )
        else:
            journal.finish_card(tender_id, "declined")
    return True


def _recover_session(
    engine: Engine,
    journal: PaymentJournal,
    session_id: str,
    plan_json: dict | None,
    report: RecoveryReport,
) -> None:
    with engine.connect() as conn:
        settled = conn.scalar(
            select(func.count()).select_from(Allocation).where(Allocation.session_id == session_id)
        )
        tenders = [
            (kind, Money(int(amount)))
            for kind, amount in conn.execute(
                select(Tender.kind, Tender.amount_ore)
                .where(Tender.session_id == session_id, Tender.state == "received")
                .order_by(Tender.id)
            )
        ]
    if settled:  # anything that came after the settlement becomes a bon of its own
        report.keep(journal.credit_and_end(session_id, "recovered", "settled before restart"))
        report.ended.append(session_id)
        return
    if not tenders:
        journal.end(session_id, "recovered", "interrupted, no money received")
        report.ended.append(session_id)
        return
    if plan_json:  # settled as the session would have, by the same arithmetic
        plan = PaymentPlan.from_json(plan_json)
        how = settlement(plan.total, tenders)
        if how is not None and (plan.cpr or not plan.debtor_claims):
            report.keep(journal.settle(session_id, plan, how))
            journal.end(session_id, "recovered", "settled at restart")
            report.settled.append(session_id)
            return
    report.keep(journal.credit_and_end(session_id, "recovered", "credited at restart"))
    report.credited.append(session_id)
