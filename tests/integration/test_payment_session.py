"""The citizen session end to end against the ledger (SQLite and PostgreSQL), with in-memory
FBS and devices: every path that moves money, and what happens to money on cancel/timeout."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from drivers.base import CardOutcome, CardResult
from kiosk.config.model import CashSection
from kiosk.domain import LocalStatus
from kiosk.ledger.models import Allocation, Bon, CitizenSession, OutboxItem, Tender
from kiosk.money import Money
from kiosk.payment.selection import SelectionError
from kiosk.payment.states import State
from tests.payment_fakes import CPR, FakeTerminal, SessionRig, session_rig


@pytest.fixture
def world(engine: Engine) -> SessionRig:
    return session_rig(engine, bons="plain", cash=CashSection(max_overpay_ore=5000))


def test_claims_grouped_with_debtor_claims_oldest_first(world: SessionRig) -> None:
    world.login()
    s = world.session
    assert s.state is State.CLAIMS
    assert world.views[-1].by_cpr and world.views[-1].patron_name
    # everything payable here is preselected; the claim payable elsewhere is not
    assert s.selection.chosen == {"101", "102", "201", "202", "203"}
    s.toggle("202")  # dropping a debtor claim drops the newer ones too
    assert s.selection.chosen == {"101", "102", "201"}
    s.toggle("203")  # choosing the newest chooses every older one
    assert s.selection.chosen == {"101", "102", "201", "202", "203"}
    s.toggle("101")  # FBS claims are free to pick
    assert [c.id for c in s.selection.covers()] == ["102", "201", "202", "203"]
    with pytest.raises(SelectionError):
        s.toggle("301")


def test_library_card_without_cpr_cannot_pay_debtor_claims(world: SessionRig) -> None:
    world.login("3210519784", "0000")
    assert world.session.selection.chosen == {"101", "102"}
    with pytest.raises(SelectionError, match="health card or CPR"):
        world.session.toggle("201")


def test_card_payment_registers_fbs_and_queues_debtor_items(world: SessionRig) -> None:
    world.login()
    s = world.session
    s.pay()
    assert s.state is State.CHOOSING_TENDER
    s.choose_card()
    assert world.terminal.authorised == [(9730, s.plan.transaction_ref + "-1")]
    assert s.state is State.RECEIPT
    outbox = {r.kind: r for r in world.rows(OutboxItem)}
    assert len(world.rows(OutboxItem)) == 4  # 1 FBS registration + 3 debtor items
    debtor = [r for r in world.rows(OutboxItem) if r.kind == "debtor_item"]
    assert sorted(r.payload["claim_ref"] for r in debtor) == ["201", "202", "203"]
    assert all(r.payload["cpr"] == "0101901234" and r.payload["method"] == "card" for r in debtor)
    assert outbox["fbs_registration"].payload["fee_ids"] == ["101", "102"]
    deliveries = world.outbox.deliver_due()
    assert [d.state for d in deliveries] == ["done"]
    assert world.fbs.registered_fees == {"101": s.plan.fbs_order_id, "102": s.plan.fbs_order_id}
    s.finish_receipt()
    assert s.state is State.DONE
    assert world.audit_clean()
    # the CPR is gone from the session row once the session ended
    (session_row,) = world.rows(CitizenSession)
    assert "cpr" not in (session_row.plan or {})


def test_cash_with_rounding_and_credit_bon(world: SessionRig) -> None:
    world.login()
    s = world.session
    s.toggle("201")  # only the FBS claims: 20.00 + 17.30 = 37.30 → 37.50 in cash
    s.pay()
    s.choose_cash()
    assert world.coins.enabled >= {50, 2000} and 20000 in world.notes.enabled
    assert s.due == Money(3750)
    world.coins.insert(2000)
    world.coins.insert(1000)
    assert s.due == Money(750) and s.state is State.PAYING
    world.coins.insert(1000)  # 40.00 in: 2.50 over → credit bon
    assert s.state is State.RECEIPT
    assert world.coins.enabled == set()  # acceptors disabled once paid
    allocations = {(r.kind, r.claim_id): r.amount_ore for r in world.rows(Allocation)}
    assert allocations == {
        ("claim", "101"): 2000,
        ("claim", "102"): 1730,
        ("cash_rounding", None): 20,
    }
    (bon,) = world.rows(Bon)
    assert bon.amount_ore == 250 and bon.reason == "automat_credit"
    assert world.views[-1].credit_bon["amount"] == Money(250)
    s.finish_receipt()
    assert world.audit_clean()


def test_each_coin_and_note_is_recorded_with_its_denomination(world: SessionRig) -> None:
    """The Z-report counts the cash box by the tender rows' denominations."""
    world.login()
    s = world.session
    s.toggle("201")
    s.pay()
    s.choose_cash()
    world.coins.insert(2000)
    world.notes.insert(5000)
    rows = sorted((r.kind, r.amount_ore, r.denomination_ore, r.device)
                  for r in world.rows(Tender))
    assert rows == [("coin", 2000, 2000, "coins"), ("note", 5000, 5000, "notes")]


