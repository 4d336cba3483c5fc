"""Recovery at start-up: every session interrupted in any state completes or is resolved.

- a card payment whose outcome is unknown (or that was asked for just before the crash) is asked
  of the terminal: approved counts as received, declined or aborted does not; if the terminal
  still cannot say, the session stays open and is tried again at the next start;
- money received for a committed plan that covers the plan is settled (the citizen paid);
- money received otherwise (no plan, or not enough) becomes a credit bon;
- a session that was already settled is simply ended; one without money is ended.
The outbox then resumes delivering whatever is pending.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select

from drivers.base import CardOutcome, CardTerminal
from kiosk.ledger.models import TERMINAL_SESSION_STATES, Allocation, CitizenSession, Tender
from kiosk.money import Money
from kiosk.payment.journal import PaymentJournal, Settlement
from kiosk.payment.plan import PaymentPlan

log = logging.getLogger(__name__)


@dataclass
class RecoveryReport:
    settled: list[str] = field(default_factory=list)
    credited: list[str] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)  # card outcome still unknown

    @property
    def touched(self) -> int:
        return len(self.settled) + len(self.credited) + len(self.ended) + len(self.unresolved)


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
        if not _resolve_cards(engine, journal, session_id, terminal):
            report.unresolved.append(session_id)
            continue
        _recover_session(engine, journal, session_id, plan_json, report)
    if report.touched:
        log.warning(
            "recovery: %d settled, %d credited, %d ended, %d unresolved",
            len(report.settled),
            len(report.credited),
            len(report.ended),
            len(report.unresolved),
        )
    return report


def _resolve_cards(
    engine: Engine, journal: PaymentJournal, session_id: str, terminal: CardTerminal | None
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
            journal.finish_card(tender_id, "received", result.terminal_ref, result.receipt_text)
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
        tenders = conn.execute(
            select(Tender.kind, Tender.amount_ore).where(
                Tender.session_id == session_id, Tender.state == "received"
            )
        ).all()
    received = Money(sum(int(a) for _, a in tenders))
    if settled:
        journal.end(session_id, "recovered", "settled before restart")
        report.ended.append(session_id)
        return
    if not received:
        journal.end(session_id, "recovered", "interrupted, no money received")
        report.ended.append(session_id)
        return
    if plan_json:
        plan = PaymentPlan.from_json(plan_json)
        cash = Money(sum(int(a) for k, a in tenders if k in ("coin", "note")))
        other = received - cash
        rest = plan.total - other
        target = other + rest.cash_rounded() if (cash and rest.ore > 0) else plan.total
        if received >= target and (plan.cpr or not plan.debtor_claims):
            kinds = {"cash" if k in ("coin", "note") else k for k, _ in tenders}
            settlement = Settlement(
                rounding=target - plan.total,
                credit_reason="remainder" if "bon" in kinds else "automat_credit",
                method=next(iter(kinds)) if len(kinds) == 1 else "mixed",
            )
            journal.settle(session_id, plan, settlement)
            journal.end(session_id, "recovered", "settled at restart")
            report.settled.append(session_id)
            return
    journal.credit_and_end(session_id, "recovered", "credited at restart")
    report.credited.append(session_id)
