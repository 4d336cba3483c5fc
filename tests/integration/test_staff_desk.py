"""Staff mode's core services on SQLite and PostgreSQL: a bon issued, listed and voided by a
logged-in user, a citizen's session found by its reference or a bon's code and its receipt
printed again, each checked against the user's roles and audit-logged with the staff number and
role; bad input refused with one clear sentence and nothing changed; and a bon issued at automat
A redeemed at automat B on one PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, select, text

from kiosk.bon_words import refusal
from kiosk.bons import BonAmountRefused, BonBook, BonError, BonSigner
from kiosk.clock import FakeClock
from kiosk.ledger.audit import run_audit
from kiosk.ledger.db import make_engine
from kiosk.ledger.models import AuditEntry, Bon, Tender
from kiosk.money import Money
from kiosk.payment.states import State
from kiosk.receipts import COPY_TEXT
from kiosk.staff.desk import SessionNotFound, StaffDesk
from kiosk.staff.roles import Role, StaffUser
from kiosk.staff.rules import NotPermitted
from tests.payment_fakes import (
    BON_SIGNING_KEY,
    CPR,
    FakePrinter,
    SessionRig,
    bons_and_tenders,
    session_rig,
)

CLERK = StaffUser("17", "Sofie Skranke", frozenset({Role.STAFF}))
TECHNICIAN = StaffUser("30", "Tom Tekniker", frozenset({Role.TECHNICIAN}))
ADMIN = StaffUser("1", "Ada Admin", frozenset({Role.ADMINISTRATOR}))


@dataclass
class World:
    engine: Engine
    clock: FakeClock
    bons: BonBook
    rig: SessionRig
    printer: FakePrinter
    desk: StaffDesk

    def tables(self) -> tuple[list, list]:
        return bons_and_tenders(self.engine)

    def audit(self) -> list[tuple[str, str, str, dict]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(AuditEntry).order_by(AuditEntry.id)).all()
        return [(r.actor, r.role, r.action, r.details) for r in rows]


def world_on(engine: Engine, automat: str = "test-01") -> World:
    clock = FakeClock()
    bons = BonBook(engine, BonSigner(BON_SIGNING_KEY), clock, automat, max_amount=Money.kr(1000))
    printer = FakePrinter()
    rig = session_rig(engine, automat=automat, clock=clock, bons=bons, printer=printer)
    assert rig.receipts is not None
    desk = StaffDesk(engine, clock, automat, bons, rig.receipts)
    return World(engine, clock, bons, rig, printer, desk)


@pytest.fixture
def world(engine: Engine) -> World:
    return world_on(engine)


def pay_with(world: World, code: str) -> str:
    """A citizen pays 97,30 kr. of claims with a bon; returns the session id."""
    session = world.rig.session
    session.start()
    session.identify(CPR)
    session.enter_pin("1234")
    session.pay()
    session.redeem_bon(code)
    assert session.state is State.RECEIPT
    session_id = session.session_id
    session.finish_receipt()
    return session_id


def test_staff_issue_a_bon_that_is_printed_and_audited_with_number_and_role(world: World) -> None:
    issued = world.desk.issue_bon(CLERK, Money.kr(150), "betalt kontant for erstatning")
    assert issued.ticket.amount == Money.kr(150) and issued.ticket.issuer == "17"
    assert issued.slip is not None and issued.slip.printed
    assert issued.ticket.short_code_display in world.printer.texts("bon")[0]
    assert world.audit() == [("17", "staff", "bon_issued", {
        "bon_id": issued.ticket.id, "amount_ore": 15000, "reason": "desk_cash",
        "note": "betalt kontant for erstatning"})]
    admin_bon = world.desk.issue_bon(ADMIN, Money.kr(1000))  # the maximum itself is allowed
    assert world.audit()[-1][:3] == ("1", "administrator", "bon_issued")
    assert {t.id for t in world.desk.outstanding_bons(CLERK)} == {
        issued.ticket.id, admin_bon.ticket.id}


@pytest.mark.parametrize(
    ("amount", "reason", "words"),
    [
        (Money(0), "bon_amount_zero", "En bon skal være på mere end 0,00 kr."),
        (Money(100_001), "bon_amount_over_max",
         "En bon kan højst være på 1.000,00 kr. (1.000,01 kr. er for meget)."),
    ],
)
def test_an_amount_of_0_or_above_the_maximum_issues_nothing(
    world: World, amount: Money, reason: str, words: str
) -> None:
    before = world.tables(), world.audit()
    with pytest.raises(BonAmountRefused) as err:
        world.desk.issue_bon(CLERK, amount)
    assert (err.value.reason, str(err.value)) == (reason, words)
    assert (world.tables(), world.audit()) == before
    assert world.printer.documents == []


def test_a_technician_issues_no_bon_and_voids_none(world: World) -> None:
    ticket = world.desk.issue_bon(CLERK, Money.kr(50)).ticket
    before = world.tables()
    with pytest.raises(NotPermitted, match="Medarbejder 30 har ikke adgang"):
        world.desk.issue_bon(TECHNICIAN, Money.kr(50))
    with pytest.raises(NotPermitted):
        world.desk.void_bon(TECHNICIAN, ticket.short_code, "tabt")
    with pytest.raises(NotPermitted):
        world.desk.find_session(TECHNICIAN, "K123")
    assert world.tables() == before
    assert [a[:3] for a in world.audit()[-3:]] == [
        ("30", "technician", "staff_not_permitted")] * 3
    both = StaffUser("31", "Tove", frozenset({Role.TECHNICIAN, Role.STAFF}))
    world.desk.issue_bon(both, Money.kr(5))
    assert world.audit()[-1][:3] == ("31", "staff", "bon_issued")


def test_void_with_a_reason_and_a_redeemed_bon_cannot_be_voided(world: World) -> None:
    kept = world.desk.issue_bon(CLERK, Money.kr(20)).ticket
    voided = world.desk.void_bon(CLERK, kept.short_code_display.lower(), "  slip tabt ")
    assert voided.state == "voided"
    assert world.audit()[-1] == ("17", "staff", "bon_voided", {
        "bon_id": kept.id, "amount_ore": 2000, "why": "slip tabt"})

    used = world.desk.issue_bon(CLERK, Money.kr(200)).ticket
    pay_with(world, used.short_code)
    fresh = world.desk.issue_bon(CLERK, Money.kr(1)).ticket
    before = world.tables(), world.audit()
    with pytest.raises(BonError) as err:
        world.desk.void_bon(CLERK, used.short_code, "fortrudt")
    assert err.value.reason == "bon_used"
    assert refusal(err.value) == "Bonen er allerede brugt. Brugt 24.11.2026 kl. 11.00."
    with pytest.raises(ValueError, match=r"Skriv hvorfor bonen annulleres\."):
        world.desk.void_bon(CLERK, fresh.short_code, " ")
    assert (world.tables(), world.audit()) == before


def test_find_a_session_by_reference_or_bon_code_and_print_its_receipt_again(
    world: World,
) -> None:
    bon = world.desk.issue_bon(CLERK, Money.kr(200)).ticket
    session_id = pay_with(world, bon.short_code)
    original = world.printer.texts("receipt")[-1]
    by_code = world.desk.find_session(CLERK, bon.short_code_display)
    assert by_code.session_id == session_id and by_code.has_receipt
    assert (by_code.received, by_code.paid, by_code.method) == (Money.kr(200), Money(9730), "bon")
    by_ref = world.desk.find_session(CLERK, by_code.transaction_ref.lower())
    assert by_ref == by_code
    # the remainder bon the session issued finds it too
    remainder = world.rig.session.view().credit_bon
    with world.engine.connect() as conn:
        credit_code = conn.scalar(select(Bon.short_code).where(Bon.origin_session_id == session_id))
    assert world.desk.find_session(CLERK, credit_code).session_id == session_id
    assert remainder is None or remainder.short_code == credit_code

    world.clock.advance(3600)  # an hour later: the copy keeps the payment's time
    issued = world.desk.reprint_receipt(CLERK, session_id)
    assert issued.printed
    copy = world.printer.texts("receipt")[-1]
    assert COPY_TEXT in copy and COPY_TEXT not in original
    for line in ("24.11.2026 kl. 11.00", f"Reference: {by_code.transaction_ref}", "97,30 kr.",
                 "Betalt med: Bon", "Tilgodebevis (bon):"):
        assert line in copy and line in original, line
    assert "Gebyr" in copy
    assert [a[2:] for a in world.audit()[-4:]] == [
        ("session_looked_up", {"transaction_ref": by_code.transaction_ref,
                               "session_id": session_id})] * 3 + [
        ("receipt_reprinted", {"session_id": session_id, "printed": True})]
    assert {a[:2] for a in world.audit()[-4:]} == {("17", "staff")}


def test_a_session_that_cannot_be_found_says_so_and_nothing_is_printed(world: World) -> None:
    unused = world.desk.issue_bon(CLERK, Money.kr(20)).ticket  # not used in any session yet
    printed = len(world.printer.documents)
    for typed in ("K000000000000000", unused.short_code, "hello", ""):
        with pytest.raises(SessionNotFound) as err:
            world.desk.find_session(CLERK, typed)
        assert str(err.value) == (
            "Ingen betaling passer til referencen eller bonkoden. Tjek det indtastede."
        )
    assert len(world.printer.documents) == printed
    assert world.audit()[-1][2] == "bon_issued"


@pytest.mark.postgres
def test_a_bon_issued_in_staff_mode_at_automat_a_pays_at_automat_b(
    postgres_engine: Engine,
) -> None:
    """Two automats, each with its own engine on one PostgreSQL: staff at A issue the bon, a
    citizen at B pays with it; the ledger balances and a second use is refused at A."""
    with postgres_engine.connect() as conn:
        schema = conn.scalar(text("SELECT current_schema()"))
    engine_b = make_engine(
        postgres_engine.url.render_as_string(hide_password=False),
        connect_args={"options": f"-csearch_path={schema}"},
    )
    try:
        a = world_on(postgres_engine, "automat-a")
        b = world_on(engine_b, "automat-b")
        ticket = a.desk.issue_bon(CLERK, Money.kr(200), "kontant i skranken").ticket
        session_b = pay_with(b, ticket.qr_payload)
        with postgres_engine.connect() as conn:
            bon = conn.execute(select(Bon).where(Bon.id == ticket.id)).one()
            tender = conn.execute(select(Tender).where(Tender.reference == ticket.id)).one()
            issued = conn.execute(
                select(AuditEntry).where(AuditEntry.action == "bon_issued")
            ).one()
        assert (bon.state, bon.redeemed_session_id) == ("redeemed", session_b)
        assert (tender.session_id, tender.amount_ore, tender.device) == (session_b, 20000,
                                                                         "automat-b")
        assert (issued.automat_id, issued.actor, issued.role) == ("automat-a", "17", "staff")
        with pytest.raises(BonError) as err:
            a.bons.verify(ticket.short_code)
        assert err.value.reason == "bon_used"
        found = a.desk.find_session(CLERK, ticket.short_code)  # A finds B's session
        assert (found.session_id, found.automat_id) == (session_b, "automat-b")
        report = run_audit(postgres_engine)
        assert report.clean and not report.open_sessions
    finally:
        engine_b.dispose()


def test_the_receipt_service_remembers_only_the_last_bons_it_printed(
    sqlite_engine: Engine,
) -> None:
    """Months of credit bons do not grow the set of bons already printed (a soak finding)."""
    from kiosk.runtime import REMEMBERED_BONS

    rig = session_rig(sqlite_engine, printer=FakePrinter())
    assert rig.receipts is not None and rig.book is not None
    tickets = [rig.book.issue(Money.kr(5), "test") for _ in range(REMEMBERED_BONS + 30)]
    for ticket in tickets:
        rig.receipts.print_bon(ticket)
    assert list(rig.receipts._printed_bons) == [t.id for t in tickets[-REMEMBERED_BONS:]]