def test_a_coin_that_does_not_complete_the_payment_shows_no_credit_bon(world: SessionRig) -> None:
    world.login()
    s = world.session
    s.toggle("201")
    s.pay()
    s.choose_cash()
    world.coins.insert(1000)
    assert s.state is State.PAYING and world.views[-1].credit_bon is None
    assert world.rows(Bon) == []


def test_a_rejected_coin_is_said_and_a_device_going_down_is_shown(world: SessionRig) -> None:
    """A coin the acceptor refused: the screen says so. A device's health changing: the screen is
    told at once (it shows which methods work now)."""
    from drivers.base import Health, HealthChanged, Rejected

    world.login()
    s = world.session
    s.toggle("201")
    s.pay()
    s.choose_cash()
    s.on_device_event(Rejected("coins", "unknown coin"))
    assert world.views[-1].message == "cash_rejected" and s.received == Money(0)
    shown = len(world.views)
    world.terminal._health = Health.DOWN
    s.on_device_event(HealthChanged("terminal", Health.DOWN))
    assert len(world.views) == shown + 1 and "card" not in s.available_methods()


def test_note_that_overpays_too_much_is_returned_from_escrow(world: SessionRig) -> None:
    world.login()
    s = world.session
    s.toggle("101")
    s.toggle("201")  # 17.30 → 17.50 cash
    s.pay()
    s.choose_cash()
    world.notes.insert(20000)  # 182.50 over the 50 kr limit: returned
    assert world.notes.returned == [20000] and s.received == Money(0)
    assert world.views[-1].message == "note_too_large"
    world.notes.insert(5000)  # 32.50 over: accepted, becomes credit
    assert world.notes.stacked == [5000]
    assert s.state is State.RECEIPT
    assert world.rows(Bon)[0].amount_ore == 3250


def test_a_note_may_overpay_the_rounded_cash_amount_by_exactly_the_limit(engine: Engine) -> None:
    """The limit counts from what cash must bring (37.30 → 37.50), not from the exact total: a
    50 kr note is 12.50 over, which a 12.50 limit allows."""
    world = session_rig(engine, bons="plain", cash=CashSection(max_overpay_ore=1250))
    world.login()
    s = world.session
    s.toggle("201")  # 37.30 → 37.50 cash
    s.pay()
    s.choose_cash()
    world.notes.insert(5000)
    assert world.notes.stacked == [5000] and world.notes.returned == []
    assert s.state is State.RECEIPT and world.rows(Bon)[0].amount_ore == 1250


def test_a_note_in_escrow_while_the_card_terminal_has_the_citizen_is_returned(
    world: SessionRig,
) -> None:
    """A note the validator still held when the citizen chose card: the card pays, the note
    goes back."""
    from drivers.base import Escrow

    world.login()
    s = world.session
    s.toggle("201")
    s.pay()
    held: list[object] = []
    s.runner = type("Held", (), {"submit": lambda _self, work, done: held.append(work)})()
    s.choose_card()
    assert s.card.in_flight and s.state is State.PAYING
    world.notes.escrow_value = 5000
    s.on_device_event(Escrow("notes", 5000, ""))
    assert world.notes.returned == [5000] and world.notes.stacked == []
    assert s.received == Money(0)


def test_an_escrow_from_a_device_the_session_does_not_drive_changes_nothing(
    world: SessionRig,
) -> None:
    from drivers.base import Escrow

    world.login()
    s = world.session
    s.toggle("201")
    s.pay()
    s.choose_cash()
    s.on_device_event(Escrow("elsewhere", 5000, ""))
    assert s.state is State.PAYING and s.received == Money(0) and s.due == Money(3750)


def test_choosing_card_shows_the_card_screen_and_asks_the_terminal(world: SessionRig) -> None:
    world.login()
    s = world.session
    s.toggle("201")
    s.pay()
    held: list[object] = []
    s.runner = type("Held", (), {"submit": lambda _self, work, done: held.append(work)})()
    s.choose_card()
    assert s.view().method == "card" and s.state is State.PAYING and len(held) == 1
    assert s.plan is not None
    (tender,) = world.rows(Tender)  # written before the terminal is asked, naming it
    assert (tender.kind, tender.state, tender.amount_ore, tender.reference, tender.device) == (
        "card", "pending", 3730, f"{s.plan.transaction_ref}-1", "terminal")


