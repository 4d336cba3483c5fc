"""A bon's slip scanned when the automat is not in a payment (``Login.read``), on the session with
a real ledger, bon book and staff accounts: at the attract screen it is no card (no PIN asked, no
session opened, the citizen told what to do); in staff mode staff stay logged in and the bon is
looked up for the bons screen; technician mode's reader test still sees it first; while paying
it is redeemed as ever."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select

from drivers.base.reader import IdentifierRead, IdSource
from kiosk.bons import BonError, BonTicket
from kiosk.ledger.models import AuditEntry, Bon, CitizenSession
from kiosk.money import Money
from kiosk.payment.states import State
from kiosk.staff.accounts import Actor, StaffBook
from kiosk.staff.device_tests import READERS
from tests.payment_fakes import BON_SIGNING_KEY, CPR, SessionRig, session_rig

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
CLERK_PIN, TECH_PIN = "2468", "1357"


@pytest.fixture
def rig(sqlite_engine: Engine) -> SessionRig:
    rig = session_rig(sqlite_engine)
    staff = StaffBook(sqlite_engine, rig.clock, "test-01", BON_SIGNING_KEY, hasher=FAST)
    system = Actor("os:test", "system")
    staff.add("17", "Sofie Skranke", "staff", CLERK_PIN, by=system)
    staff.add("30", "Tom Tekniker", "technician", TECH_PIN, by=system)
    rig.session.staff_door.logins = staff
    return rig


def bon(rig: SessionRig, kroner: int = 50) -> BonTicket:
    assert rig.book is not None
    return rig.book.issue(Money.kr(kroner), "17")


def scan(rig: SessionRig, text: str) -> None:
    rig.session.read(IdentifierRead("scanner", IdSource.BARCODE, text))


def staff_in(rig: SessionRig, number: str = "17", pin: str = CLERK_PIN) -> None:
    rig.session.staff_door.ask()
    rig.session.staff_door.log_in(number, pin)  # the rig's runner is inline
    assert rig.session.state is State.STAFF


def audit(rig: SessionRig, action: str) -> list[dict]:
    with rig.engine.connect() as conn:
        return [r.details for r in conn.execute(
            select(AuditEntry).where(AuditEntry.action == action))]


def genuine(rig: SessionRig) -> str:
    return bon(rig).qr_payload


def forged(rig: SessionRig) -> str:
    return bon(rig).qr_payload.replace(".5000.", ".50000.")


SCANS = {
    "genuine": genuine,
    "forged": forged,
    "truncated": lambda rig: bon(rig).qr_payload[:30],
    "dots misread": lambda rig: bon(rig).qr_payload.replace(".", "")[:24],  # card-number shaped
    "lower case": lambda rig: bon(rig).qr_payload.lower(),
}


# -- the attract screen ----------------------------------------------------------------------------
@pytest.mark.parametrize("kind", SCANS)
def test_a_bon_at_the_attract_screen_is_no_card_and_opens_no_session(
    rig: SessionRig, kind: str
) -> None:
    s = rig.session
    text = SCANS[kind](rig)
    scan(rig, text)
    assert s.state is State.IDLE and s.identifier is None
    assert rig.views[-1].message == "bon_not_card" and rig.views[-1].state is State.IDLE
    assert rig.rows(CitizenSession) == []
    assert [b.state for b in rig.rows(Bon)] == ["issued"]  # nothing redeemed
    # the next citizen starts afresh: the bon's words are gone once they touch the screen
    s.start()
    assert rig.views[-1].message == "" and s.state is State.IDENTIFYING


def test_the_attract_screens_bon_message_is_forgotten_when_the_screen_asks(
    rig: SessionRig,
) -> None:
    """The window asks after a while (``AutomatWindow``): a citizen who walks away does not
    leave "show your card first" for the next one. A citizen's own message stays."""
    s = rig.session
    scan(rig, genuine(rig))
    views = len(rig.views)
    s.login.forget_message()
    assert rig.views[-1].message == "" and rig.views[-1].state is State.IDLE
    s.login.forget_message()  # nothing more to forget: no view
    assert len(rig.views) == views + 1
    s.start()
    scan(rig, genuine(rig))
    s.login.forget_message()
    assert rig.views[-1].message == "bon_not_card" and s.state is State.IDENTIFYING
    assert rig.rows(CitizenSession)[0].state == "identifying"


def test_a_bon_while_identifying_keeps_the_citizen_there_and_their_card_still_works(
    rig: SessionRig,
) -> None:
    s = rig.session
    s.start()
    scan(rig, genuine(rig))
    assert s.state is State.IDENTIFYING and s.identifier is None
    assert rig.views[-1].message == "bon_not_card"
    (row,) = rig.rows(CitizenSession)
    assert row.state == "identifying"  # the session the citizen opened, nothing new
    s.identify(CPR)
    assert s.state is State.PIN and rig.views[-1].message == ""
    s.cancel()
    (row,) = rig.rows(CitizenSession)
    assert row.state == "cancelled" and row.ended_at is not None
    assert rig.audit_clean()


