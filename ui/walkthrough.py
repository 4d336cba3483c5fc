"""Scripted sessions, offscreen, with a screenshot per step and a summary: the citizen's here,
then a member of staff's (``ui.walkthrough_staff``) and a technician's
(``ui.walkthrough_technician``).

Each script drives the real window with the same clicks a person makes; what a citizen does
with the devices (a card under the scanner, a health card swiped, coins, notes, a bon's QR code)
and what happens around the automat (staff issue a bon at the desk, the printer runs out of
paper, FBS is down or at year end) goes through :class:`DemoHands` onto the emulators and the FBS
simulator of a demo core, as does the automat's clock moving on (a citizen coming back the next
day; FBS refusing for ``[fbs] refused_retry_days``). ``run_walkthrough`` returns True only if
every session ended in the state its script expects and the ledger's audit is clean; a script's
notes (what the screen said that an end state cannot) go into the summary."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QLabel

from kiosk.domain import PayableIn
from kiosk.payment.selection import Group
from kiosk.payment.states import State
from kiosk.receipts import FBS_STATE_TEXT
from ui.demo_world import citizen
from ui.i18n import translate
from ui.screens.claims import waiting_block_text
from ui.walkthrough_driver import DemoHands, Driver, WalkthroughError
from ui.walkthrough_staff import staff_issues_a_bon_and_closes_a_follow_up
from ui.walkthrough_technician import technician_tests_and_empties
from ui.window import AutomatWindow


# -- the scripts ------------------------------------------------------------------------------
def _pin_to_claims(d: Driver, pin: str) -> None:
    w = d.window
    d.wait_screen(w.pin)
    d.type(w.pin.keypad, pin)
    d.click(w.pin.keypad.ok)
    d.wait_screen(w.claims)


def _typed_login(d: Driver, identifier: str, pin: str) -> None:
    w = d.window
    d.wait_screen(w.attract)
    d.click(w.attract.start)
    d.wait_screen(w.identify)
    d.type(w.identify.keypad, identifier.replace("-", ""))
    d.shot("identify")
    d.click(w.identify.keypad.ok)
    _pin_to_claims(d, pin)


def _pay_with(d: Driver, method: str, shot: bool = False) -> None:
    w = d.window
    d.click(w.claims.pay)
    d.wait_screen(w.methods)
    if shot:
        d.shot("methods")
    d.click(w.methods.method_buttons[method])


def _receipt(d: Driver, name: str) -> None:
    """Wait for the printer's answer on the receipt (and its credit bon), then take a shot."""
    w = d.window
    d.wait_screen(w.receipt)
    d.wait(lambda: w.receipt.printed is not None, "the printer's answer")
    ticket = w.snapshot.view.credit_bon if w.snapshot else None
    if ticket is not None:
        d.wait(lambda: w.receipt.print_log.bon(ticket) is not None, "the credit bon's slip")
    d.shot(name)


def _done(d: Driver) -> State:
    w = d.window
    d.click(w.receipt.done)
    d.wait_state(State.DONE)
    return _finish(d)


def _finish(d: Driver) -> State:
    w = d.window
    end = d.state
    d.wait_screen(w.ended)
    d.shot("end")
    d.click(w.ended.finish)
    d.wait_screen(w.attract)
    return end


def card_old_claims(d: Driver) -> State:
    """Anna's library card under the scanner; her old claims paid in FBS by card."""
    w = d.window
    anna = citizen("Anna")
    d.wait_screen(w.attract)
    d.shot("attract")
    d.hands.scan(anna.card)
    _pin_to_claims(d, anna.pin)
    d.shot("claims")
    _pay_with(d, "card", shot=True)
    _receipt(d, "receipt")
    return _done(d)


def cash_new_claims_credit_bon(d: Driver) -> State:
    """Bo types his CPR; his three new (debtor) claims paid in cash, 10 kr over as a credit bon."""
    w = d.window
    bo = citizen("Bo")
    _typed_login(d, bo.cpr, bo.pin)
    d.shot("claims")
    _pay_with(d, "cash")
    d.wait_screen(w.cash)
    d.wait(d.hands.cash_ready, "the acceptors to be enabled")
    d.insert("coin", 2000)
    d.wait(lambda: w.snapshot.view.received.ore == 2000, "the coin on screen")
    d.shot("cash")
    d.insert("note", 5000)
    _receipt(d, "receipt-credit-bon")
    return _done(d)


