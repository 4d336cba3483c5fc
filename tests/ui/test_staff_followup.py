"""The follow-up list in staff mode, through the real window, desk and ``kiosk.followup`` on a
SQLite ledger: a registration FBS refused is listed with its claims, amount, reason, age and
state, and closed by touch with what was done (the audit log names who); "other" needs a note;
a technician cannot open it; a refusal from the core (closed meanwhile, being sent to FBS) is a
Danish sentence on screen and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select, update

from kiosk.followup import FollowUps
from kiosk.ledger.models import OutboxItem
from kiosk.staff.roles import Permission, Role, StaffUser
from tests.payment_fakes import AUTOMAT, session_rig
from tests.ui.conftest import WAIT_MS
from tests.ui.staff_rig import ADMIN_PIN, TECH_PIN, StaffWorld, staff_world
from ui.compose import shutdown
from ui.staff.followup import FollowUpScreen

REASON = "Der findes ingen regnskabsperiode for indeværende år"


@pytest.fixture
def staff(qtbot: QtBot, sqlite_engine: Engine) -> Iterator[StaffWorld]:
    world = staff_world(qtbot, sqlite_engine)
    yield world
    shutdown(world.w)


def refused_registration(world: StaffWorld) -> int:
    """A citizen paid the two FBS claims (37.30 kr.) by card at this automat three days ago;
    FBS refused the registration (a session of its own, beside the window's)."""
    rig = session_rig(world.ui.engine, clock=world.ui.rig.clock)
    rig.login()
    rig.session.toggle("201")  # the debtor claims stay out
    rig.session.pay()
    rig.session.choose_card()
    rig.session.finish_receipt()
    rig.session.reset()
    rig.fbs.refuse = REASON
    (delivery,) = rig.outbox.deliver_due()
    assert delivery.state == "refused"
    world.ui.rig.clock.advance(timedelta(days=3).total_seconds())
    return delivery.item_id


def outbox(world: StaffWorld) -> list[tuple]:
    with world.ui.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(OutboxItem).order_by(OutboxItem.id))]


def open_list(world: StaffWorld, number: str = "17", pin: str = "2468") -> FollowUpScreen:
    world.logged_in(number, pin)
    world.open("follow_up")
    screen = world.w.staff.follow_up
    world.ui.wait_screen(screen)
    return screen


def outcome_button(screen: FollowUpScreen, key: str) -> object:
    return next(b for b in screen.outcomes.buttons() if b.property("key") == key)


def test_a_refused_registration_is_listed_and_closed_with_what_was_done(
    staff: StaffWorld,
) -> None:
    item_id = refused_registration(staff)
    screen = open_list(staff)
    staff.ui.qtbot.waitUntil(lambda: item_id in screen.item_buttons, timeout=WAIT_MS)
    text = screen.item_buttons[item_id].text()
    assert "37,30 kr" in text and "3 dage" in text and REASON in text
    assert "Afvist af FBS – prøves igen" in text  # the state in Danish
    assert "Åbne punkter: 1" in screen.summary.text()
    assert staff.audit("follow_up_list_viewed") == [{"items": 1}]
    staff.ui.click(screen.item_buttons[item_id])
    staff.ui.click(outcome_button(screen, "registered_by_hand"))
    assert not any(b.isVisible() for b in screen.notes.buttons())  # notes only for "other"
    staff.ui.click(screen.close_item)
    staff.wait_banner(screen, "Lukket: Registreret manuelt i FBS")
    staff.ui.qtbot.waitUntil(
        lambda: "af medarbejdernummer 17" in screen.item_buttons[item_id].text(), timeout=WAIT_MS
    )
    assert not screen.item_buttons[item_id].isCheckable()
    (row,) = outbox(staff)
    assert row[0] == item_id
    item = FollowUps(staff.ui.engine, AUTOMAT, staff.ui.rig.clock).item(item_id)
    assert (item.state, item.closed_by, item.closed_role, item.outcome) == (
        "closed", "17", "staff", "registered_by_hand")
    (entry,) = staff.audit("follow_up_closed")
    assert entry["outbox_id"] == item_id and entry["outcome"] == "registered_by_hand"


