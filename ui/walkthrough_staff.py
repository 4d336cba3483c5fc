"""The walkthrough's staff session: a staff card under the scanner at the attract screen, the
PIN, the menu, a bon of 50,00 kr. issued on the keypad and printed, and the logout."""

from __future__ import annotations

from kiosk.payment.states import State
from ui.walkthrough_driver import Driver


def staff_issues_a_bon(d: Driver) -> State:
    w, staff = d.window, d.window.staff
    _number, pin, card = d.hands.demo_staff()
    d.wait_screen(w.attract)
    d.hands.scan(card)  # a staff card: the staff PIN, not a citizen's login
    d.wait_screen(staff.login)
    d.shot("staff-card")
    d.type(staff.login.keypad, pin)
    d.click(staff.login.keypad.ok)
    d.wait_screen(staff.menu)
    d.note(staff.menu.who.text())
    d.shot("menu")
    d.click(staff.menu.entry_buttons["issue_bon"])
    screen = staff.issue_bon
    d.wait_screen(screen)
    d.type(screen.keypad, "5000")
    d.click(screen.reasons.buttons()[0])
    d.shot("amount")
    d.click(screen.keypad.ok)
    d.wait(lambda: "udstedt" in screen.banner.text(), "the bon to be issued")
    d.note(screen.banner.text())
    d.shot("issued")
    d.click(screen.back_button)
    d.wait_screen(staff.menu)
    d.click(staff.menu.logout)
    d.wait_state(State.IDLE)
    d.wait_screen(w.attract)
    return State.IDLE
