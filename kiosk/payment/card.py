"""Paying by card: one attempt at a time, written pending before the terminal is asked.

A :class:`CardAttempt` is what the ledger and the terminal know of one authorisation (its tender,
its reference, its amount); resolving a lost outcome reads it instead of working it out again.
The terminal's answer comes back on the session worker: approved money counts (recorded, or held
while the ledger fails), declined or aborted asks for another method (or ends the session if the
citizen had cancelled), and an unknown outcome is asked of the terminal, never guessed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from drivers.base import CardOutcome, CardResult
from kiosk.ledger.errors import LedgerUnavailable
from kiosk.money import Money
from kiosk.payment.hold import Unrecorded
from kiosk.payment.parts import SessionParts
from kiosk.payment.states import Event
from kiosk.payment.tally import method_of

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CardAttempt:
    tender_id: int
    reference: str  # the transaction reference and the attempt's number: K…-2
    amount: Money


class CardDesk:
    """The card steps of one session (it owns the state; this only acts on it)."""

    def __init__(self, session: SessionParts) -> None:
        self.s = session
        self.attempt: CardAttempt | None = None
        self.in_flight = False  # the terminal has the citizen: cancel asks it, timeout waits
        self.cancel_requested = False

    def reset(self) -> None:
        self.attempt, self.in_flight, self.cancel_requested = None, False, False

    def choose(self) -> None:
        s = self.s
        if not s.devices.card_ok:
            s.message = "card_unavailable"
            return s._notify()
        if not s._begin_tender("card"):
            return
        terminal = s.devices.terminal
        assert terminal is not None and s.session_id and s.plan
        amount = s.total - s.received
        methods = {method_of(kind) for kind, _ in s.tenders}
        reference = f"{s.plan.transaction_ref}-{len(methods) + 1}"
        try:
            tender = s.journal.start_card(s.session_id, amount, reference, terminal.name)
        except LedgerUnavailable as exc:
            return s._ledger_failed(exc)  # the terminal was not asked: no money moved
        self.attempt = CardAttempt(tender, reference, amount)
        self.in_flight = True
        s._notify()
        s.runner.submit(lambda: terminal.authorise(amount.ore, reference), self.done)

    def cancel(self) -> None:
        """The citizen cancels while the terminal has them: ask it to abort; its answer ends it."""
        assert self.s.devices.terminal is not None
        self.cancel_requested = True
        self.s.devices.terminal.cancel()

    def done(self, result: CardResult | None, error: BaseException | None) -> None:
        s, attempt = self.s, self.attempt
        assert attempt is not None
        self.in_flight = False
        s.card_prompt = ""
        if error is not None or result is None:
            log.error("card terminal failed: %s", error)
            result = CardResult(CardOutcome.OUTCOME_UNKNOWN, 0, "")
        if result.outcome is CardOutcome.APPROVED:
            return self._approved(attempt, result)
        if result.outcome is CardOutcome.OUTCOME_UNKNOWN:
            try:
                s.journal.finish_card(attempt.tender_id, "outcome_unknown")
            except LedgerUnavailable as exc:
                # the row stays 'pending', which recovery treats alike: ask the terminal
                log.error("could not mark card tender %s unknown: %s", attempt.tender_id, exc)
            return self._ask(attempt)
        written = s._try_write(
            Unrecorded("card_result", Money(0), s.clock.now(), str(attempt.tender_id),
                       lambda: s.journal.finish_card(attempt.tender_id, "declined"))
        )
        if not written:
            return s._notify()
        s.message = "card_declined" if result.outcome is CardOutcome.DECLINED else "card_aborted"
        if self.cancel_requested:
            return s._cancel_with_money(Event.CANCEL)
        s._fire(Event.TENDER_FAILED)
        s._notify()

    def _approved(self, attempt: CardAttempt, result: CardResult) -> None:
        """The terminal took the money: it counts, recorded now or held for a retry (counted
        first, as for cash, so the fault's own view shows it)."""
        s = self.s
        s.add_tender("card", Money(result.amount_ore))
        written = s._try_write(
            Unrecorded(
                "card",
                Money(result.amount_ore),
                s.clock.now(),
                result.terminal_ref,
                lambda: s.journal.finish_card(
                    attempt.tender_id, "received", result.terminal_ref, result.receipt_text
                ),
                receipt_text=result.receipt_text,
            )
        )
        if not written:
            return s._notify()
        s._complete()
        s._notify()

    def _ask(self, attempt: CardAttempt) -> None:
        """The link dropped mid-authorisation: ask the terminal; never guess. Meanwhile the
        session waits as for the authorisation itself: a cancel asks the terminal to abort, a
        timeout waits, and an approval that comes back still pays."""
        s, terminal = self.s, self.s.devices.terminal
        assert terminal is not None
        s.message = "card_checking"
        self.in_flight = True
        s._notify()

        def resolved(result: CardResult | None, error: BaseException | None) -> None:
            if error is None and result and result.outcome is not CardOutcome.OUTCOME_UNKNOWN:
                return self.done(result, None)
            # still unknown: the tender stays open in the ledger; if the citizen now gives up,
            # recovery asks the terminal again at the next start (and credits an approval)
            self.in_flight = False
            s.message = "card_unknown"
            s._notify()

        s.runner.submit(lambda: terminal.resolve(attempt.reference, attempt.amount.ore), resolved)