def test_other_needs_one_of_the_fixed_notes(staff: StaffWorld) -> None:
    item_id = refused_registration(staff)
    screen = open_list(staff)
    staff.ui.qtbot.waitUntil(lambda: item_id in screen.item_buttons, timeout=WAIT_MS)
    before = outbox(staff)
    staff.ui.click(screen.close_item)  # nothing chosen
    staff.wait_banner(screen, "Vælg det punkt")
    staff.ui.click(screen.item_buttons[item_id])
    staff.ui.click(screen.close_item)  # no outcome
    staff.wait_banner(screen, "Vælg hvad der blev gjort")
    staff.ui.click(outcome_button(screen, "other"))
    staff.ui.click(screen.close_item)  # other, no note
    staff.wait_banner(screen, "Vælg en note")
    staff.ui.settle()
    assert outbox(staff) == before and staff.audit("follow_up_closed") == []
    note = screen.notes.buttons()[1]
    staff.ui.click(note)
    staff.ui.click(screen.close_item)
    staff.wait_banner(screen, "Lukket: Andet: " + note.text())
    assert staff.audit("follow_up_closed")[0]["note"] == note.text()


def test_an_item_closed_meanwhile_is_refused_on_screen_and_nothing_changes(
    staff: StaffWorld,
) -> None:
    item_id = refused_registration(staff)
    screen = open_list(staff)
    staff.ui.qtbot.waitUntil(lambda: item_id in screen.item_buttons, timeout=WAIT_MS)
    # a colleague at another automat of the fleet closes it while this list is open
    admin = StaffUser("50", "Anne Admin", frozenset({Role.ADMINISTRATOR}))
    staff.desk.close_follow_up(admin, item_id, "refunded")
    before = outbox(staff)
    staff.ui.click(screen.item_buttons[item_id])
    staff.ui.click(outcome_button(screen, "written_off"))
    staff.ui.click(screen.close_item)
    staff.wait_banner(screen, "allerede lukket")
    assert "medarbejdernummer 50" in staff.banner(screen)
    assert "Intet er ændret" in staff.banner(screen)
    staff.ui.qtbot.waitUntil(  # the list is loaded again: the item shows as closed
        lambda: "af medarbejdernummer 50" in screen.item_buttons[item_id].text(), timeout=WAIT_MS
    )
    assert outbox(staff) == before and len(staff.audit("follow_up_closed")) == 1


def test_an_item_being_sent_to_fbs_is_refused_on_screen(staff: StaffWorld) -> None:
    item_id = refused_registration(staff)
    screen = open_list(staff)
    staff.ui.qtbot.waitUntil(lambda: item_id in screen.item_buttons, timeout=WAIT_MS)
    lease = staff.ui.rig.clock.now() + timedelta(minutes=5)
    with staff.ui.engine.begin() as conn:  # a sender holds it (as FbsOutbox does, for a test)
        conn.execute(update(OutboxItem).where(OutboxItem.id == item_id)
                     .values(lease_until=lease))
    before = outbox(staff)
    staff.ui.click(screen.item_buttons[item_id])
    staff.ui.click(outcome_button(screen, "refunded"))
    staff.ui.click(screen.close_item)
    staff.wait_banner(screen, "sendes til FBS lige nu")
    assert outbox(staff) == before and staff.audit("follow_up_closed") == []


def test_a_technician_has_no_follow_up_list_an_administrator_has(staff: StaffWorld) -> None:
    staff.logged_in("30", TECH_PIN)
    assert not staff.w.staff.menu.entry_buttons["follow_up"].isVisible()
    tech = StaffUser("30", "Tom Tekniker", frozenset({Role.TECHNICIAN}))
    assert not tech.may(Permission.FOLLOW_UP)
    from kiosk.staff.rules import NotPermitted

    with pytest.raises(NotPermitted):  # nor through the desk behind the screen
        staff.desk.follow_up_items(tech)
    assert staff.audit("staff_not_permitted") == [{"permission": "follow_up"}]
    staff.ui.click(staff.w.staff.menu.logout)
    staff.ui.wait_screen(staff.w.attract)
    screen = open_list(staff, "50", ADMIN_PIN)
    staff.ui.qtbot.waitUntil(lambda: "Ingen afviste" in screen.summary.text(), timeout=WAIT_MS)