def mixed_claims_bon_and_card(d: Driver) -> State:
    """Carla swipes her health card; old and new claims, part paid with a staff bon scanned at
    the automat, the rest by card."""
    w = d.window
    carla = citizen("Carla")
    ticket = d.hands.issue_bon(10000)
    d.wait_screen(w.attract)
    d.hands.swipe_health_card(carla.cpr)
    _pin_to_claims(d, carla.pin)
    d.shot("claims-groups")
    d.click(w.claims.pay)
    d.wait_screen(w.methods)
    d.hands.scan(ticket.qr_payload)
    d.wait(lambda: w.snapshot.view.message == "bon_partial", "the bon to count")
    d.wait_screen(w.methods)
    d.shot("after-bon")
    d.click(w.methods.method_buttons["card"])
    _receipt(d, "receipt")
    return _done(d)


def blocked_patron(d: Driver) -> State:
    """Dennis owes more than the limit: the claims screen says why he is blocked and what
    paying changes; he leaves without paying."""
    w = d.window
    dennis = citizen("Dennis")
    _typed_login(d, dennis.card, dennis.pin)
    d.shot("claims-blocked")
    d.click(w.claims.cancel)
    d.wait_state(State.CANCELLED)
    return _finish(d)


def _group_words(w: AutomatWindow, heading: str) -> list[str]:
    """The texts of the claims screen's group under ``heading``: its claims and its words."""
    labels = [lbl.text() for lbl in w.claims.scroll.widget().findChildren(QLabel)]
    words: list[str] = []
    inside = False
    for text in labels:
        if text.startswith("<b>"):
            inside = text == f"<b>{heading}</b>"
        elif inside:
            words.append(text)
    return words


def paid_here_next_day(d: Driver) -> State:
    """The source document's main complaint: Dennis, blocked for debt, swipes his health card and
    pays only his municipality claim (a 20 kr coin). The next day FBS still shows it (the
    municipality reports payments overnight at best): the automat lists it under "paid here,
    waiting for the municipality", says why, and whether it still blocks him (his old claims
    alone are over the limit)."""
    w = d.window
    dennis = citizen("Dennis")
    d.wait_screen(w.attract)
    d.hands.swipe_health_card(dennis.cpr)
    _pin_to_claims(d, dennis.pin)
    views = w.snapshot.view.selection.views if w.snapshot and w.snapshot.view.selection else []
    old = [v.claim.id for v in views if v.selectable and v.claim.payable_in is PayableIn.FBS]
    new = [v.claim.id for v in views if v.selectable and v.claim.payable_in is PayableIn.DEBTOR]
    if not old or len(new) != 1:
        raise WalkthroughError("Dennis should have old claims and one municipality claim")
    for claim_id in old:
        d.click(w.claims.claim_buttons[claim_id])
        d.wait(lambda c=claim_id: not w.claims.claim_buttons[c].isChecked(), "a claim unchosen")
    d.shot("claims-municipality-only")
    _pay_with(d, "cash")
    d.wait_screen(w.cash)
    d.wait(d.hands.cash_ready, "the acceptors to be enabled")
    d.insert("coin", 2000)
    _receipt(d, "receipt")
    if _done(d) is not State.DONE:
        raise WalkthroughError("the municipality claim was not paid")

    d.hands.next_day()  # he types his CPR this time (a second swipe this soon would be a bounce)
    _typed_login(d, dennis.cpr, dennis.pin)
    view = w.snapshot.view if w.snapshot else None
    waiting = [
        v.claim.id for v in (view.selection.views if view and view.selection else [])
        if v.group is Group.WAITING
    ]
    if waiting != new:
        raise WalkthroughError(f"the claim paid yesterday is not waiting: {waiting}")
    heading = translate("Claims", "Paid here, waiting for the municipality")
    words = _group_words(w, heading)
    if not any(waiting_block_text(view.outlook if view else None) in t for t in words):
        raise WalkthroughError("the waiting claims do not say whether they still block")
    bar = w.claims.scroll.verticalScrollBar()  # he scrolls down to it, as the list is long
    bar.setValue(bar.maximum())
    d.shot("claims-waiting")
    d.note(f"the next day, under '{heading}': " + " | ".join(words))
    d.click(w.claims.cancel)
    d.wait_state(State.CANCELLED)
    return _finish(d)


