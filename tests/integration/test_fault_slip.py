"""The paper record of a ledger fault, printed by the real ESC/POS driver on the printer emulator
over a pty: the amount, the reference and its QR code (read back by a real decoder), once per
fault episode however often the ledger is retried; with the paper out it is kept as text."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

try:
    from pyzbar.pyzbar import decode
except ImportError as exc:  # libzbar0 missing
    decode = None
    ZBAR_MISSING = str(exc)

from drivers.base.printer import PaperStatus
from drivers.emulation.pty import PtyPort
from drivers.escpos.emulator import EscposEmulator, Slip
from drivers.escpos.printer import EscposPrinter
from kiosk.money import Money
from kiosk.payment.runner import InlineRunner
from kiosk.payment.states import State
from kiosk.receipts import Issued
from tests.integration.test_ledger_fault import Rig
from tests.payment_fakes import CPR


class WorkerRunner:
    """Like the app's pool runner: work and its callback run after the session worker has
    finished the event in hand (here when the test pumps the queue), never inside it."""

    def __init__(self) -> None:
        self.queue: list[tuple[Callable[[], Any], Callable[[Any, BaseException | None], None]]]
        self.queue = []

    def submit(
        self, work: Callable[[], Any], done: Callable[[Any, BaseException | None], None]
    ) -> None:
        self.queue.append((work, done))

    def pump(self) -> None:
        while self.queue:
            InlineRunner().submit(*self.queue.pop(0))


class SlipRig(Rig):
    """The ledger-fault rig with a ReceiptService printing on the emulated printer; every
    session call is followed by a pump of the runner."""

    def __init__(self, engine: Engine, printer: EscposPrinter) -> None:
        self.runner = WorkerRunner()
        super().__init__(
            engine,
            runner=self.runner,
            bons="book",  # real signed bons: the settlement's credit bon is printed too
            printer=printer,
            library_name="Køge Bibliotekerne",
            automat="koege-02",
        )
        self.shown: list[Issued] = []
        assert self.world.receipts is not None
        self.service = self.world.receipts
        self.service.on_issued = self.shown.append

    def do(self, step: Callable[[], Any]) -> None:
        """One thing happens to the session, then the worker runs what it queued."""
        step()
        self.runner.pump()

    def to_methods(self, fbs_only: bool = True) -> None:
        self.do(self.s.start)
        self.do(lambda: self.s.identify(CPR))
        self.do(lambda: self.s.enter_pin("1234"))
        self.do(lambda: self.s.toggle("201"))
        self.do(self.s.pay)
        assert self.s.state is State.CHOOSING_TENDER

    def insert(self, value_ore: int) -> None:
        self.do(lambda: self.coins.insert(value_ore))

    def run_retries(self) -> None:
        self.do(self.retries.run)

    def back(self) -> None:
        self.outage.mode = None
        self.run_retries()

    def kinds(self) -> list[str]:
        return [i.document.kind for i in self.service.issued]


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EscposEmulator]:
    emu = EscposEmulator(PtyPort("printer", tmp_path)).start()
    yield emu
    emu.stop()


@pytest.fixture
def printer(emulator: EscposEmulator) -> Iterator[EscposPrinter]:
    p = EscposPrinter.serial("printer", emulator.path, timeout_s=2.0)
    p.start(lambda _event: None)
    yield p
    p.stop()


def qr_of(slip: Slip) -> list[str]:
    if decode is None:
        if __import__("os").environ.get("CI"):
            pytest.fail(f"no QR decoder in CI: {ZBAR_MISSING}")
        pytest.skip(f"no QR decoder (pyzbar needs libzbar0): {ZBAR_MISSING}")
    return [d.data.decode() for d in decode(slip.to_image())]


def coin_fault(rig: SlipRig) -> None:
    """20 kr recorded, then a 20 kr coin the read-only ledger cannot take."""
    rig.to_methods()
    rig.do(rig.s.choose_cash)
    rig.insert(2000)
    rig.outage.mode = "readonly"
    rig.insert(2000)
    assert rig.s.state is State.LEDGER_FAULT


def test_coin_fault_prints_one_slip_with_amount_and_reference_then_the_receipt(
    engine: Engine, printer: EscposPrinter, emulator: EscposEmulator
) -> None:
    rig = SlipRig(engine, printer)
    coin_fault(rig)
    ref = rig.views[-1].fault_ref
    (slip,) = emulator.wait_for_slips(1)
    text = slip.text
    for expected in (
        "Køge Bibliotekerne",
        "koege-02",
        "AUTOMATEN KUNNE IKKE GEMME BETALINGEN",
        "40,00 kr.",  # everything put in
        "20,00 kr.",  # of which only in memory
        f"Reference: {ref}",
        "Tag denne seddel med til personalet",
    ):
        assert expected in text, expected
    assert qr_of(slip) == [ref]
    rig.do(rig.s.cancel)  # waits in the fault; the view is drawn again: no second slip
    rig.run_retries()  # still failing
    rig.run_retries()
    assert rig.kinds() == ["fault_slip"]
    rig.back()  # the ledger takes the coin: settled, the receipt follows the slip
    assert rig.s.state is State.RECEIPT
    slips = emulator.wait_for_slips(3)  # 40.00 for 37.50: the receipt, then a 2.50 credit bon
    assert "KVITTERING" in slips[1].text and "KUNNE IKKE GEMME" not in slips[1].text
    assert "BON" in slips[2].text and "2,50 kr." in slips[2].text
    assert rig.kinds() == ["fault_slip", "receipt", "bon"]
    assert len(emulator.slips) == 3


def test_card_approval_not_recorded_is_on_the_slip_with_the_card_masked(
    engine: Engine, printer: EscposPrinter, emulator: EscposEmulator
) -> None:
    rig = SlipRig(engine, printer)
    rig.to_methods()
    real_authorise = rig.terminal.authorise

    def authorise_then_fail(amount_ore: int, reference: str):  # type: ignore[no-untyped-def]
        result = real_authorise(amount_ore, reference)
        rig.outage.mode = "readonly"  # the database refuses writes while the card is approved
        return result

    rig.terminal.authorise = authorise_then_fail  # type: ignore[method-assign]
    rig.do(rig.s.choose_card)
    assert rig.s.state is State.LEDGER_FAULT
    (slip,) = emulator.wait_for_slips(1)
    assert "37,30 kr." in slip.text
    assert "GODKENDT" in slip.text and "************1234" in slip.text
    assert qr_of(slip) == [rig.s.plan.transaction_ref]


def test_paper_out_keeps_the_slip_as_text_for_the_screen(
    engine: Engine, printer: EscposPrinter, emulator: EscposEmulator
) -> None:
    emulator.paper = PaperStatus.OUT
    rig = SlipRig(engine, printer)
    coin_fault(rig)
    (kept,) = rig.shown
    assert kept.document.kind == "fault_slip" and not kept.printed
    assert kept.result.outcome.value == "paper_out"
    assert "40,00 kr." in kept.text and rig.views[-1].fault_ref in kept.text
    assert "Tag denne seddel med til personalet" in kept.text
    assert emulator.slips == []


def test_no_money_taken_no_slip(engine: Engine, printer: EscposPrinter) -> None:
    rig = SlipRig(engine, printer)
    rig.to_methods()
    rig.outage.mode = "readonly"
    rig.do(rig.s.choose_cash)  # the plan cannot be written: the slot never opens
    assert rig.s.state is State.LEDGER_FAULT and rig.views[-1].received == Money(0)
    assert rig.service.issued == []


def test_more_money_in_the_same_episode_prints_a_complete_slip(
    engine: Engine, printer: EscposPrinter, emulator: EscposEmulator
) -> None:
    rig = SlipRig(engine, printer)
    coin_fault(rig)
    rig.coins.enabled = {1000}  # one slipped in while the slot was closing
    rig.insert(1000)
    slips = emulator.wait_for_slips(2)
    assert "50,00 kr." in slips[1].text and "30,00 kr." in slips[1].text
    rig.run_retries()
    assert rig.kinds() == ["fault_slip", "fault_slip"]
