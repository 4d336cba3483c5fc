"""The walkthrough's staff session: a staff card under the scanner at the attract screen, the
PIN, the menu, a bon of 50,00 kr. issued on the keypad and printed, then the follow-up list: the
registration FBS refused at year end (the ``yearend`` session) closed as "registered by hand in
FBS", and the logout. :func:`staff_login` and :func:`staff_logout` serve the technician too."""

from __future__ import annotations

from kiosk.payment.states import State
from ui.staff.base import StaffScreen
from ui.walkthrough_driver import Driver, WalkthroughError


def staff_login(d: Driver, card: str, pin: str) -> None:
    """A staff card at the attract screen, then the PIN: the menu, with a shot of each."""
    w, staff = d.window, d.window.staff
    d.wait_screen(w.attract)
    d.hands.scan(card)  # a staff card: the staff PIN, not a citizen's login
    d.wait_screen(staff.login)
    d.shot("staff-card")
    d.type(staff.login.keypad, pin)
    d.click(staff.login.keypad.ok)
    d.wait_screen(staff.menu)
    d.note(staff.menu.who.text())
    d.shot("menu")


def staff_logout(d: Driver) -> State:
    w, staff = d.window, d.window.staff
    d.click(staff.menu.logout)
    d.wait_state(State.IDLE)
    d.wait_screen(w.attract)
    return State.IDLE


def answer(d: Driver, screen: StaffScreen, what: str) -> str:
    """Wait for the desk's answer on ``screen``'s banner; a refusal (not "ok") fails the
    script with the screen's own words."""
    banner = screen.banner
    d.wait(lambda: not screen.busy and bool(banner.text()), what)
    if banner.words.property("tone") != "ok":
        raise WalkthroughError(f"{what}: {banner.text()}")
    d.note(banner.text())
    return str(banner.text())


def staff_issues_a_bon_and_closes_a_follow_up(d: Driver) -> State:
    staff = d.window.staff
    _number, pin, card = d.hands.demo_staff()
    staff_login(d, card, pin)

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

    d.click(staff.menu.entry_buttons["follow_up"])
    follow = staff.follow_up
    d.wait_screen(follow)
    d.wait(lambda: not follow.busy and bool(follow.items), "the follow-up list")
    parked = [i for i in follow.items if i.state == "parked"]
    if len(parked) != 1:
        raise WalkthroughError(f"expected one parked registration, found {len(parked)}")
    d.click(follow.item_buttons[parked[0].item_id])
    outcomes = {b.property("key"): b for b in follow.outcomes.buttons()}
    d.click(outcomes["registered_by_hand"])
    d.shot("follow-up")
    d.click(follow.close_item)
    answer(d, follow, "the follow-up item to be closed")
    d.shot("follow-up-closed")
    d.click(follow.back_button)
    d.wait_screen(staff.menu)
    return staff_logout(d)
