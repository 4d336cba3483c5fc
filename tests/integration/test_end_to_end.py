"""The automat end to end without Qt: the composition root's real objects — the FBS simulator over
REST and SIP2, the device emulators on ptys behind the real drivers, a SQLite ledger — driven
through a citizen session. After each payment the ledger audit is clean."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from drivers.base.printer import PaperStatus
from drivers.ssp import codec as ssp
from kiosk.ledger.models import OutboxItem, Tender
from kiosk.payment.states import State
from tests.integration.test_end_to_end_harness import Automat, wait_for, write_config


@pytest.fixture(params=["rest", "sip2"])
def automat(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Automat]:
    a = Automat.from_file(write_config(tmp_path, request.param))
    try:
        a.wait_ready()
        yield a
    finally:
        a.close()


@pytest.fixture
def rest_automat(tmp_path: Path) -> Iterator[Automat]:
    a = Automat.from_file(write_config(tmp_path, "rest"))
    try:
        a.wait_ready()
        yield a
    finally:
        a.close()


def outbox(a: Automat, kind: str) -> list:
    with a.core.engine.connect() as conn:
        return list(conn.execute(select(OutboxItem).where(OutboxItem.kind == kind)).all())


def test_old_claims_paid_by_card_are_registered_in_fbs_and_on_the_receipt(automat: Automat):
    automat.log_in("3210000001", "0101")  # Anna Andersen: 50011 20,00 and 50012 30,00, both old
    automat.session.pay()
    automat.emulators.terminal.approve_next()
    automat.session.choose_card()

    assert automat.session.state is State.RECEIPT
    assert automat.emulators.terminal.authorisations[-1][0] == 5000
    order = automat.session.plan.fbs_order_id  # SIP2 sends BK = <order id>-<fee id>
    paid = {f.fee_id: f.paid_by_order for f in automat.sim.fees(1001, include_paid=True)}
    assert set(paid) == {50011, 50012}
    assert all(by and by.startswith(order) for by in paid.values())
    assert automat.session.registrations == {"50011": "registered", "50012": "registered"}
    (slip,) = automat.emulators.printer.wait_for_slips(1)
    text = slip.text
    assert text.count("Betalt i FBS") == 2
    for fee in automat.sim.fees(1001, include_paid=True):
        assert fee.reason[:20] in text
    assert "50,00" in text and "Betalingskort" in text
    assert "4711223344556677" not in text  # the terminal's card number is masked
    automat.session.finish_receipt()
    assert automat.audit_clean()


def cash_ready(a: Automat) -> None:
    """The drivers applied the session's enable: coins and notes are taken at the slot."""
    wait_for(lambda: a.emulators.coin.master_enabled and a.emulators.coin.inhibit_mask != 0)
    wait_for(lambda: a.emulators.notes.enabled)


def insert(a: Automat, *, notes: tuple[int, ...] = (), coins: tuple[str, ...] = ()) -> None:
    """Each note and coin at the slot, waiting until the session has recorded it."""
    for note in notes:
        before = a.session.received.ore
        assert a.emulators.notes.insert_note(note)
        a.pump(lambda b=before: a.session.received.ore > b or a.session.state is State.RECEIPT)
    for coin in coins:
        before = a.session.received.ore
        assert a.emulators.coin.insert_coin(coin)
        a.pump(lambda b=before: a.session.received.ore > b or a.session.state is State.RECEIPT)


def test_new_claims_paid_in_cash_queue_debtor_items_and_overpayment_prints_a_credit_bon(
    automat: Automat,
):
    # Bo Berg, new claims only (3 × 20,00 for the debtor system): typed CPR, as the file needs it
    automat.session.start()
    automat.session.identify("0202802222")
    automat.session.enter_pin("0202")
    assert automat.session.state is State.CLAIMS
    automat.session.pay()
    automat.session.choose_cash()
    cash_ready(automat)
    insert(automat, coins=("DK2K0A", "DK2K0A"))
    insert(automat, notes=(50,))  # 90,00 for 60,00

    assert automat.session.state is State.RECEIPT
    items = outbox(automat, "debtor_item")
    assert sorted(i.amount_ore for i in items) == [2000, 2000, 2000]
    assert {i.state for i in items} == {"pending"}
    receipt, bon = automat.emulators.printer.wait_for_slips(2)
    assert receipt.text.count("Sendt til kommunens debitorsystem") == 3
    assert "Kontant" in receipt.text
    assert "BON" in bon.text and "30,00" in bon.text
    assert automat.session.view().credit_bon.amount.ore == 3000
    assert "0202802222" not in receipt.text + bon.text and "020280" not in receipt.text
    automat.session.finish_receipt()
    assert automat.audit_clean()
    # the debtor export takes the three items into one delivered file
    assert automat.core.export_scheduler.tick()
    assert {i.state for i in outbox(automat, "debtor_item")} == {"exported"}
    assert automat.audit_clean()


