"""Technician mode's device tests through the real window and session on a SQLite ledger: the
coin and note test (each piece shown, a coin kept as test money, a note returned unless counted,
the acceptors disabled again on leaving) and the reader test (a health card's CPR masked, no
session started); the audit stays clean."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from drivers.base.reader import IdentifierRead, IdSource
from kiosk.ledger.models import Allocation, Bon, CitizenSession
from kiosk.payment.states import State
from tests.ui.conftest import WAIT_MS
from tests.ui.staff_rig import TECH_PIN, StaffWorld, staff_world
from ui.compose import shutdown
from ui.staff.device_test import DeviceTestScreen

CPR = "0101801234"


@pytest.fixture
def staff(qtbot: QtBot, sqlite_engine: Engine) -> Iterator[StaffWorld]:
    world = staff_world(qtbot, sqlite_engine)
    yield world
    shutdown(world.w)


def open_test(world: StaffWorld, key: str) -> DeviceTestScreen:
    world.logged_in("30", TECH_PIN)
    world.open("technician")
    world.ui.wait_screen(world.w.staff.technician)
    world.ui.click(world.w.staff.technician.function_buttons[key])
    screen = world.w.staff.device_tests["cash" if key == "cash_test" else "readers"]
    world.ui.wait_screen(screen)
    return screen


def shows(world: StaffWorld, screen: DeviceTestScreen, words: str) -> None:
    try:
        world.ui.qtbot.waitUntil(lambda: words in screen.text.text(), timeout=WAIT_MS)
    except Exception:
        raise AssertionError(screen.text.text()) from None


def test_coins_and_notes_are_shown_and_never_credited(staff: StaffWorld) -> None:
    ui = staff.ui
    screen = open_test(staff, "cash_test")
    ui.qtbot.waitUntil(lambda: bool(ui.coins.enabled and ui.notes.enabled), timeout=WAIT_MS)
    ui.coins.insert(2000)
    shows(staff, screen, "mønt, i kassen som test  20,00 kr (DK2000)")
    ui.notes.insert(20000)
    shows(staff, screen, "seddel, givet tilbage  200,00 kr")
    assert ui.notes.returned == [20000] and ui.notes.stacked == []
    ui.click(screen.keep_notes)
    staff.wait_banner(screen, "bogføres som test")
    ui.settle()
    ui.notes.insert(5000)
    shows(staff, screen, "seddel, i kassen som test  50,00 kr")
    assert ui.notes.stacked == [5000]
    ui.qtbot.waitUntil(lambda: "I kassen som test: 70,00 kr" in screen.kept.text(),
                       timeout=WAIT_MS)
    assert ui.view.state is State.STAFF and ui.view.credit_bon is None
    assert ui.rows(Bon) == []
    assert sorted(a.amount_ore for a in ui.rows(Allocation)) == [2000, 5000]
    assert {s.end_reason for s in ui.rows(CitizenSession)} == {"technician_test"}
    assert ui.audit_clean()

    ui.click(screen.stop)  # back to the technician's screen; the acceptors take nothing now
    ui.wait_screen(staff.w.staff.technician)
    ui.qtbot.waitUntil(lambda: not ui.coins.enabled and not ui.notes.enabled, timeout=WAIT_MS)
    assert [e["why"] for e in staff.audit("device_test_ended")] == ["done"]
    assert len(staff.audit("cash_test_money")) == 2


def test_a_health_card_is_shown_masked_and_starts_nothing(staff: StaffWorld) -> None:
    ui = staff.ui
    screen = open_test(staff, "reader_test")
    ui.window.bridge.device_listener(IdentifierRead("card_reader", IdSource.MAGSTRIPE, CPR))
    shows(staff, screen, "sundhedskort  ******-****")
    ui.window.bridge.scanned("3210000001")
    shows(staff, screen, "lånerkort  3210000001")
    assert CPR[:6] not in screen.text.text()
    ui.settle()
    assert ui.view.state is State.STAFF and ui.window.stack.currentWidget() is screen
    assert ui.rows(CitizenSession) == []

    ui.click(screen.stop)
    ui.wait_screen(staff.w.staff.technician)
    ui.window.bridge.scanned("3210000001")  # the test is over: a citizen's card logs staff out
    ui.wait_state(State.PIN)
