"""Money that arrives when no session can spend it becomes a credit bon at once (issue 11).

A coin taken at the moment of a cancel or a timeout (loss 2), money that comes when no plan is
committed or while nobody is at the automat (loss 1 after the restart), money the acceptor found at
start-up, and a card approval the terminal confirms only after the citizen gave up: each is
recorded and credited in one transaction, never left for a later step that may not come. Run on
SQLite and PostgreSQL against the real journal and ledger; the devices are fakes here (the
acceptor tests and the device-truth crash proof run the real ones).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, insert, select, update

from drivers.base import CardOutcome, CardResult, Credit, Fault, FaultKind
from kiosk.ledger.audit import run_audit
from kiosk.ledger.models import AuditEntry, Bon, CitizenSession, Tender
from kiosk.ledger.repository import TenderEvent
from kiosk.money import Money
from kiosk.payment.recovery import recover
from kiosk.payment.session import PaymentSession
from kiosk.payment.states import State
from tests.payment_fakes import (
    CPR,
    FakeTerminal,
    session_rig,
)

AUTOMAT = "test-01"


class World:
    def __init__(self, engine: Engine) -> None:
        rig = session_rig(engine, automat=AUTOMAT)
        self.engine, self.clock, self.fbs, self.ledger = engine, rig.clock, rig.fbs, rig.ledger
        self.book, self.journal, self.terminal = rig.book, rig.journal, rig.terminal
        self.session, self.coins, self.notes = rig.session, rig.coins, rig.notes

    def coin_drops(self, value: int, *, restart: bool = False) -> None:
        """A coin the acceptor took, whatever it was told (in flight, or found at start-up)."""
        self.session.on_device_event(
            Credit("coins", value, f"DK{value}", "coin", event_ref=f"cctalk:1:{value}",
                   during_restart=restart)
        )

    def pay_cash(self, *coins: int) -> None:
        s = self.session
        s.start()
        s.identify(CPR)
        s.enter_pin("1234")
        s.toggle("201")  # FBS claims only: 37.30
        s.pay()
        s.choose_cash()
        for value in coins:
            self.coins.insert(value)

    def sums(self) -> tuple[int, int]:
        """(received, credited as bons) over the whole ledger."""
        with self.engine.connect() as conn:
            received = sum(conn.scalars(select(Tender.amount_ore).where(
                Tender.state == "received")))
            credited = sum(conn.scalars(select(Bon.amount_ore).where(
                Bon.origin_session_id.is_not(None))))
        return received, credited

    def audit(self) -> list[str]:
        report = run_audit(self.engine)
        assert not report.open_sessions, report.lines()
        return [] if report.clean else report.lines()


@pytest.fixture
def world(engine: Engine) -> World:
    return World(engine)


ENDINGS: dict[str, Callable[[PaymentSession], None]] = {
    "cancel": PaymentSession.cancel,
    "timeout": PaymentSession.timeout,
}


@pytest.mark.parametrize("ending", sorted(ENDINGS))
@pytest.mark.parametrize("mixed", [False, True], ids=["cash", "mixed"])
def test_a_coin_taken_at_the_moment_of_a_cancel_or_timeout_is_credited(
    world: World, ending: str, mixed: bool
) -> None:
    """Loss 2: the coin was recorded on the ended session and never credited."""
    world.pay_cash(2000)
    s = world.session
    if mixed:  # a desk bon pays part of it, then cash again
        desk = world.book.issue(Money.kr(5), "staff-01")
        s.redeem_bon(desk.short_code)
        s.choose_cash()
        world.coins.insert(500)
    ENDINGS[ending](s)
    assert s.state in (State.CANCELLED, State.TIMED_OUT)
    first = s.view().credit_bon
    world.coin_drops(1000)  # the acceptor had it on its way when it was told to stop
    late = s.view().credit_bon
    assert late is not None and late is not first and late.amount == Money(1000)
    received, credited = world.sums()
    assert received == credited == (3000 if mixed else 2000) + 1000
    assert world.audit() == []


def test_a_coin_after_the_receipt_gets_a_bon_of_its_own(world: World) -> None:
    world.pay_cash(2000, 2000)  # 40 for 37.50: 2.50 credited with the settlement
    s = world.session
    assert s.state is State.RECEIPT
    world.coin_drops(500)
    assert s.view().credit_bon.amount == Money(500)
    s.finish_receipt()
    world.coin_drops(200)  # and one on the thank-you screen
    assert s.view().credit_bon.amount == Money(200)
    assert world.sums() == (4700, 250 + 500 + 200)
    assert world.audit() == []


@pytest.mark.parametrize("state", [State.IDLE, State.PIN, State.CLAIMS, State.CHOOSING_TENDER])
def test_money_with_no_plan_is_credited_and_the_end_screen_shows_the_bon(
    world: World, state: State
) -> None:
    """Loss 1 as the automat met it: a note stacked at the restart into a session with no plan,
    which the idle timeout then ended without a credit bon."""
    s = world.session
    if state is not State.IDLE:
        s.start()
        s.identify(CPR)
    if state in (State.CLAIMS, State.CHOOSING_TENDER):
        s.enter_pin("1234")
    if state is State.CHOOSING_TENDER:
        s.pay()
    assert s.state is state
    world.coin_drops(5000)
    view = s.view()
    assert view.state is State.CANCELLED and view.message == "money_outside_payment"
    assert view.credit_bon.amount == Money(5000)
    assert s.cpr is None and s.identifier is None  # the session is over: nothing remembered
    s.timeout()  # the end screen times out: back to the attract screen, nothing more to do
    assert s.state is State.IDLE
    assert world.sums() == (5000, 5000)
    assert world.audit() == []


def test_money_found_at_start_up_gets_a_session_of_its_own(world: World) -> None:
    world.coin_drops(2000, restart=True)
    s = world.session
    assert s.state is State.CANCELLED and s.view().message == "money_at_restart"
    with world.engine.connect() as conn:
        (row,) = conn.execute(select(CitizenSession.state, CitizenSession.end_reason)).all()
    assert tuple(row) == ("recovered", "money_at_restart")  # listed in the Z-report
    assert world.sums() == (2000, 2000) and world.audit() == []


def test_money_found_at_start_up_does_not_disturb_a_citizen_who_is_paying(world: World) -> None:
    world.pay_cash(2000)
    s = world.session
    world.coin_drops(1000, restart=True)
    assert s.state is State.PAYING and s.received == Money(2000)
    assert s.view().credit_bon.amount == Money(1000)  # printed for whoever fed it
    world.coins.insert(2000)
    assert s.state is State.RECEIPT
    s.finish_receipt()
    assert world.sums() == (5000, 1000 + 250)
    assert world.audit() == []


def test_positions_follow_the_money_and_the_progress(world: World) -> None:
    from drivers.base import Progress

    s = world.session
    world.pay_cash(1000)
    world.coin_drops(2000)
    assert world.ledger.device_positions() == {"coins": ("cctalk:1:2000", False)}
    s.on_device_event(Progress("coins", "cctalk:1:2001"))  # rejected coins since
    assert world.ledger.device_positions() == {"coins": ("cctalk:1:2001", False)}


def test_each_coin_records_where_the_device_placed_it(world: World) -> None:
    """The tender's reference ties a coin to the device's own record (its event counter), or
    to the coin's denomination when the device gives no position."""
    world.pay_cash(1000)
    world.coin_drops(2000)
    with world.engine.connect() as conn:
        rows = conn.execute(select(Tender.amount_ore, Tender.reference)).all()
    assert sorted(tuple(r) for r in rows) == [(1000, "DK1000"), (2000, "cctalk:1:2000")]