def test_a_note_returned_for_overpaying_is_said_as_such_and_never_counted(rest_automat: Automat):
    """The validator's report of the return the session asked for (SSP: rejected by host) is
    not a second message: the citizen is told the note was too large, not that it was refused."""
    a = rest_automat
    a.log_in("3210000001", "0101")  # 50,00 to pay
    a.session.pay()
    a.session.choose_cash()
    cash_ready(a)
    notes = a.emulators.notes
    assert notes.insert_note(200)  # 150,00 over: more than the 100,00 allowed
    a.pump(lambda: notes.escrow is None and bool(notes.returned))
    polls = notes.commands.count(ssp.POLL)
    wait_for(lambda: notes.commands.count(ssp.POLL) >= polls + 2)  # its report has been read
    a.pump(a.events.empty)
    assert a.session.message == "note_too_large"
    assert a.session.received.ore == 0 and notes.stacked == [] and not tenders(a)
    insert(a, notes=(50,))  # a note that fits is taken as ever
    assert a.session.state is State.RECEIPT
    a.session.finish_receipt()
    assert a.audit_clean()


def tenders(a: Automat) -> list:
    with a.core.engine.connect() as conn:
        return list(conn.execute(select(Tender)).all())


def test_cancel_with_cash_inserted_prints_a_credit_bon(rest_automat: Automat):
    a = rest_automat
    a.log_in("3210000001", "0101")
    a.session.pay()
    a.session.choose_cash()
    cash_ready(a)
    insert(a, coins=("DK2K0A", "DK500A"))  # 20 kr + 5 kr of the 50,00
    a.session.cancel()

    assert a.session.state is State.CANCELLED
    (bon,) = a.emulators.printer.wait_for_slips(1)
    assert "BON" in bon.text and "25,00" in bon.text
    assert not [f for f in a.sim.fees(1001, include_paid=True) if f.is_paid]  # nothing paid
    wait_for(lambda: not a.emulators.coin.master_enabled)  # the slot is closed again
    assert a.audit_clean()


def test_card_declined_then_cash_with_rounding(rest_automat: Automat):
    a = rest_automat
    a.log_in("3210000009", "0909")  # Hans Hansen: 312,75 compensation, old
    a.session.pay()
    a.emulators.terminal.decline_next()
    a.session.choose_card()
    assert a.session.message == "card_declined"
    assert a.session.state is State.CHOOSING_TENDER
    a.session.choose_cash()
    assert a.session.due.ore == 31300  # the cash part is rounded to 50 øre
    cash_ready(a)
    insert(a, notes=(200, 100), coins=("DK1K0A", "DK200A", "DK100A"))

    assert a.session.state is State.RECEIPT
    assert a.sim.fee(50091).is_paid
    (receipt,) = a.emulators.printer.wait_for_slips(1)
    assert "Øreafrunding" in receipt.text and "0,25" in receipt.text
    assert "Betalt i FBS" in receipt.text
    with a.core.engine.connect() as conn:
        states = conn.execute(select(Tender.kind, Tender.state)).all()
    assert ("card", "declined") in states
    a.session.finish_receipt()
    assert a.audit_clean()


def test_printer_out_of_paper_payment_completes_and_receipt_is_kept_as_text(
    rest_automat: Automat,
):
    a = rest_automat
    a.emulators.printer.paper = PaperStatus.OUT
    a.log_in("3210000001", "0101")
    a.session.pay()
    a.emulators.terminal.approve_next()
    a.session.choose_card()

    assert a.session.state is State.RECEIPT
    assert a.sim.fee(50011).is_paid and a.sim.fee(50012).is_paid
    kept = a.core.receipts.issued[-1]
    assert not kept.printed and kept.result.outcome.value == "paper_out"
    assert kept.text.count("Betalt i FBS") == 2 and "50,00" in kept.text
    assert a.core.desk.last is kept
    assert a.emulators.printer.slips == []
    a.session.finish_receipt()
    assert a.audit_clean()
