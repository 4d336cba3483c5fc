"""A bon's slip scanned at the automat outside a payment, through the real window, bridge,
session, bon book and staff desk (beside ``test_staff_mode.py``): at the attract screen the
citizen is told it is a bon; in staff mode the bons screen shows it (chosen, to void it, for
staff who may) and staff stay logged in; a forged one is one line."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from kiosk.bons import BonTicket
from kiosk.ledger.models import Bon, CitizenSession
from kiosk.money import Money
from kiosk.payment.states import State
from kiosk.receipts import danish_date
from tests.ui.conftest import WAIT_MS
from tests.ui.staff_rig import TECH_PIN, StaffWorld, staff_world
from ui.compose import shutdown


@pytest.fixture
def staff(qtbot: QtBot, sqlite_engine: Engine) -> Iterator[StaffWorld]:
    world = staff_world(qtbot, sqlite_engine)
    yield world
    shutdown(world.w)


def issued(staff: StaffWorld, kroner: int = 50) -> BonTicket:
    return staff.bons.issue(Money.kr(kroner), "17")


def test_a_bon_at_the_attract_screen_is_said_to_be_one_and_nothing_starts(
    staff: StaffWorld,
) -> None:
    w = staff.w
    staff.ui.wait_screen(w.attract)
    w.input_scanned(issued(staff).qr_payload)
    staff.wait_banner(w.attract, "Det er en bon, ikke et lånerkort")
    assert staff.ui.view.state is State.IDLE and w.stack.currentWidget() is w.attract
    assert staff.ui.rows(CitizenSession) == []
    staff.ui.click(w.attract.language_buttons["en"])  # in English too
    assert "That is a bon, not a library card" in w.attract.banner.text()


def test_a_scanned_bon_opens_the_bons_screen_chosen_and_is_voided_there(
    staff: StaffWorld,
) -> None:
    other = issued(staff, 20)
    ticket = issued(staff, 50)
    staff.logged_in()
    screen = staff.w.staff.bons
    staff.w.input_scanned(ticket.qr_payload)
    staff.ui.wait_screen(screen)
    line = screen.scanned_line.text()
    assert screen.scanned_line.isVisible()
    assert ticket.short_code_display in line and "50,00 kr" in line and "udestående" in line
    assert f"gyldig til og med {danish_date(ticket.valid_through)}" in line
    staff.ui.qtbot.waitUntil(lambda: len(screen.bon_buttons) == 2, timeout=WAIT_MS)
    assert screen.bon_buttons[ticket.short_code].isChecked()
    assert not screen.bon_buttons[other.short_code].isChecked()
    staff.ui.click(screen.reasons.buttons()[0])
    staff.ui.click(screen.void)
    staff.wait_banner(screen, "er annulleret")
    states = {b.short_code: b.state for b in staff.ui.rows(Bon)}
    assert states == {other.short_code: "issued", ticket.short_code: "voided"}
    assert staff.ui.view.state is State.STAFF and staff.ui.view.staff.staff_no == "17"
    assert staff.audit("staff_logout") == []
    # scanned again, the slip shows what it is now
    staff.w.input_scanned(ticket.qr_payload)
    staff.ui.qtbot.waitUntil(lambda: "annulleret" in screen.scanned_line.text(), timeout=WAIT_MS)
    assert "af 17" in screen.scanned_line.text()


def test_staff_who_may_not_void_see_the_bon_and_no_void(staff: StaffWorld) -> None:
    ticket = issued(staff)
    staff.logged_in("30", TECH_PIN)  # a technician: no bon functions
    screen = staff.w.staff.bons
    staff.w.input_scanned(ticket.qr_payload)
    staff.ui.wait_screen(screen)
    assert ticket.short_code_display in screen.scanned_line.text()
    assert not screen.void.isVisible() and not screen.list_area.isVisible()
    assert not any(b.isVisible() for b in screen.reasons.buttons())
    staff.ui.settle()
    assert staff.audit("staff_not_permitted") == []  # the list was not even asked for
    assert staff.ui.view.state is State.STAFF


def test_a_forged_bon_in_staff_mode_is_one_line_where_staff_are(staff: StaffWorld) -> None:
    forged = issued(staff).qr_payload.replace(".5000.", ".50000.")
    staff.logged_in()
    menu = staff.w.staff.menu
    staff.w.input_scanned(forged)
    staff.wait_banner(menu, "Bonen er ikke gyldig.")
    assert "\n" not in staff.banner(menu) and staff.w.stack.currentWidget() is menu
    assert staff.ui.view.state is State.STAFF and staff.audit("staff_logout") == []