def test_while_the_terminal_has_the_citizen_a_timeout_waits_and_a_cancel_asks_it(
    world: SessionRig,
) -> None:
    """The terminal is authorising: the session's timeout does not end the session under the
    citizen's hands, and a cancel asks the terminal to abort instead of ending it at once."""
    world.login()
    s = world.session
    s.toggle("201")
    s.pay()
    held: list[object] = []
    s.runner = type("Held", (), {"submit": lambda _self, work, done: held.append(work)})()
    s.choose_card()
    s.timeout()
    assert s.state is State.PAYING and world.terminal.cancelled == 0
    s.cancel()
    assert s.state is State.PAYING and world.terminal.cancelled == 1
    assert [r.state for r in world.rows(Tender)] == ["pending"]


def test_the_terminals_prompt_is_shown_until_it_answers(world: SessionRig) -> None:
    from drivers.base import CardPrompt

    world.login()
    s = world.session
    s.toggle("201")
    s.pay()
    answers: list[object] = []
    s.runner = type("Held", (), {"submit": lambda _self, work, done: answers.append(
        lambda: done(work(), None))})()
    world.terminal.outcome = CardOutcome.DECLINED
    s.choose_card()
    s.on_device_event(CardPrompt("terminal", "Indsæt kort"))
    assert s.view().card_prompt == "Indsæt kort"
    answers.pop(0)()  # type: ignore[operator]
    assert s.view().card_prompt == "" and s.view().message == "card_declined"


def test_an_aborted_card_says_so_and_offers_the_methods_again(world: SessionRig) -> None:
    world.login()
    s = world.session
    s.toggle("201")
    s.pay()
    world.terminal.outcome = CardOutcome.ABORTED
    s.choose_card()
    assert s.view().message == "card_aborted" and s.state is State.CHOOSING_TENDER
    assert [r.state for r in world.rows(Tender)] == ["declined"]


def test_a_terminal_that_answers_nothing_is_asked_what_became_of_the_payment(
    engine: Engine,
) -> None:
    """No result and no error from the terminal: an unknown outcome, never a guess; the
    terminal is asked, and the approval it then reports pays."""

    class Mute(FakeTerminal):
        def authorise(self, amount_ore: int, reference: str) -> CardResult:
            super().authorise(amount_ore, reference)
            return None  # type: ignore[return-value]

    world = session_rig(engine, bons="plain", terminal=Mute())
    world.login()
    s = world.session
    s.toggle("201")
    s.pay()
    s.choose_card()
    assert s.state is State.RECEIPT
    (tender,) = world.rows(Tender)
    assert (tender.state, tender.amount_ore) == ("received", 3730)


def test_card_chosen_while_the_terminal_is_down_says_so_and_takes_nothing(
    world: SessionRig,
) -> None:
    from drivers.base import Health

    world.login()
    s = world.session
    s.toggle("201")
    s.pay()
    world.terminal._health = Health.DOWN
    s.choose_card()
    assert world.views[-1].message == "card_unavailable"
    assert s.state is State.CHOOSING_TENDER and world.terminal.authorised == []
    assert world.rows(Tender) == [] and s.plan is None


def test_a_card_after_a_bon_and_cash_is_the_payments_third_part(engine: Engine) -> None:
    """Each method that paid a part counts: after a bon and a coin the card is part 3 of the
    transaction, on the terminal and in the ledger."""
    world = session_rig(engine)
    assert world.book is not None
    bon = world.book.issue(Money(1000), "staff-17")
    world.login()
    s = world.session
    s.toggle("201")  # 37.30
    s.pay()
    s.redeem_bon(bon.qr_payload)
    s.choose_cash()
    world.coins.insert(1000)
    s.choose_card()
    assert s.plan is not None
    reference = f"{s.plan.transaction_ref}-3"
    assert world.terminal.authorised == [(1730, reference)]
    assert [r.reference for r in world.rows(Tender) if r.kind == "card"] == ["T-" + reference]
    assert s.state is State.RECEIPT


@pytest.mark.parametrize("how", ["cancel", "timeout"])
def test_cash_inserted_before_cancel_or_timeout_becomes_a_credit_bon(
    world: SessionRig, how: str
) -> None:
    world.login()
    s = world.session
    s.pay()
    s.choose_cash()
    world.coins.insert(2000)
    world.coins.insert(500)
    getattr(s, how)()
    assert s.state is (State.CANCELLED if how == "cancel" else State.TIMED_OUT)
    (bon,) = world.rows(Bon)
    assert bon.amount_ore == 2500
    assert world.rows(Allocation) == [] and world.rows(OutboxItem) == []
    assert world.coins.enabled == set()
    assert s.cpr is None and s.identifier is None  # personal data cleared
    assert world.audit_clean()
    s.reset()
    assert s.state is State.IDLE and s.patron is None