def test_a_bon_while_paying_is_redeemed_as_ever(rig: SessionRig) -> None:
    rig.login()
    s = rig.session
    s.pay()
    scan(rig, bon(rig, 500).qr_payload)  # more than the claims: paid, the rest a new bon
    assert s.state is State.RECEIPT
    assert sorted(b.state for b in rig.rows(Bon)) == ["issued", "redeemed"]


@pytest.mark.parametrize("where", ["pin", "claims"])
def test_a_bon_before_pay_is_touched_says_it_is_scanned_after_pay(
    rig: SessionRig, where: str
) -> None:
    s = rig.session
    if where == "pin":
        s.start()
        s.identify(CPR)
    else:
        rig.login()
    state = s.state
    ticket = bon(rig)
    scan(rig, ticket.qr_payload)
    assert s.state is state and rig.views[-1].message == "bon_when_paying"
    assert [b.state for b in rig.rows(Bon)] == ["issued"]  # kept for the payment
    if where == "claims":  # and so it is: after "Pay" the same scan pays
        s.pay()
        scan(rig, ticket.qr_payload)
        assert [b.state for b in rig.rows(Bon)] == ["redeemed"]


@pytest.mark.parametrize("where", ["attract", "claims"])
def test_an_automat_without_bons_says_to_take_it_to_the_staff(
    sqlite_engine: Engine, where: str
) -> None:
    rig = session_rig(sqlite_engine, bons="plain")
    if where == "claims":
        rig.login()
    state = rig.session.state
    scan(rig, "BON1.0b7e3f0e-0000-4000-8000-000000000000.5000.1900000000." + "A" * 32)
    assert rig.session.state is state and rig.views[-1].message == "bon_not_taken"
    rows = rig.rows(CitizenSession)  # no session opened for it; the citizen's own one goes on
    assert [r.state for r in rows] == ([] if where == "attract" else [state.value])


# -- staff mode ------------------------------------------------------------------------------------
def test_a_bon_in_staff_mode_is_looked_up_and_staff_stay_logged_in(rig: SessionRig) -> None:
    s = rig.session
    staff_in(rig)
    ticket = bon(rig)
    scan(rig, ticket.qr_payload)
    assert s.state is State.STAFF and s.staff_door.user.staff_no == "17"
    assert audit(rig, "staff_logout") == []
    assert rig.rows(CitizenSession) == []
    shown = rig.views[-1].staff_bon
    assert shown.error is None and shown.found.ticket.id == ticket.id
    assert shown.found.status == "outstanding" and shown.found.ticket.amount == Money.kr(50)
    # the same slip again shows again; a used one shows as used
    assert rig.book is not None
    rig.book.redeem_into_session(ticket.qr_payload, rig.ledger.open_session(state="paying"))
    scan(rig, ticket.qr_payload)
    again = rig.views[-1].staff_bon
    assert again.number > shown.number and again.found.status == "redeemed"
    assert s.state is State.STAFF and audit(rig, "staff_logout") == []


@pytest.mark.parametrize("kind", ["forged", "truncated", "dots misread"])
def test_a_forged_or_misread_bon_in_staff_mode_is_refused_and_staff_stay(
    rig: SessionRig, kind: str
) -> None:
    s = rig.session
    staff_in(rig)
    scan(rig, SCANS[kind](rig))
    shown = rig.views[-1].staff_bon
    assert shown.found is None and isinstance(shown.error, BonError)
    assert shown.error.reason in ("bon_forged", "bon_unknown")
    assert s.state is State.STAFF and s.staff_door.user is not None
    assert audit(rig, "staff_logout") == []


def test_a_bon_at_the_staff_pin_asks_for_the_login_first(rig: SessionRig) -> None:
    s = rig.session
    s.staff_door.ask()
    scan(rig, genuine(rig))
    assert s.state is State.STAFF_LOGIN and rig.views[-1].message == "bon_log_in_first"
    assert rig.views[-1].staff_bon is None and rig.rows(CitizenSession) == []


def test_logging_out_forgets_the_scanned_bon(rig: SessionRig) -> None:
    staff_in(rig)
    scan(rig, genuine(rig))
    assert rig.views[-1].staff_bon is not None
    rig.session.staff_door.log_out()
    assert rig.views[-1].staff_bon is None and rig.session.state is State.IDLE


def test_the_reader_test_sees_a_bon_first(rig: SessionRig) -> None:
    s = rig.session
    staff_in(rig, "30", TECH_PIN)
    s.staff_door.tests.start(READERS)
    scan(rig, genuine(rig))
    test = rig.views[-1].device_test
    assert len(test.readings) == 1 and test.readings[0].device == "scanner"
    assert rig.views[-1].staff_bon is None and s.state is State.STAFF