def wrong_pin(d: Driver) -> State:
    w = d.window
    gitte = citizen("Gitte")
    d.wait_screen(w.attract)
    d.hands.scan(gitte.card)
    d.wait_screen(w.pin)
    d.type(w.pin.keypad, "9999")
    d.click(w.pin.keypad.ok)
    d.wait(lambda: w.snapshot.view.message == "wrong_pin", "the wrong PIN message")
    d.shot("wrong-pin")
    d.click(w.pin.cancel)
    d.wait_state(State.CANCELLED)
    return _finish(d)


def english_timeout_with_cash(d: Driver) -> State:
    """Hans walks away after a 20 kr coin: the session times out and the coin becomes a credit
    bon (printed)."""
    w = d.window
    hans = citizen("Hans")
    d.wait_screen(w.attract)
    d.click(w.attract.language_buttons["en"])
    d.shot("attract-english")
    _typed_login(d, hans.card, hans.pin)
    d.shot("claims-english")
    _pay_with(d, "cash")
    d.wait_screen(w.cash)
    d.wait(d.hands.cash_ready, "the acceptors to be enabled")
    d.insert("coin", 2000)
    d.wait(lambda: w.snapshot.view.received.ore == 2000, "the coin on screen")
    before = w.idle.intervals()
    w.idle.set_intervals(idle_ms=50, tick_ms=400)  # minutes in real life
    try:
        w.idle.touch()
        d.wait(w.warning.isVisible, "the idle warning")
        d.shot("idle-warning")
        d.wait_state(State.TIMED_OUT)
        ticket = w.snapshot.view.credit_bon if w.snapshot else None
        if ticket is None:
            raise WalkthroughError("no credit bon for the coin")
        d.wait(lambda: w.ended.print_log.bon(ticket) is not None, "the credit bon's slip")
    finally:
        w.idle.set_intervals(*before)
    return _finish(d)


def paper_out(d: Driver) -> State:
    """The printer is out of paper: Åse pays by card; the receipt is shown on screen with its
    reference, for staff to reprint."""
    w = d.window
    aase = citizen("Åse")
    d.hands.set_paper("out")
    try:
        _typed_login(d, aase.cpr, aase.pin)
        _pay_with(d, "card")
        _receipt(d, "receipt-not-printed")
        if w.receipt.printed is not False:
            raise WalkthroughError("the receipt printed without paper")
    finally:
        d.hands.set_paper("ok")
    return _done(d)


def portrait_high_contrast(d: Driver) -> State:
    """Ida on a portrait screen, with high contrast and larger text; one claim to pay
    elsewhere."""
    w = d.window
    ida = citizen("Ida")
    size = w.size()
    w.resize(1080, 1920)
    w.toggle_contrast()
    w.toggle_large_text()
    try:
        _typed_login(d, ida.cpr, ida.pin)
        d.shot("claims-portrait-contrast")
        d.click(w.claims.cancel)
        d.wait_state(State.CANCELLED)
        end = _finish(d)
    finally:
        w.toggle_contrast()
        w.toggle_large_text()
        w.resize(size)
    return end


def out_of_service(d: Driver) -> State:
    w = d.window
    d.hands.set_fbs_down(True)
    try:
        w.check_service()
        d.wait_screen(w.out_of_service)
        d.shot("fbs-down")
    finally:
        d.hands.set_fbs_down(False)
    w.check_service()
    d.wait_screen(w.attract)
    return State.IDLE