def test_a_progress_at_the_position_a_stray_coin_recorded_writes_nothing(world: World) -> None:
    """As for a coin in a payment: the stray coin's transaction (its credit bon) moved the
    device's position; the device repeating it is not another ledger write."""
    from drivers.base import Progress

    world.coin_drops(2000)  # nobody at the automat
    writes: list[tuple[str, str]] = []
    note = world.ledger.note_device_position
    world.ledger.note_device_position = lambda d, r: (writes.append((d, r)), note(d, r))[1]
    world.session.on_device_event(Progress("coins", "cctalk:1:2000"))
    assert writes == []
    world.session.on_device_event(Progress("coins", "cctalk:1:2001"))
    assert writes == [("coins", "cctalk:1:2001")]


def test_a_device_repeating_its_position_is_written_once(world: World) -> None:
    from drivers.base import Progress

    writes: list[tuple[str, str]] = []
    note = world.ledger.note_device_position
    world.ledger.note_device_position = lambda d, r: (writes.append((d, r)), note(d, r))[1]
    world.session.on_device_event(Progress("coins", "cctalk:1:5"))
    world.session.on_device_event(Progress("coins", "cctalk:1:5"))
    assert writes == [("coins", "cctalk:1:5")]
    assert world.ledger.device_positions()["coins"][0] == "cctalk:1:5"


