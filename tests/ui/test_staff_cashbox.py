"""Cash-box emptying in technician mode, through the real window, desk and ``kiosk.cashbox`` on a
SQLite ledger with coins and notes put in by a citizen: the expected pieces per denomination,
the count typed on the keypad (a figure not typed is 0), the difference shown before anything
is written, the emptying recorded with who and the slip printed; staff cannot open it; a
failing ledger is a clear message and nothing is written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, event, select
from sqlalchemy.exc import OperationalError

from kiosk.cashbox import CashBoxes
from kiosk.ledger.models import AuditEntry, CashBoxEmptying, CashInventory
from kiosk.money import Money
from kiosk.payment.states import State
from kiosk.staff.roles import Role, StaffUser
from kiosk.staff.rules import NotPermitted
from tests.payment_fakes import AUTOMAT, session_rig
from tests.ui.conftest import WAIT_MS
from tests.ui.staff_rig import TECH_PIN, StaffWorld, staff_world
from ui.compose import shutdown
from ui.staff.cashbox import CashBoxScreen

BOXES = {"coins": "coin", "notes": "note"}  # the rig's acceptors, as the configuration names them


@pytest.fixture
def staff(qtbot: QtBot, sqlite_engine: Engine) -> Iterator[StaffWorld]:
    world = staff_world(qtbot, sqlite_engine)
    world.desk.cash_boxes = CashBoxes(sqlite_engine, AUTOMAT, world.ui.rig.clock, BOXES)
    yield world
    shutdown(world.w)


def citizen_pays_cash(world: StaffWorld) -> None:
    """A citizen puts in a 50 kr. note, a 20 kr. and two 5 kr. coins, then cancels (a session of
    its own beside the window's): the money is in the boxes, credited as a bon."""
    rig = session_rig(world.ui.engine, clock=world.ui.rig.clock)
    rig.login()
    rig.session.pay()
    rig.session.choose_cash()
    rig.notes.insert(5000)
    for value in (2000, 500, 500):
        rig.coins.insert(value)
    assert rig.session.state is State.PAYING
    rig.session.cancel()
    rig.session.reset()


def ledger(world: StaffWorld) -> tuple[Any, ...]:
    with world.ui.engine.connect() as conn:
        return (
            sorted(tuple(r) for r in conn.execute(
                select(CashInventory.device, CashInventory.denomination_ore, CashInventory.count))),
            [tuple(r) for r in conn.execute(select(CashBoxEmptying))],
            [tuple(r) for r in conn.execute(
                select(AuditEntry).where(AuditEntry.action == "cash_box_emptied"))],
        )


def open_emptying(world: StaffWorld) -> CashBoxScreen:
    world.logged_in("30", TECH_PIN)
    world.open("cash_box")
    screen = world.w.staff.cash_box
    world.ui.wait_screen(screen)
    world.ui.qtbot.waitUntil(lambda: "coins" in screen.box_buttons, timeout=WAIT_MS)
    return screen


def count(world: StaffWorld, screen: CashBoxScreen, ore: int, pieces: str) -> None:
    world.ui.click(screen.line_buttons[ore])
    for d in pieces:
        world.ui.click(screen.keypad.keys[d])
    world.ui.click(screen.keypad.ok)


def test_the_count_is_typed_the_difference_shown_then_recorded_and_printed(
    staff: StaffWorld,
) -> None:
    citizen_pays_cash(staff)
    screen = open_emptying(staff)
    assert set(screen.box_buttons) == {"coins", "notes"}
    assert "Møntboks" in screen.box_buttons["coins"].text()
    assert screen.line_buttons[2000].text() == "20,00 kr: forventet 1, optalt 0"
    assert screen.line_buttons[500].text() == "5,00 kr: forventet 2, optalt 0"
    assert not screen.record.isEnabled()  # the difference first
    count(staff, screen, 2000, "1")
    count(staff, screen, 500, "1")  # one 5 kr. coin missing
    staff.ui.click(screen.check)
    assert "Forskel: -5,00 kr" in screen.total.text()
    assert "(-5,00 kr)" in screen.line_buttons[500].text()
    assert ledger(staff)[1] == []  # nothing written by showing it
    staff.ui.click(screen.record)
    staff.wait_banner(screen, "Tømning nr. 1 registreret. Forskel: -5,00 kr.")
    assert "Læg kvitteringen" in staff.banner(screen)
    (row,) = staff.ui.rows(CashBoxEmptying)
    assert (row.device, row.emptied_by, row.role) == ("coins", "30", "technician")
    assert row.expected == {"500": 2, "2000": 1} and row.counted == {"500": 1, "2000": 1}
    assert row.difference_ore == -500
    (slip,) = staff.ui.printer.texts("emptying_slip")
    assert "Tom" not in slip and "30 (tekniker)" in slip and "-5,00" in slip
    (audit,) = staff.audit("cash_box_emptied")
    assert audit["difference_ore"] == -500 and audit["device"] == "coins"
    assert staff.audit("emptying_slip_printed") == [{"emptying_id": 1, "printed": True}]
    # the box reads empty now; the note box still holds the note
    staff.ui.qtbot.waitUntil(
        lambda: screen.line_buttons[2000].text() == "20,00 kr: forventet 0, optalt 0",
        timeout=WAIT_MS,
    )
    staff.ui.click(screen.box_buttons["notes"])
    assert screen.line_buttons[5000].text() == "50,00 kr: forventet 1, optalt 0"


def test_a_figure_not_typed_counts_as_0_and_a_change_asks_for_the_check_again(
    staff: StaffWorld,
) -> None:
    citizen_pays_cash(staff)
    screen = open_emptying(staff)
    staff.ui.click(screen.box_buttons["notes"])
    staff.ui.click(screen.check)  # nothing typed: every figure is 0, and says so
    assert "Forskel: -50,00 kr" in screen.total.text() and screen.record.isEnabled()
    count(staff, screen, 5000, "1")
    assert not screen.record.isEnabled()  # changed after the check
    staff.ui.click(screen.check)
    assert "Forskel: 0,00 kr" in screen.total.text()
    staff.ui.click(screen.record)
    staff.wait_banner(screen, "Forskel: 0,00 kr")
    (row,) = staff.ui.rows(CashBoxEmptying)
    assert row.device == "notes" and row.counted == {"5000": 1} and row.difference_ore == 0


def test_a_failing_ledger_is_a_clear_message_and_nothing_is_written(staff: StaffWorld) -> None:
    citizen_pays_cash(staff)
    screen = open_emptying(staff)
    count(staff, screen, 2000, "1")
    staff.ui.click(screen.check)
    before = ledger(staff)

    def fail(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO CASH_BOX_EMPTYINGS"):
            raise OperationalError(statement, {}, Exception("disk I/O error"))

    event.listen(staff.ui.engine, "before_cursor_execute", fail)
    try:
        staff.ui.click(screen.record)
        staff.wait_banner(screen, "Intet er ændret")
    finally:
        event.remove(staff.ui.engine, "before_cursor_execute", fail)
    assert ledger(staff) == before and not staff.ui.printer.texts("emptying_slip")
    assert not screen.record.isEnabled()  # check again before the next try


def test_staff_cannot_empty_a_cash_box_a_technician_cannot_issue_bons(staff: StaffWorld) -> None:
    citizen_pays_cash(staff)
    staff.logged_in()
    menu = staff.w.staff.menu
    assert not menu.entry_buttons["cash_box"].isVisible()
    clerk = StaffUser("17", "Sofie Skranke", frozenset({Role.STAFF}))
    before = ledger(staff)
    with pytest.raises(NotPermitted):  # nor through the desk behind the screen
        staff.desk.empty_cash_box(clerk, "coins", {2000: 1})
    assert ledger(staff) == before
    assert staff.audit("staff_not_permitted") == [{"permission": "empty_cash_box"}]
    staff.ui.click(menu.logout)
    staff.ui.wait_screen(staff.w.attract)
    staff.logged_in("30", TECH_PIN)
    shown = {k for k, b in menu.entry_buttons.items() if b.isVisible()}
    assert "cash_box" in shown and not shown & {"issue_bon", "bons", "follow_up", "reprint"}
    tech = StaffUser("30", "Tom Tekniker", frozenset({Role.TECHNICIAN}))
    with pytest.raises(NotPermitted):
        staff.desk.issue_bon(tech, Money.kr(20))
