"""Technician mode's device tests through the composition root's real objects: the ccTalk coin
acceptor, the SSP note validator and the serial scanner as emulators on ptys behind their drivers,
a SQLite ledger, staff accounts, and a session driven as the UI's worker drives it.

Test coins are never credited to anyone, yet everything the devices physically kept is in the
ledger (the devices are the truth): the cash box's expected contents count it, the audit is
clean, the Z-report lists it apart; notes are returned unless counted; reads start nothing."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from drivers.base.reader import IdentifierRead
from drivers.ssp.codec import POLL
from kiosk.clock import local
from kiosk.ledger.models import Allocation, AuditEntry, Bon, CitizenSession, Tender
from kiosk.payment.states import State
from kiosk.reports import report_lines, z_report
from kiosk.staff.accounts import Actor
from kiosk.staff.device_tests import CASH, MASKED_CPR, READERS
from tests.integration.test_end_to_end_harness import WAIT_S, Automat, wait_for, write_config

TECH_PIN, CLERK_PIN = "1357", "2468"
STAFF_CARD = "7000017"
HEALTH_CPR = "0101801234"


@pytest.fixture
def automat(tmp_path: Path) -> Iterator[Automat]:
    a = Automat.from_file(write_config(tmp_path, "rest"))
    try:
        a.wait_ready()
        book = a.core.staff
        assert book is not None
        book.hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        system = Actor("os:test", "system")
        book.add("30", "Tom Tekniker", "technician", TECH_PIN, by=system)
        book.add("17", "Sofie Skranke", "staff", CLERK_PIN, by=system, card=STAFF_CARD)
        yield a
    finally:
        a.close()


def pump(a: Automat, until: Callable[[], bool]) -> None:
    """Every device event, reads included, to the session on this thread (as the UI's worker
    does) until ``until()`` holds."""
    deadline = time.monotonic() + WAIT_S
    while not until():
        assert time.monotonic() < deadline, f"not reached; session is {a.session.state}"
        try:
            event = a.events.get(timeout=0.05)
        except queue.Empty:
            continue
        if isinstance(event, IdentifierRead):
            a.session.read(event)
        else:
            a.session.on_device_event(event)


def staff_in(a: Automat, number: str = "30", pin: str = TECH_PIN) -> None:
    a.session.staff_door.ask()
    a.session.staff_door.log_in(number, pin)  # the session's runner is inline here
    assert a.session.state is State.STAFF


def shown_test(a: Automat):
    return a.session.view().device_test


def coins_enabled(a: Automat) -> bool:
    coin = a.emulators.coin
    return bool(coin.master_enabled and coin.inhibit_mask)


def readings(a: Automat) -> int:
    view = shown_test(a)
    return len(view.readings) if view is not None else 0


def rows(a: Automat, model: type, *where: object) -> list:
    with a.core.engine.connect() as conn:
        return list(conn.execute(select(model).where(*where)).all())


def audit(a: Automat, action: str) -> list[dict]:
    return [r.details for r in rows(a, AuditEntry, AuditEntry.action == action)]


def insert_coin(a: Automat, ident: str) -> None:
    before = readings(a)
    assert a.emulators.coin.insert_coin(ident)
    pump(a, lambda: readings(a) > before)


def insert_note(a: Automat, kroner: int) -> None:
    before = readings(a)
    assert a.emulators.notes.insert_note(kroner)
    pump(a, lambda: readings(a) > before)


def validator_reported_return(a: Automat) -> None:
    """Until the note validator has given back the note it held, the driver has read what the
    validator says about that (two more polls), and the session has had every event since."""
    notes = a.emulators.notes
    wait_for(lambda: notes.escrow is None and bool(notes.returned))
    polls = notes.commands.count(POLL)
    wait_for(lambda: notes.commands.count(POLL) >= polls + 2)
    pump(a, a.events.empty)


def test_test_coins_and_kept_notes_are_in_the_cash_box_never_credited_and_the_audit_is_clean(
    automat: Automat,
):
    a = automat
    assert all(not box.pieces for box in a.core.cash_boxes.expected())  # a fresh ledger
    staff_in(a)
    a.session.staff_door.tests.start(CASH)
    wait_for(lambda: coins_enabled(a) and a.emulators.notes.enabled)

    insert_coin(a, "DK2K0A")  # 20 kr.
    insert_coin(a, "DK050A")  # 50 øre
    insert_note(a, 50)  # returned: notes are not counted unless the technician says so
    validator_reported_return(a)  # its "rejected by host" is that return, not a second line
    assert len(a.emulators.notes.returned) == 1
    a.session.staff_door.tests.set_keep_notes(True)
    insert_note(a, 100)  # stacked and recorded as a test

    view = shown_test(a)
    assert [r.what for r in view.readings] == ["note", "note_returned", "coin", "coin"]
    assert [r.amount.ore for r in view.readings] == [10000, 5000, 50, 2000]
    assert view.readings[1].shown == "channel 1"
    assert view.kept.ore == 12050
    assert a.session.state is State.STAFF

    # what the devices physically kept is what the ledger has, to the øre
    assert len(a.emulators.notes.stacked) == 1 and len(a.emulators.notes.returned) == 1
    tenders = rows(a, Tender)
    assert sorted(t.amount_ore for t in tenders) == [50, 2000, 10000]
    # ... allocated to a technician test: no claim, no bon, no citizen's credit
    allocations = rows(a, Allocation)
    assert {(x.kind, x.payable_in) for x in allocations} == {("technician_test", "none")}
    assert sum(x.amount_ore for x in allocations) == 12050
    assert rows(a, Bon) == []
    sessions = rows(a, CitizenSession)
    assert {(s.state, s.end_reason, s.plan) for s in sessions} == {
        ("done", "technician_test", None)}
    assert a.audit_clean()
    # the cash box's expected contents count them
    boxes = a.core.cash_boxes
    assert dict(boxes.expected_in("coin_acceptor").pieces) == {50: 1, 2000: 1}
    assert dict(boxes.expected_in("note_validator").pieces) == {10000: 1}
    # the Z-report lists them apart, and counts no citizen session for them
    report = z_report(a.core.engine, a.config.automat.id, local(a.core.clock.now()).date())
    assert report.settled["technician_test"].ore == 12050
    assert report.sessions == {}
    text = report_lines(report)
    (at,) = [i for i, t in enumerate(text) if "teknikerens test" in t]
    assert text[at + 1].split() == ["120,50"]  # the long label has its own line
    # who put in what
    pieces = audit(a, "cash_test_money")
    assert sorted(p["amount_ore"] for p in pieces) == [50, 2000, 10000]
    assert {(p["device"], p["kind"]) for p in pieces} == {
        ("coin_acceptor", "coin"), ("note_validator", "note")}
    with a.core.engine.connect() as conn:
        actors = set(conn.scalars(select(AuditEntry.actor).where(
            AuditEntry.action.in_(("cash_test_money", "device_test_started")))))
    assert actors == {"30"}

    a.session.staff_door.tests.stop()
    wait_for(lambda: not coins_enabled(a) and not a.emulators.notes.enabled)
    (ended,) = audit(a, "device_test_ended")
    assert ended["why"] == "done" and ended["kept_ore"] == 12050 and ended["kept_pieces"] == 3
    assert shown_test(a) is None
    assert not a.emulators.coin.insert_coin("DK2K0A")  # disabled again: the acceptor refuses


def test_staff_without_the_technician_role_cannot_start_a_test(automat: Automat):
    a = automat
    staff_in(a, "17", CLERK_PIN)
    a.session.staff_door.tests.start(CASH)
    assert shown_test(a).refused == "not_permitted" and not shown_test(a).running
    assert not coins_enabled(a) and not a.emulators.notes.enabled
    assert not a.emulators.coin.insert_coin("DK2K0A")
    (refused,) = audit(a, "staff_not_permitted")
    assert refused["test"] == "cash"
    assert audit(a, "device_test_started") == []


def test_reads_are_shown_masked_and_start_neither_a_citizen_session_nor_a_staff_login(
    automat: Automat,
):
    a = automat
    staff_in(a)
    a.session.staff_door.tests.start(READERS)
    a.emulators.scanner.scan("3210000001")  # a library card
    pump(a, lambda: readings(a) == 1)
    a.emulators.scanner.swipe_health_card(HEALTH_CPR)
    pump(a, lambda: readings(a) == 2)
    a.emulators.scanner.scan(STAFF_CARD)
    pump(a, lambda: readings(a) == 3)

    shown = [(r.what, r.shown) for r in shown_test(a).readings]
    assert shown == [("staff_card", "17"), ("health_card", MASKED_CPR),
                     ("library_card", "3210000001")]
    assert a.session.state is State.STAFF  # no citizen's PIN, no staff PIN asked
    assert a.session.identifier is None and a.session.session_id is None
    assert rows(a, CitizenSession) == []
    reads = audit(a, "device_test_read")
    assert [r["what"] for r in reads] == ["library_card", "health_card", "staff_card"]
    with a.core.engine.connect() as conn:
        logged = " ".join(str(d) for d in conn.scalars(select(AuditEntry.details)))
    assert HEALTH_CPR not in logged and HEALTH_CPR[:6] not in logged and STAFF_CARD not in logged

    a.session.staff_door.tests.stop()  # reads go to the session again: a citizen's card
    a.emulators.scanner.scan("3210000001")
    pump(a, lambda: a.session.state is State.PIN)


def test_a_citizen_card_or_the_idle_time_ends_the_cash_test_and_disables_the_acceptors(
    automat: Automat,
):
    a = automat
    staff_in(a)
    a.session.staff_door.tests.start(CASH)
    wait_for(lambda: coins_enabled(a))
    a.emulators.scanner.scan("3210000001")  # a citizen is at the automat
    pump(a, lambda: a.session.state is State.PIN)
    wait_for(lambda: not coins_enabled(a) and not a.emulators.notes.enabled)
    assert [e["why"] for e in audit(a, "device_test_ended")] == ["citizen_card"]
    assert a.session.view().device_test is None
    a.session.cancel()
    a.session.reset()

    staff_in(a)
    a.session.staff_door.tests.start(CASH)
    wait_for(lambda: coins_enabled(a))
    a.session.timeout()  # staff mode's idle time
    assert a.session.state is State.IDLE
    wait_for(lambda: not coins_enabled(a) and not a.emulators.notes.enabled)
    assert [e["why"] for e in audit(a, "device_test_ended")] == ["citizen_card", "timeout"]
    assert not a.emulators.coin.insert_coin("DK2K0A")
    with a.core.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Tender)) == 0
    assert a.audit_clean()