def test_a_progress_at_the_position_a_coin_recorded_writes_nothing(world: World) -> None:
    """The coin's transaction moved the position already: the device repeating it (its next
    poll says nothing new) is not another ledger write on the money path."""
    from drivers.base import Progress

    world.pay_cash(1000)
    world.coin_drops(2000)
    writes: list[tuple[str, str]] = []
    note = world.ledger.note_device_position
    world.ledger.note_device_position = lambda d, r: (writes.append((d, r)), note(d, r))[1]
    world.session.on_device_event(Progress("coins", "cctalk:1:2000"))
    assert writes == []
    world.session.on_device_event(Progress("coins", "cctalk:1:2001"))
    assert writes == [("coins", "cctalk:1:2001")]


def test_recovery_credits_money_a_finished_session_was_left_holding(world: World) -> None:
    """A ledger written by a version with loss 2: a tender recorded after the session ended and
    never credited. The next start credits it (and kiosk audit names it until then)."""
    engine, now = world.engine, world.clock.now()
    with engine.begin() as conn:
        conn.execute(insert(CitizenSession).values(
            id="s-late", automat_id=AUTOMAT, state="cancelled", started_at=now, ended_at=now))
    world.clock.advance(1)
    world.ledger.record_tender(TenderEvent("s-late", "coin", Money(1000), Money(1000), "coins"))
    problems = world.audit()
    assert any("came in after it ended" in p for p in problems)
    report = recover(engine, world.journal, AUTOMAT)
    assert report.leftovers == ["s-late"] and [b.amount for b in report.bons] == [Money(1000)]
    assert world.audit() == []
    assert recover(engine, world.journal, AUTOMAT).touched == 0  # once


def test_audit_names_an_open_session_holding_money_without_a_plan(world: World) -> None:
    """What a crash right after loss 1 left behind: the audit used to call it merely open."""
    world.session.start()
    with world.engine.begin() as conn:
        conn.execute(update(CitizenSession).values(state="identifying"))
    world.ledger.record_tender(
        TenderEvent(world.session.session_id or "", "note", Money(5000), Money(5000), "notes"))
    report = run_audit(world.engine)
    assert not report.clean
    assert any("with no payment plan" in p for p in report.stray_money)
    recover(world.engine, world.journal, AUTOMAT)  # the next start credits it
    assert world.audit() == []


class LateTerminal(FakeTerminal):
    """Lost the link mid-authorisation; only after the citizen gave up it says: approved."""

    def __init__(self) -> None:
        super().__init__()
        self.knows = False

    def authorise(self, amount_ore: int, reference: str) -> CardResult:
        self.approved = (amount_ore, reference)
        return CardResult(CardOutcome.OUTCOME_UNKNOWN, 0, "")

    def resolve(self, reference: str, amount_ore: int, token: str = "") -> CardResult:
        if not self.knows:
            return CardResult(CardOutcome.OUTCOME_UNKNOWN, 0, "")
        return CardResult(CardOutcome.APPROVED, self.approved[0], self.approved[1], "T-1")


def test_a_card_approval_confirmed_after_the_citizen_gave_up_is_credited(world: World) -> None:
    terminal = LateTerminal()
    world.session.devices.terminal = terminal
    world.pay_cash(1000)
    s = world.session
    s.choose_card()
    assert s.view().message == "card_unknown"
    s.cancel()  # the 10 kr become a bon; the card payment is still a question
    assert s.state is State.CANCELLED and s.view().credit_bon.amount == Money(1000)
    terminal.knows = True  # next start: the terminal remembers it approved 27.30
    report = recover(world.engine, world.journal, AUTOMAT, terminal)
    assert [b.amount for b in report.bons] == [Money(2730)]
    assert world.sums() == (3730, 3730) and world.audit() == []