def year_end_refused(d: Driver) -> State:
    """FBS at year end (no account period yet): Hans pays his old compensation by card, FBS
    refuses to register it, and the receipt says paid here, not yet in FBS. FBS still refuses
    when the outbox asks again ``[fbs] refused_retry_days`` later, so the automat stops asking
    and the payment waits on the staff's follow-up list (closed by hand in the staff
    session)."""
    w = d.window
    hans = citizen("Hans")
    d.hands.set_year_end(True)
    try:
        _typed_login(d, hans.cpr, hans.pin)
        _pay_with(d, "card")
        _receipt(d, "receipt-fbs-refused")
        ref = w.snapshot.view.transaction_ref if w.snapshot else ""
        status = w.receipt.print_log.receipt(ref)
        said = " ".join(status.text.split()) if status is not None else ""
        if not any(FBS_STATE_TEXT[s] in said for s in ("pending", "follow_up")):
            raise WalkthroughError("the receipt does not say FBS has yet to register it")
        end = _done(d)
        days = d.hands.fbs_retry_days()
        d.hands.days_pass(days)
        d.hands.retry_fbs_now()
        d.wait(lambda: "parked" in d.hands.follow_up_states(), "the registration to be parked")
        d.note(f"FBS refused the registration; {days} days later again: on the follow-up list")
    finally:
        d.hands.set_year_end(False)
    return end


SCRIPTS: list[tuple[str, Callable[[Driver], State], State]] = [
    ("card", card_old_claims, State.DONE),
    ("cash", cash_new_claims_credit_bon, State.DONE),
    ("mixed", mixed_claims_bon_and_card, State.DONE),
    ("blocked", blocked_patron, State.CANCELLED),
    ("waiting", paid_here_next_day, State.CANCELLED),
    ("pin", wrong_pin, State.CANCELLED),
    ("timeout", english_timeout_with_cash, State.TIMED_OUT),
    ("paper", paper_out, State.DONE),
    ("looks", portrait_high_contrast, State.CANCELLED),
    ("service", out_of_service, State.IDLE),
    ("yearend", year_end_refused, State.DONE),
    ("staff", staff_issues_a_bon_and_closes_a_follow_up, State.IDLE),
    ("technician", technician_tests_and_empties, State.IDLE),
]


def run_walkthrough(
    window: AutomatWindow,
    hands: DemoHands,
    out: Path,
    audit: Callable[[], Any] | None = None,
) -> bool:
    """Run every script; write PNGs, ``summary.json`` and ``summary.txt`` into ``out``. With
    ``audit`` (e.g. ``lambda: run_audit(engine)``) its report goes into the summary and must be
    clean, with no session left open."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    driver = Driver(window, hands, out)
    driver.wait(hands.devices_up, "every device to come up")
    results = []
    for name, script, expected in SCRIPTS:
        driver.script = name
        first, first_note = len(driver.shots), len(driver.notes)
        try:
            ended = script(driver)
            error = ""
        except WalkthroughError as exc:
            ended, error = driver.state, str(exc)
            driver.shot("failed")
        results.append(
            {
                "session": name,
                "expected": expected.value,
                "ended": ended.value,
                "ok": ended is expected and not error,
                "error": error,
                "screenshots": driver.shots[first:],
                "notes": driver.notes[first_note:],
            }
        )
        if error:  # leave a clean automat for the next script
            window.bridge.cancel()
            window.bridge.reset()
            with contextlib.suppress(WalkthroughError):
                driver.wait(lambda: driver.state is State.IDLE, "a clean start")
    lines = [
        f"{'ok ' if r['ok'] else 'FAIL'} {r['session']:<8} expected {r['expected']:<10} "
        f"ended {r['ended']:<10} {len(r['screenshots'])} screenshots {r['error']}"
        + "".join(f"\n     {n}" for n in r["notes"])
        for r in results
    ]
    summary: dict[str, Any] = {"sessions": results}
    audit_ok = True
    if audit is not None:
        report = audit()
        audit_ok = report.clean and not report.open_sessions
        summary["audit"] = {
            "clean": audit_ok,
            "sessions_checked": report.sessions_checked,
            "problems": report.lines(),
        }
        lines.append(
            f"{'ok ' if audit_ok else 'FAIL'} audit    {report.sessions_checked} sessions checked"
            + "".join(f"\n     {p}" for p in report.lines())
        )
    (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    (out / "summary.txt").write_text("\n".join(lines) + "\n")
    for line in lines:
        print(f"walkthrough: {line}")
    return audit_ok and all(r["ok"] for r in results)
