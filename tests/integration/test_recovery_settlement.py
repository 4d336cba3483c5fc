"""What ``recover()`` computes for each session a crash can leave behind, in process.

The SIGKILL proofs (test_crash_recovery.py) kill a real session at each journal point with one
set of claims and amounts; here the ledger is written the way the journal leaves it at those
points, with amounts chosen so that every rule of the restart's settlement shows: cash rounding
down as well as up, card or bon paying part and cash the rest, a bon overpaying, money short of
the plan, debtor claims without the CPR, money recorded after the settlement, a card outcome the
terminal answers (or not) at the restart, and another automat's sessions. Each case checks the
amounts booked and credited (and why), the debtor file's payment method, the session's end in
the ledger, and what the report lists. Found by mutation testing (docs/mutation.md).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, select

from drivers.base import CardOutcome, CardResult
from kiosk.clock import FakeClock
from kiosk.domain import PayableIn
from kiosk.ledger.audit import run_audit
from kiosk.ledger.models import Allocation, Bon, CitizenSession, OutboxItem, Tender
from kiosk.ledger.repository import Ledger, TenderEvent
from kiosk.money import Money
from kiosk.payment.journal import PaymentJournal, Settlement
from kiosk.payment.plan import PaymentPlan, PlannedClaim
from kiosk.payment.recovery import RecoveryReport, recover
from tests.payment_fakes import FakeTerminal, TestBonIssuer, claim

AUTOMAT = "test-01"
CPR_DIGITS = "0101901234"
#: two debtor claims for 37.20 in all: cash pays 37.00 (rounded down), card pays 37.20
DEBTOR = (
    claim("201", "20.00", PayableIn.DEBTOR, date(2021, 1, 10)),
    claim("202", "17.20", PayableIn.DEBTOR, date(2022, 5, 10)),
)
#: one FBS claim of 12.80: cash pays 13.00 (rounded up)
FBS = (claim("101", "12.80", PayableIn.FBS, date(2019, 3, 1)),)


class ScriptedTerminal(FakeTerminal):
    """Answers ``resolve`` with the outcome set, records what it was asked (with the token)."""

    def __init__(self, outcome: CardOutcome = CardOutcome.APPROVED) -> None:
        super().__init__()
        self.resolve_outcome = outcome
        self.asked: list[tuple[str, int, str | None]] = []

    def resolve(  # type: ignore[override]
        self, reference: str, amount_ore: int, token: str | None = None
    ) -> CardResult:
        self.asked.append((reference, amount_ore, token))
        return CardResult(self.resolve_outcome, amount_ore, reference, "T-" + reference, "SLIP")


class Rig:
    def __init__(self, engine: Engine, automat: str = AUTOMAT) -> None:
        self.engine = engine
        self.clock = FakeClock()
        self.ledger = Ledger(engine, automat, self.clock)
        self.journal = PaymentJournal(
            engine, automat, self.clock, TestBonIssuer(), {"fee": "BIBGEB"}
        )

    def session(self, claims: tuple[Any, ...] = DEBTOR, cpr: str | None = CPR_DIGITS) -> str:
        """A session with its plan committed (the journal point before any money)."""
        session_id = self.ledger.open_session()
        plan = PaymentPlan(
            transaction_ref="K" + session_id[:8].upper(),
            patron_id="P1",
            claims=tuple(PlannedClaim.of(c) for c in claims),
            cpr=cpr,
        )
        self.journal.commit_plan(session_id, plan, "paying")
        return session_id

    def pay(self, session_id: str, kind: str, *amounts: int) -> None:
        for ore in amounts:
            self.ledger.record_tender(TenderEvent(session_id, kind, Money(ore), Money(ore)))

    def recover(self, terminal: Any = None) -> RecoveryReport:
        return recover(self.engine, self.journal, AUTOMAT, terminal)

    def rows(self, model: type, session_id: str) -> list[Any]:
        column = model.origin_session_id if model is Bon else model.session_id
        with self.engine.connect() as conn:
            return list(conn.execute(select(model).where(column == session_id)).all())

    def allocations(self, session_id: str) -> dict[tuple[str, str | None], int]:
        return {(r.kind, r.claim_id): r.amount_ore for r in self.rows(Allocation, session_id)}

    def bons(self, session_id: str) -> list[tuple[int, str]]:
        return sorted((r.amount_ore, r.reason) for r in self.rows(Bon, session_id))

    def methods(self, session_id: str) -> set[str]:
        return {r.payload["method"] for r in self.rows(OutboxItem, session_id)
                if r.kind == "debtor_item"}

    def end(self, session_id: str) -> tuple[str, str | None]:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(CitizenSession.state, CitizenSession.end_reason).where(
                    CitizenSession.id == session_id
                )
            ).one()
        return row.state, row.end_reason

    def clean(self) -> bool:
        report = run_audit(self.engine)
        return report.clean and not report.open_sessions


SETTLED_AT_RESTART = ("recovered", "settled at restart")
CREDITED_AT_RESTART = ("recovered", "credited at restart")


def test_cash_covering_a_total_that_rounds_down_is_settled_with_its_rounding(
    engine: Engine,
) -> None:
    rig = Rig(engine)
    sid = rig.session()
    rig.pay(sid, "coin", 2000, 1000, 500, 200)  # 37.00 for 37.20
    report = rig.recover()
    assert report.settled == [sid] and report.credited == [] and report.bons == []
    assert rig.allocations(sid) == {
        ("claim", "201"): 2000, ("claim", "202"): 1720, ("cash_rounding", None): -20
    }
    assert rig.bons(sid) == []
    assert rig.methods(sid) == {"cash"}
    assert rig.end(sid) == SETTLED_AT_RESTART
    assert rig.clean()


def test_cash_over_a_total_that_rounds_up_books_the_rounding_and_credits_the_rest(
    engine: Engine,
) -> None:
    rig = Rig(engine)
    sid = rig.session(FBS, cpr=None)
    rig.pay(sid, "coin", 1000, 500)  # 15.00 for 12.80: 13.00 due in cash
    report = rig.recover()
    assert report.settled == [sid]
    assert [t["amount"] for t in report.bons] == [Money(200)]
    assert rig.allocations(sid) == {("claim", "101"): 1280, ("cash_rounding", None): 20}
    assert rig.bons(sid) == [(200, "automat_credit")]
    assert rig.clean()


def test_cash_short_of_the_rounded_total_is_credited(engine: Engine) -> None:
    rig = Rig(engine)
    sid = rig.session(FBS, cpr=None)
    rig.pay(sid, "coin", 1000, 200, 50)  # 12.50: 13.00 is due in cash
    report = rig.recover()
    assert report.credited == [sid] and report.settled == []
    assert [t["amount"] for t in report.bons] == [Money(1250)]
    assert rig.allocations(sid) == {}
    assert rig.bons(sid) == [(1250, "automat_credit")]
    assert rig.end(sid) == CREDITED_AT_RESTART
    assert rig.clean()


def test_card_then_cash_rounds_only_the_cash_part(engine: Engine) -> None:
    rig = Rig(engine)
    sid = rig.session()
    rig.pay(sid, "card", 2000)
    rig.pay(sid, "coin", 1000, 500, 200)  # 17.00: the rest of 17.20 rounded down
    report = rig.recover()
    assert report.settled == [sid]
    assert rig.allocations(sid)[("cash_rounding", None)] == -20
    assert rig.bons(sid) == []
    assert rig.methods(sid) == {"mixed"}
    assert rig.clean()


def test_card_paying_all_but_cash_already_in_settles_at_the_exact_total(engine: Engine) -> None:
    """Cash first, then a card for the exact rest (as the session asks it): no rounding."""
    rig = Rig(engine)
    sid = rig.session()
    rig.pay(sid, "coin", 2000)
    rig.pay(sid, "card", 1720)
    rig.recover()
    assert rig.allocations(sid) == {("claim", "201"): 2000, ("claim", "202"): 1720}
    assert rig.methods(sid) == {"mixed"}
    assert rig.clean()


def test_card_alone_settles_exactly_and_names_the_card(engine: Engine) -> None:
    rig = Rig(engine)
    sid = rig.session()
    rig.pay(sid, "card", 3720)
    report = rig.recover()
    assert report.settled == [sid]
    assert rig.allocations(sid) == {("claim", "201"): 2000, ("claim", "202"): 1720}
    assert rig.methods(sid) == {"card"}
    assert rig.clean()


def test_a_bon_overpaying_leaves_a_remainder_bon(engine: Engine) -> None:
    rig = Rig(engine)
    sid = rig.session()
    rig.pay(sid, "bon", 5000)
    report = rig.recover()
    assert report.settled == [sid]
    assert rig.bons(sid) == [(1280, "remainder")]
    assert rig.methods(sid) == {"bon"}
    assert ("cash_rounding", None) not in rig.allocations(sid)
    assert rig.clean()


def test_debtor_claims_without_the_cpr_are_credited_not_settled(engine: Engine) -> None:
    """The debtor file needs the CPR; a plan without it cannot be exported, so the money comes
    back as a bon instead of claims the municipality would never hear of."""
    rig = Rig(engine)
    sid = rig.session(DEBTOR, cpr=None)
    rig.pay(sid, "card", 3720)
    report = rig.recover()
    assert report.credited == [sid]
    assert rig.allocations(sid) == {} and rig.rows(OutboxItem, sid) == []
    assert rig.bons(sid) == [(3720, "automat_credit")]
    assert rig.clean()


def test_money_without_a_plan_is_credited(engine: Engine) -> None:
    rig = Rig(engine)
    sid = rig.ledger.open_session()
    rig.pay(sid, "coin", 500)
    report = rig.recover()
    assert report.credited == [sid]
    assert rig.bons(sid) == [(500, "automat_credit")]
    assert rig.end(sid) == CREDITED_AT_RESTART
    assert rig.clean()


def test_a_session_without_money_is_ended_and_nothing_else(engine: Engine) -> None:
    rig = Rig(engine)
    sid = rig.session()
    report = rig.recover()
    assert report.ended == [sid] and report.bons == [] and report.touched == 1
    assert rig.end(sid) == ("recovered", "interrupted, no money received")
    assert rig.clean()


def test_money_recorded_after_the_settlement_becomes_a_bon_of_its_own(engine: Engine) -> None:
    rig = Rig(engine)
    sid = rig.session(FBS, cpr=None)
    rig.pay(sid, "card", 1280)
    plan = PaymentPlan("KX", "P1", tuple(PlannedClaim.of(c) for c in FBS))
    rig.journal.settle(sid, plan, Settlement(Money(0), "automat_credit", "card"))
    rig.pay(sid, "coin", 1000)  # a coin after the settlement, before the end (older ledger)
    report = rig.recover()
    assert report.ended == [sid] and report.settled == []
    assert [t["amount"] for t in report.bons] == [Money(1000)]
    assert rig.allocations(sid) == {("claim", "101"): 1280}
    assert rig.end(sid) == ("recovered", "settled before restart")
    assert rig.clean()


@pytest.mark.parametrize(
    ("outcome", "ends"),
    [(CardOutcome.APPROVED, "settled"), (CardOutcome.DECLINED, "ended")],
)
def test_a_pending_card_is_asked_with_its_token_and_only_an_approval_counts(
    engine: Engine, outcome: CardOutcome, ends: str
) -> None:
    rig = Rig(engine)
    sid = rig.session()
    card = rig.journal.start_card(sid, Money(3720), "KREF-1", "terminal")
    rig.journal.note_card_token("KREF-1", "zvt-trace:000042:3720")
    terminal = ScriptedTerminal(outcome)
    report = rig.recover(terminal)
    assert terminal.asked == [("KREF-1", 3720, "zvt-trace:000042:3720")]
    assert getattr(report, ends) == [sid]
    (tender,) = rig.rows(Tender, sid)
    assert tender.id == card
    if outcome is CardOutcome.APPROVED:
        assert (tender.state, tender.reference) == ("received", "T-KREF-1")
        assert tender.receipt_text == "SLIP"  # the terminal's slip text is the card's record
        assert sum(rig.allocations(sid).values()) == 3720
    else:
        assert tender.state == "declined" and rig.allocations(sid) == {}
    assert rig.clean()


def test_a_card_without_token_is_asked_without_one(engine: Engine) -> None:
    rig = Rig(engine)
    sid = rig.session()
    rig.journal.start_card(sid, Money(3720), "KREF-2", "terminal")
    terminal = ScriptedTerminal()
    rig.recover(terminal)
    assert terminal.asked == [("KREF-2", 3720, None)]


class SilentTerminal(ScriptedTerminal):
    def resolve(  # type: ignore[override]
        self, reference: str, amount_ore: int, token: str | None = None
    ) -> CardResult:
        raise OSError("terminal not answering")


@pytest.mark.parametrize(
    "terminal", [None, ScriptedTerminal(CardOutcome.OUTCOME_UNKNOWN), SilentTerminal()],
    ids=["no terminal", "still unknown", "not answering"],
)
def test_a_card_nobody_can_answer_for_keeps_its_session_open(engine: Engine, terminal: Any) -> None:
    rig = Rig(engine)
    sid = rig.session()
    rig.pay(sid, "coin", 2000)
    rig.journal.start_card(sid, Money(1720), "KREF-3", "terminal")
    report = rig.recover(terminal)
    assert report.unresolved == [sid]
    assert report.credited == report.settled == report.ended == [] and report.bons == []
    assert rig.end(sid) == ("paying", None)  # open: asked again at the next start
    assert rig.bons(sid) == []


def test_a_card_left_open_in_a_finished_session_is_asked_and_an_approval_credited(
    engine: Engine,
) -> None:
    rig = Rig(engine)
    sid = rig.session()
    rig.pay(sid, "coin", 500)
    rig.journal.start_card(sid, Money(3220), "KREF-4", "terminal")
    rig.journal.credit_and_end(sid, "cancelled", "cancel")  # the citizen gave up: 5 kr. bon
    terminal = ScriptedTerminal(CardOutcome.APPROVED)
    report = rig.recover(terminal)
    assert terminal.asked == [("KREF-4", 3220, None)]
    assert [t["amount"] for t in report.bons] == [Money(3220)]
    assert rig.bons(sid) == [(500, "automat_credit"), (3220, "automat_credit")]
    assert report.unresolved == [] and rig.end(sid) == ("cancelled", "cancel")
    assert rig.clean()


def test_a_card_left_open_in_a_finished_session_nobody_answers_for_is_reported(
    engine: Engine,
) -> None:
    rig = Rig(engine)
    sid = rig.session()
    rig.journal.start_card(sid, Money(3720), "KREF-5", "terminal")
    rig.journal.end(sid, "timed_out", "timeout")
    report = rig.recover(None)
    assert report.unresolved == [sid] and report.bons == []


def test_a_finished_session_holding_money_gets_a_bon_and_is_listed(engine: Engine) -> None:
    rig = Rig(engine)
    sid = rig.session()
    rig.journal.credit_and_end(sid, "cancelled", "cancel")
    rig.pay(sid, "coin", 1000)  # recorded after the end by a version that did not credit it
    report = rig.recover()
    assert report.leftovers == [sid] and report.touched == 1
    assert [t["amount"] for t in report.bons] == [Money(1000)]
    assert rig.bons(sid) == [(1000, "automat_credit")]
    assert rig.end(sid) == ("cancelled", "cancel")
    again = rig.recover()
    assert again.touched == 0 and again.bons == []


def test_another_automats_sessions_are_left_to_it(engine: Engine) -> None:
    here, there = Rig(engine), Rig(engine, "test-02")
    sid = there.session()
    there.pay(sid, "coin", 5000)
    ended = there.session()
    there.journal.credit_and_end(ended, "cancelled", "cancel")
    there.pay(ended, "coin", 1000)
    gave_up = there.session()
    there.journal.start_card(gave_up, Money(3720), "KTHERE-1", "terminal")
    there.journal.end(gave_up, "timed_out", "timeout")
    terminal = ScriptedTerminal()
    report = here.recover(terminal)
    assert terminal.asked == []  # this automat's terminal knows nothing of that payment
    assert report.touched == 0 and report.bons == []
    mine = here.session()  # this automat holds leftover money too: only its own is credited
    here.journal.credit_and_end(mine, "cancelled", "cancel")
    here.pay(mine, "coin", 200)
    report = here.recover(terminal)
    assert report.leftovers == [mine] and here.bons(mine) == [(200, "automat_credit")]
    assert here.end(sid) == ("paying", None)
    assert here.bons(ended) == []


def test_several_interrupted_sessions_are_each_settled_on_their_own_money(
    engine: Engine,
) -> None:
    rig = Rig(engine)
    short = rig.session(FBS, cpr=None)
    rig.pay(short, "coin", 1000)  # 10.00 for 12.80
    paid = rig.session()
    rig.pay(paid, "card", 3720)
    finished = rig.session(FBS, cpr=None)
    rig.pay(finished, "coin", 2000, 2000)
    rig.journal.credit_and_end(finished, "cancelled", "cancel")  # 40.00 credited before
    report = rig.recover()
    assert report.settled == [paid] and report.credited == [short]
    assert rig.bons(short) == [(1000, "automat_credit")]
    assert rig.bons(paid) == [] and sum(rig.allocations(paid).values()) == 3720
    assert rig.bons(finished) == [(4000, "automat_credit")]
    assert rig.clean()


def test_a_note_is_cash_rounded_like_coins(engine: Engine) -> None:
    rig = Rig(engine)
    sid = rig.session()
    rig.pay(sid, "note", 5000)  # 50.00 for 37.20: 37.00 due in cash
    rig.recover()
    assert rig.allocations(sid)[("cash_rounding", None)] == -20
    assert rig.bons(sid) == [(1300, "automat_credit")]
    assert rig.methods(sid) == {"cash"}
    assert rig.clean()


def test_a_bon_short_of_the_total_by_less_than_rounding_is_credited_not_rounded(
    engine: Engine,
) -> None:
    """Cash rounding is for cash: a bon 20 øre short with no coin is not a payment of 37.20."""
    rig = Rig(engine)
    sid = rig.session()
    rig.pay(sid, "bon", 3700)
    report = rig.recover()
    assert report.credited == [sid]
    assert rig.allocations(sid) == {}
    assert rig.bons(sid) == [(3700, "automat_credit")]
    assert rig.clean()


def test_one_ore_left_after_a_bon_is_rounded_away_when_cash_follows(engine: Engine) -> None:
    """The session asks cash for the rest rounded to 50 øre, which for 1 øre is nothing; a coin
    that came anyway pays it, and the rest of the coin is the bon's remainder."""
    rig = Rig(engine)
    sid = rig.session()
    rig.pay(sid, "bon", 3719)
    rig.pay(sid, "coin", 50)
    rig.recover()
    assert rig.allocations(sid)[("cash_rounding", None)] == -1
    assert rig.bons(sid) == [(50, "remainder")]
    assert rig.methods(sid) == {"mixed"}
    assert rig.clean()


@pytest.mark.parametrize("card_first", [True, False], ids=["card first", "card last"])
def test_a_card_nobody_can_answer_for_keeps_only_its_own_session_open(
    engine: Engine, card_first: bool
) -> None:
    """Whichever the ledger lists first, the other sessions are still recovered."""
    rig = Rig(engine)
    if card_first:
        asking = rig.session()
        rig.journal.start_card(asking, Money(3720), "KREF-6", "terminal")
    short = rig.session(FBS, cpr=None)
    rig.pay(short, "coin", 1000)
    if not card_first:
        asking = rig.session()
        rig.journal.start_card(asking, Money(3720), "KREF-6", "terminal")
    terminal = ScriptedTerminal(CardOutcome.OUTCOME_UNKNOWN)
    report = rig.recover(terminal)
    assert report.unresolved == [asking] and report.credited == [short]
    assert terminal.asked == [("KREF-6", 3720, None)]  # asked once, for its own session
    assert rig.bons(short) == [(1000, "automat_credit")]
