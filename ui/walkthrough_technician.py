"""The walkthrough's technician session: the technician's staff card and PIN, the technician
functions (each device's health, then the printer test page), and the coin box emptied: the
count typed per denomination is one coin short of what the ledger expects, the difference is
shown, then recorded and the slip printed; the logout."""

from __future__ import annotations

from kiosk.money import Money
from kiosk.payment.states import State
from ui.staff.cashbox import signed
from ui.walkthrough_driver import Driver, WalkthroughError
from ui.walkthrough_staff import answer, staff_login, staff_logout


def technician_tests_and_empties(d: Driver) -> State:
    staff = d.window.staff
    _number, pin, card = d.hands.demo_technician()
    staff_login(d, card, pin)
    if staff.menu.entry_buttons["issue_bon"].isVisible():
        raise WalkthroughError("a technician is offered to issue bons")

    d.click(staff.menu.entry_buttons["technician"])
    tech = staff.technician
    d.wait_screen(tech)
    d.click(tech.function_buttons["devices"])
    d.wait(lambda: not tech.busy and bool(tech.text.text()), "the devices' health")
    d.shot("devices")
    d.click(tech.function_buttons["test_page"])
    answer(d, tech, "the printer test page")
    d.shot("test-page")
    d.click(tech.back_button)
    d.wait_screen(staff.menu)

    d.click(staff.menu.entry_buttons["cash_box"])
    screen = staff.cash_box
    d.wait_screen(screen)
    d.wait(lambda: not screen.busy and bool(screen.boxes), "the cash boxes")
    box = next((b for b in screen.boxes if b.kind == "coin"), None)
    if box is None or not any(box.expected.values()):
        raise WalkthroughError("no coin box with coins in it")
    d.click(screen.box_buttons[box.device])
    short = max(ore for ore, pieces in box.expected.items() if pieces)  # one of these is missing
    for ore in screen.box.denominations:  # the keypad's OK moves to the next denomination
        pieces = box.expected.get(ore, 0) - (1 if ore == short else 0)
        d.type(screen.keypad, str(pieces))
        d.click(screen.keypad.ok)
    d.click(screen.check)
    d.shot("cashbox-difference")
    d.click(screen.record)
    recorded = answer(d, screen, "the emptying to be recorded")
    if signed(Money(-short)) not in recorded:
        raise WalkthroughError(f"the difference is not one coin of {short} øre: {recorded}")
    d.shot("cashbox-recorded")
    d.click(screen.back_button)
    d.wait_screen(staff.menu)
    return staff_logout(d)