def test_a_card_result_that_comes_back_while_asking_still_pays(world: World) -> None:
    """While the terminal is asked about a lost outcome the session waits as for the
    authorisation itself: a cancel asks the terminal to abort, and an approval pays."""
    terminal = LateTerminal()
    world.session.devices.terminal = terminal
    world.pay_cash()
    s = world.session
    answers: list[Callable[[], None]] = []

    class Later:
        def submit(self, work, done):  # type: ignore[no-untyped-def]
            answers.append(lambda: done(work(), None))

    s.runner = Later()
    s.choose_card()
    answers.pop(0)()  # the authorisation: outcome unknown → the terminal is asked
    assert s.card.in_flight and s.view().message == "card_checking"
    s.cancel()
    assert s.state is State.PAYING and terminal.cancelled
    terminal.knows = True
    answers.pop(0)()  # approved after all: paid
    while answers:
        answers.pop(0)()
    assert s.state is State.RECEIPT
    s.finish_receipt()
    assert world.audit() == []


def test_a_cancel_at_the_terminal_ends_the_session_once_the_terminal_aborts(world: World) -> None:
    """The citizen cancels while the terminal has them: the terminal is asked to abort, and its
    answer ends the session (the cash already in becomes a bon) instead of offering another
    method to someone who has left."""
    world.pay_cash(1000)
    s = world.session
    answers: list[Callable[[], None]] = []

    class Later:
        def submit(self, work, done):  # type: ignore[no-untyped-def]
            answers.append(lambda: done(work(), None))

    s.runner = Later()
    world.terminal.outcome = CardOutcome.ABORTED
    s.choose_card()
    s.cancel()
    assert s.state is State.PAYING and world.terminal.cancelled == 1
    answers.pop(0)()  # the terminal: aborted
    assert s.state is State.CANCELLED and s.view().credit_bon.amount == Money(1000)
    assert world.sums() == (1000, 1000) and world.audit() == []


def test_what_a_device_lost_is_in_the_audit_log_as_the_devices_own_line(world: World) -> None:
    """Money a device took that nobody can value (its buffer overflowed, it was reset): the audit
    log has it under the device's name and role, with what the device said, for the count."""
    world.session.on_device_event(Fault("coins", FaultKind.LOST_EVENTS, "2 event(s) after 9"))
    with world.engine.connect() as conn:
        rows = conn.execute(select(AuditEntry.actor, AuditEntry.role, AuditEntry.action,
                                   AuditEntry.details)).all()
    assert [tuple(r) for r in rows] == [
        ("coins", "device", "device_lost_events", {"detail": "2 event(s) after 9"})]


def test_a_progress_at_the_position_stored_for_a_note_in_escrow_writes_nothing(
    world: World,
) -> None:
    """The note's position was stored before it was accepted: the validator repeating it before
    the note's credit comes is not another ledger write."""
    from drivers.base import Escrow, Progress

    world.pay_cash()
    world.notes.escrow_value = 5000
    world.notes.accept_escrow = lambda: None  # type: ignore[method-assign]  # credit comes later
    world.session.on_device_event(Escrow("notes", 5000, "channel 1", "ssp:7:3:5000"))
    writes: list[tuple[str, str]] = []
    note = world.ledger.note_device_position
    world.ledger.note_device_position = lambda d, r: (writes.append((d, r)), note(d, r))[1]
    world.session.on_device_event(Progress("notes", "ssp:7:3:5000"))
    assert writes == []


@pytest.mark.parametrize("ledger_up", [True, False], ids=["recorded", "ledger-down"])
def test_a_note_is_accepted_only_once_its_position_is_stored(world: World, ledger_up: bool) -> None:
    """An SSP validator sends a credit once: the session stores the escrow's position (with the
    note's value) before it accepts, so a restart that finds the note stacked can credit it; a
    ledger that cannot store it gets the note back to the citizen."""
    from drivers.base import Escrow
    from tests.integration.test_ledger_fault import Outage

    notes = world.notes
    world.pay_cash()
    notes.escrow_value = 5000
    outage = Outage(world.engine)
    if not ledger_up:
        outage.mode = "readonly"
    world.session.on_device_event(Escrow("notes", 5000, "channel 1", "ssp:7:3:5000"))
    outage.mode = None
    if ledger_up:
        assert notes.stacked == [5000] and notes.returned == []
        # (the fake's credit carries no position of its own: the stored one stays)
        assert world.ledger.device_positions()["notes"] == ("ssp:7:3:5000", False)
        assert world.session.received == Money(5000)
    else:
        assert notes.returned == [5000] and notes.stacked == []
        assert world.session.received == Money(0) and world.session.state is State.PAYING