def test_declined_card_then_cash_for_the_rest(world: SessionRig) -> None:
    world.login()
    s = world.session
    s.toggle("201")
    s.pay()
    s.choose_cash()
    world.coins.insert(2000)
    world.terminal.outcome = CardOutcome.DECLINED
    s.choose_card()  # mixed: card for the exact rest 17.30
    assert world.terminal.authorised[-1][0] == 1730
    assert s.state is State.CHOOSING_TENDER and world.views[-1].message == "card_declined"
    world.terminal.outcome = CardOutcome.APPROVED
    s.choose_card()
    assert s.state is State.RECEIPT
    assert {r.kind for r in world.rows(Tender) if r.state == "received"} == {"coin", "card"}
    assert world.rows(Bon) == []  # exact: no credit
    s.finish_receipt()
    assert world.audit_clean()


def test_card_outcome_unknown_is_asked_of_the_terminal(world: SessionRig) -> None:
    world.login()
    s = world.session
    s.pay()
    world.terminal.outcome = CardOutcome.OUTCOME_UNKNOWN
    world.terminal.resolve_outcome = CardOutcome.APPROVED
    s.choose_card()
    assert s.state is State.RECEIPT
    (tender,) = world.rows(Tender)
    assert tender.state == "received"


def test_fbs_refusal_keeps_money_allocated_for_follow_up(world: SessionRig) -> None:
    world.login()
    s = world.session
    s.toggle("201")
    s.pay()
    s.choose_card()
    world.fbs.refuse = "Der findes ingen regnskabsperiode for indeværende år"
    (delivery,) = world.outbox.deliver_due()
    assert delivery.state == "refused" and delivery.fees == {"101": "follow_up", "102": "follow_up"}
    item = world.rows(OutboxItem)[0]
    assert item.state == "refused" and "regnskabsperiode" in item.last_error
    assert world.outbox.deliver_due() == []  # not yet due
    world.fbs.refuse = ""
    world.clock.advance(3601)
    (delivery,) = world.outbox.deliver_due()
    assert delivery.state == "done"
    s.finish_receipt()
    assert world.audit_clean()


def test_fbs_down_while_registering_retries_with_the_same_order(world: SessionRig) -> None:
    world.login()
    s = world.session
    s.pay()
    s.choose_card()
    world.fbs.down = True
    outbox = world.outbox
    assert [d.state for d in outbox.deliver_due()] == ["pending"]
    world.fbs.down = False
    world.clock.advance(10)
    assert [d.state for d in outbox.deliver_due()] == ["done"]
    assert outbox.deliver_due() == []


def test_paid_here_claims_show_as_waiting_and_cannot_be_paid_again(world: SessionRig) -> None:
    world.login()
    s = world.session
    s.pay()
    s.choose_card()
    world.outbox.deliver_due()
    s.finish_receipt()
    s.reset()
    world.clock.advance(3600)
    world.login()  # FBS still shows the debtor claims: the municipality has not reported yet
    statuses = {c.id: c.status for c in world.session.claims}
    assert statuses == {
        "201": LocalStatus.PAID_HERE_WAITING,
        "202": LocalStatus.PAID_HERE_WAITING,
        "203": LocalStatus.PAID_HERE_WAITING,
        "301": LocalStatus.OPEN,
    }
    assert world.session.selection.chosen == set()
    world.session.pay()
    assert world.views[-1].message == "nothing_selected"
    # after the window the claims are offered again (the payment should have arrived by then)
    world.session.cancel()
    world.session.reset()
    world.clock.advance(11 * 86400)
    world.login()
    assert world.session.selection.chosen == {"201", "202", "203"}


def test_wrong_pin_three_times_ends_the_session(world: SessionRig) -> None:
    s = world.session
    s.start()
    s.identify(CPR)
    s.enter_pin("0000")
    assert s.state is State.PIN and world.views[-1].message == "wrong_pin"
    assert world.views[-1].pin_attempts_left == 2
    s.enter_pin("1111")
    s.enter_pin("2222")
    assert s.state is State.CANCELLED and world.views[-1].message == "too_many_pin_attempts"


def test_fbs_down_ends_with_a_clear_reason(world: SessionRig) -> None:
    world.fbs.down = True
    world.login()
    assert world.session.state is State.CANCELLED
    assert world.views[-1].message == "unavailable"


def test_block_outlook_explains_what_paying_changes(world: SessionRig) -> None:
    world.login()
    outlook = world.views[-1].outlook
    # owed 147.30 (incl. 50 kr payable elsewhere); limit 100
    assert outlook.blocked_for_debt and outlook.debt_now == Money(14730)
    assert outlook.debt_after_now == Money(11000)  # FBS claims drop at once
    assert not outlook.below_limit_now
    assert outlook.debt_after_reported == Money(5000)  # once the municipality reports back
    assert outlook.below_limit_when_reported
