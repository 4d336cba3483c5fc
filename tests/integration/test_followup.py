"""The FBS follow-up list (``kiosk.followup``): a registration FBS refuses is retried until
``[fbs] refused_retry_days`` after the payment, then parked; a person closes it with what was
done, after which it is never sent again; the list and the Z-report say who closed it and how;
bad input changes nothing. Real sessions paid by card at the automat, a fake clock, SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update

from kiosk.domain import LocalStatus, Patron, PayableIn
from kiosk.followup import FollowUpError, FollowUps, follow_up_items
from kiosk.followup_words import CLOSE_OUTCOMES
from kiosk.ledger.errors import LedgerUnavailable
from kiosk.ledger.models import AuditEntry, OutboxItem
from kiosk.payment.outbox import LEASE, FbsOutbox
from kiosk.payment.paid_here import overlay_paid_here
from kiosk.reports import report_lines, z_report
from tests.payment_fakes import (
    AUTOMAT,
    CPR,
    FakeFbs,
    FakePrinter,
    SessionRig,
    claim,
    mixed_claims,
    session_rig,
)

REASON = "Der findes ingen regnskabsperiode for indeværende år"
#: FBS refused each of the two fees with its reason
REFUSAL = REASON  # FBS said it for each of the two fees: the item says it once


def refused_registration(rig: SessionRig) -> int:
    """A citizen pays the two FBS claims (37.30) by card; FBS refuses the registration."""
    session = rig.session
    rig.login()
    session.toggle("201")  # the debtor claims stay out
    session.pay()
    session.choose_card()
    session.finish_receipt()
    session.reset()
    rig.fbs.refuse = REASON
    (delivery,) = rig.outbox.deliver_due()
    assert delivery.state == "refused"
    return delivery.item_id


def outbox_row(engine: Engine, item_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(OutboxItem).where(OutboxItem.id == item_id)).one()


def audit_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(AuditEntry)))


def follow_ups(rig: SessionRig) -> FollowUps:
    return FollowUps(rig.engine, AUTOMAT, rig.clock)


# -- retries stop after refused_retry_days ------------------------------------------------------


def test_a_refusal_is_retried_until_the_configured_days_then_parked(engine: Engine) -> None:
    rig = session_rig(engine)
    item_id = refused_registration(rig)
    paid_at = outbox_row(engine, item_id).created_at
    outbox = FbsOutbox(engine, rig.fbs, rig.clock, automat_id=AUTOMAT,
                       refused_retry=timedelta(hours=7), refused_retry_for=timedelta(days=2))
    calls = rig.fbs.calls
    states = []
    for _ in range(12):  # every hour-and-a-bit would do; jump to each due time instead
        row = outbox_row(engine, item_id)
        if row.next_attempt_at is None:
            break
        rig.clock.advance((row.next_attempt_at - rig.clock.now()).total_seconds())
        states += [d.state for d in outbox.deliver_due()]
    # tried after the rig's first hour, then every 7 hours (8, 15, … 43 hours after the
    # payment), and once more exactly 48 hours after it: then parked
    assert states == ["refused"] * 7 + ["parked"]
    assert rig.fbs.calls == calls + 8
    row = outbox_row(engine, item_id)
    assert row.state == "parked" and row.next_attempt_at is None
    assert rig.clock.now() - paid_at == timedelta(days=2) and row.attempts == 9
    assert row.last_error == REFUSAL

    rig.fbs.refuse = ""  # even were FBS to accept now, nobody asks it any more
    rig.clock.advance(30 * 86400)
    assert outbox.deliver_due() == [] and outbox.deliver_due(row.session_id) == []
    assert rig.fbs.calls == calls + 8


def test_fbs_unreachable_near_the_end_retries_until_a_refusal_parks_it(engine: Engine) -> None:
    rig = session_rig(engine)
    item_id = refused_registration(rig)
    outbox = FbsOutbox(engine, rig.fbs, rig.clock, automat_id=AUTOMAT,
                       refused_retry_for=timedelta(days=1))
    rig.clock.advance(86400)
    rig.fbs.down = True
    assert [d.state for d in outbox.deliver_due()] == ["refused"]  # still refused, backing off
    rig.fbs.down = False
    rig.clock.advance(60)
    assert [d.state for d in outbox.deliver_due()] == ["parked"]
    assert outbox_row(engine, item_id).state == "parked"


def test_a_registration_fbs_accepts_before_the_end_is_done(engine: Engine) -> None:
    rig = session_rig(engine)
    item_id = refused_registration(rig)
    rig.fbs.refuse = ""
    rig.clock.advance(3600)
    assert [d.state for d in rig.outbox.deliver_due()] == ["done"]
    assert follow_ups(rig).items() == [] and outbox_row(engine, item_id).state == "done"


# -- closing by hand -------------------------------------------------------------------------


@pytest.mark.parametrize("parked", [False, True], ids=["refused", "parked"])
def test_a_closed_item_is_never_sent_again_and_shows_who_closed_it(
    engine: Engine, parked: bool
) -> None:
    rig = session_rig(engine)
    item_id = refused_registration(rig)
    if parked:
        rig.clock.advance(14 * 86400)
        assert [d.state for d in rig.outbox.deliver_due()] == ["parked"]
    rig.clock.advance(3600)
    before = audit_count(engine)

    item = follow_ups(rig).close(item_id, "registered_by_hand", staff="s17", role="staff",
                                 note="  Registreret i FBS-klienten  ")

    assert item.closed and not item.retrying and item.state_text == "Lukket"
    assert (item.closed_by, item.closed_role, item.closed_at) == ("s17", "staff", rig.clock.now())
    assert item.outcome == "registered_by_hand" and item.note == "Registreret i FBS-klienten"
    assert item.outcome_text == "Registreret manuelt i FBS: Registreret i FBS-klienten"
    row = outbox_row(engine, item_id)
    assert row.state == "closed" and row.next_attempt_at is None and row.done_at is None
    assert audit_count(engine) == before + 1
    with engine.connect() as conn:
        entry = conn.execute(
            select(AuditEntry).where(AuditEntry.action == "follow_up_closed")).one()
    assert (entry.actor, entry.role, entry.automat_id) == ("s17", "staff", AUTOMAT)
    assert entry.details["outbox_id"] == item_id and entry.details["amount_ore"] == 3730
    assert entry.details["outcome"] == "registered_by_hand"
    assert entry.details["was"] == ("parked" if parked else "refused")

    # never sent again: not on the worker's round, not with its session, not when FBS is back
    calls = rig.fbs.calls
    rig.fbs.refuse = ""
    for _ in range(3):
        rig.clock.advance(86400)
        assert rig.outbox.deliver_due() == [] and rig.outbox.deliver_due(row.session_id) == []
    assert rig.fbs.calls == calls
    (listed,) = follow_ups(rig).items()
    assert listed == follow_ups(rig).item(item_id) and listed.closed_by == "s17"
    assert follow_ups(rig).items(include_closed=False) == []


def test_the_list_has_what_the_screen_shows(engine: Engine) -> None:
    rig = session_rig(engine)
    item_id = refused_registration(rig)
    rig.clock.advance(3 * 86400 + 3600)
    rig.outbox.deliver_due()  # retried, refused again
    (item,) = follow_ups(rig).items()
    assert item.item_id == item_id and item.fee_ids == ("101", "102")
    assert item.amount.ore == 3730 and item.reason == REFUSAL
    assert item.age_days == 3 and item.attempts == 2 and item.retrying and not item.closed
    assert item.automat_id == AUTOMAT and item.patron == "Åse Ødegård (P1)"
    assert item.order_id == outbox_row(engine, item_id).idempotency_key
    assert item.state_text == "Afvist af FBS – prøves igen"
    assert item.next_attempt_at == rig.clock.now() + timedelta(hours=1)


def test_the_list_is_this_automats_unless_the_fleets_is_asked_for(engine: Engine) -> None:
    rig = session_rig(engine)
    refused_registration(rig)
    elsewhere = FollowUps(engine, "other-01", rig.clock)
    assert elsewhere.items() == [] and len(elsewhere.items(fleet=True)) == 1
    assert len(follow_up_items(engine, rig.clock.now())) == 1


def test_every_outcome_has_danish_words_and_other_needs_a_note(engine: Engine) -> None:
    assert set(CLOSE_OUTCOMES) == {"registered_by_hand", "refunded", "written_off", "other"}
    rig = session_rig(engine)
    item_id = refused_registration(rig)
    item = follow_ups(rig).close(item_id, "other", staff="a1", role="administrator",
                                 note="Borgeren fik en bon på 37,30 kr.")
    assert item.outcome_text == "Andet: Borgeren fik en bon på 37,30 kr."


def test_a_cpr_typed_into_the_note_is_not_kept(engine: Engine) -> None:
    rig = session_rig(engine)
    item_id = refused_registration(rig)
    item = follow_ups(rig).close(item_id, "refunded", staff="s17", role="staff",
                                 note=f"udbetalt til {CPR}")
    assert CPR not in item.note and "******-****" in item.note
    with engine.connect() as conn:
        details = conn.execute(select(AuditEntry.details)).scalars().all()
    assert all(CPR not in str(d) for d in details)


@pytest.mark.parametrize(
    ("outcome", "staff", "role", "note", "message"),
    [
        ("paid", "s17", "staff", "",
         "unknown outcome 'paid' (one of: registered_by_hand, refunded, written_off, other)"),
        ("other", "s17", "staff", "   ", "the outcome 'other' needs a note saying what was done"),
        ("refunded", " ", "staff", "", "closing an item needs the staff number of the person"),
        ("refunded", "t1", "technician", "",
         "only staff or an administrator may close an item (role 'technician')"),
    ],
)
def test_bad_input_is_one_clear_line_and_changes_nothing(
    engine: Engine, outcome: str, staff: str, role: str, note: str, message: str
) -> None:
    rig = session_rig(engine)
    item_id = refused_registration(rig)
    before, audits = outbox_row(engine, item_id), audit_count(engine)
    with pytest.raises(FollowUpError) as refused:
        follow_ups(rig).close(item_id, outcome, staff=staff, role=role, note=note)
    assert str(refused.value) == message
    assert outbox_row(engine, item_id) == before and audit_count(engine) == audits


def test_items_not_on_the_list_cannot_be_closed(engine: Engine) -> None:
    rig = session_rig(engine)
    item_id = refused_registration(rig)
    closer = follow_ups(rig)
    with pytest.raises(FollowUpError, match=r"^no FBS registration 999 on the follow-up list$"):
        closer.close(999, "refunded", staff="s17", role="staff")
    closer.close(item_id, "written_off", staff="s17", role="staff")
    audits = audit_count(engine)
    with pytest.raises(FollowUpError) as again:
        closer.close(item_id, "refunded", staff="s02", role="staff")
    assert str(again.value) == f"item {item_id} was already closed 24.11.2026 11:00 by s17"
    assert outbox_row(engine, item_id).closed_by == "s17" and audit_count(engine) == audits

    fbs = FakeFbs()  # another citizen, whose registration FBS accepts
    fbs.add("3210000001", "1111", Patron("P2", "Bo Berg"),
            [claim("501", "15.00", PayableIn.FBS, date(2019, 1, 1))])
    other = session_rig(engine, clock=rig.clock, fbs=fbs)
    other.login("3210000001", "1111")
    other.session.pay()
    other.session.choose_card()
    (done,) = other.outbox.deliver_due()
    with pytest.raises(FollowUpError, match="not on the follow-up list: FBS has registered it"):
        closer.close(done.item_id, "refunded", staff="s17", role="staff")


def test_an_item_being_sent_right_now_is_not_closed(engine: Engine) -> None:
    """A sender holds the item's lease (it may be talking to FBS): closing it now could let
    FBS register what staff also register by hand."""
    rig = session_rig(engine)
    item_id = refused_registration(rig)
    now = rig.clock.now()
    with engine.begin() as conn:
        conn.execute(update(OutboxItem).where(OutboxItem.id == item_id)
                     .values(lease_owner="other-01:7", lease_until=now + LEASE))
    before, audits = outbox_row(engine, item_id), audit_count(engine)
    with pytest.raises(FollowUpError, match="being sent to FBS right now; try again in a minute"):
        follow_ups(rig).close(item_id, "refunded", staff="s17", role="staff")
    assert outbox_row(engine, item_id) == before and audit_count(engine) == audits
    rig.clock.advance(LEASE.total_seconds())  # the sender died: its lease ran out
    assert follow_ups(rig).close(item_id, "refunded", staff="s17", role="staff").closed


def test_a_database_that_cannot_write_is_ledger_unavailable(engine: Engine) -> None:
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    rig = session_rig(engine)
    item_id = refused_registration(rig)
    before = outbox_row(engine, item_id)

    def disk_full(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_LOG"):
            raise OperationalError(statement, {}, Exception("database or disk is full"))

    event.listen(engine, "before_cursor_execute", disk_full)
    try:
        with pytest.raises(LedgerUnavailable):
            follow_ups(rig).close(item_id, "refunded", staff="s17", role="staff")
    finally:
        event.remove(engine, "before_cursor_execute", disk_full)
    assert outbox_row(engine, item_id) == before  # the close rolled back with its audit entry


# -- what the citizen and the report see ------------------------------------------------------


def test_a_parked_claim_still_shows_the_citizen_that_staff_register_it(engine: Engine) -> None:
    rig = session_rig(engine)
    refused_registration(rig)
    rig.clock.advance(14 * 86400)
    assert [d.state for d in rig.outbox.deliver_due()] == ["parked"]
    claims = overlay_paid_here(engine, "P1", mixed_claims(), rig.clock.now(), 30)
    assert {c.id: c.status for c in claims}["101"] is LocalStatus.FOLLOW_UP


@pytest.mark.parametrize("outcome", sorted(CLOSE_OUTCOMES))
def test_a_closed_claim_is_paid_here_unless_the_money_went_back(
    engine: Engine, outcome: str
) -> None:
    """Closed by hand, the payment stands ("paid here"); paid back to the citizen, it does not,
    and the claim is owed again: the citizen can pay it here like any other."""
    rig = session_rig(engine)
    item_id = refused_registration(rig)
    follow_ups(rig).close(item_id, outcome, staff="s17", role="staff", note="note")
    claims = overlay_paid_here(engine, "P1", mixed_claims(), rig.clock.now(), 30)
    status = {c.id: c.status for c in claims}
    expected = LocalStatus.OPEN if outcome == "refunded" else LocalStatus.PAID_HERE_WAITING
    assert (status["101"], status["102"]) == (expected, expected)
    assert status["201"] is LocalStatus.OPEN  # not paid here at all


def test_a_claim_paid_back_then_paid_again_is_paid_here(engine: Engine) -> None:
    rig = session_rig(engine)
    item_id = refused_registration(rig)
    follow_ups(rig).close(item_id, "refunded", staff="s17", role="staff")
    rig.clock.advance(3600)
    rig.fbs.refuse = None
    session = rig.session
    rig.login()
    session.toggle("201")
    session.pay()
    session.choose_card()
    session.finish_receipt()
    session.reset()
    claims = overlay_paid_here(engine, "P1", mixed_claims(), rig.clock.now(), 30)
    assert {c.id: c.status for c in claims}["101"] is LocalStatus.PAID_HERE_WAITING


def test_the_z_report_shows_the_items_closed_that_day_and_by_whom(engine: Engine) -> None:
    rig = session_rig(engine)
    item_id = refused_registration(rig)
    rig.clock.advance(2 * 86400)
    follow_ups(rig).close(item_id, "refunded", staff="s17", role="staff")
    day = rig.clock.now().date()
    report = z_report(engine, AUTOMAT, day)
    (closed,) = report.follow_ups_closed
    assert (closed.item_id, closed.closed_by, closed.age_days) == (item_id, "s17", 2)
    text = "\n".join(report_lines(report))
    assert "Opfølgning lukket af personalet" in text
    assert f"11:00 {closed.order_id} gebyr 101, 102 37,30" in text
    assert "af s17 (personale): Pengene er betalt tilbage til borgeren" in text
    assert "Pengene er betalt tilbage til borgeren" in text
    paid_day = z_report(engine, AUTOMAT, day - timedelta(days=2))
    assert set(paid_day.fbs) == {"closed"} and paid_day.fbs["closed"].count == 1
    (closed_line,) = [t for t in report_lines(paid_day) if "lukket af personalet" in t]
    assert closed_line.split()[-2:] == ["1", "37,30"]
    assert z_report(engine, AUTOMAT, day - timedelta(days=1)).follow_ups_closed == []
    assert z_report(engine, "other-01", day).follow_ups_closed == []


def test_retention_keeps_a_parked_registration_and_lets_a_closed_one_go(engine: Engine) -> None:
    """A parked registration is open work: its payment is kept past the retention period until
    a person closes it; then it is finished like a registered one."""
    from kiosk.retention import Purger

    rig = session_rig(engine)
    item_id = refused_registration(rig)
    rig.clock.advance(14 * 86400)
    assert [d.state for d in rig.outbox.deliver_due()] == ["parked"]
    rig.clock.advance(2 * 366 * 86400)
    purger = Purger(engine, AUTOMAT, rig.clock, retention_years=1, keep_cpr_days=30,
                    spool_dir=None)
    purger.purge()
    assert outbox_row(engine, item_id).state == "parked"
    follow_ups(rig).close(item_id, "written_off", staff="s17", role="staff")
    purger.purge()
    with engine.connect() as conn:
        assert conn.scalar(select(OutboxItem.id).where(OutboxItem.id == item_id)) is None


def test_a_copy_of_a_refused_or_closed_registrations_receipt_says_the_library_registers_it(
    engine: Engine,
) -> None:
    """The copy says what FBS has answered by now: a refusal, and the item staff closed, are the
    library's to register, never "registreres i FBS" as if it were still on its way."""
    rig = session_rig(engine, printer=FakePrinter())
    assert rig.receipts is not None
    rig.fbs.refuse = REASON
    rig.login()
    rig.session.toggle("201")
    rig.session.pay()
    rig.session.choose_card()
    session_id = rig.session.session_id
    rig.session.finish_receipt()
    rig.session.reset()
    (item,) = follow_ups(rig).items()
    assert not item.closed
    follow_up = "biblioteket registrerer betalingen i FBS"

    def copy() -> str:  # the receipt's words, wherever the slip wrapped them
        return " ".join(rig.receipts.reprint(session_id).text.split())  # type: ignore[union-attr]

    assert follow_up in copy()
    follow_ups(rig).close(item.item_id, "registered_by_hand", staff="s17", role="staff")
    assert follow_up in copy() and "registreres i FBS" not in copy()


def test_a_closed_item_leaves_the_list_30_days_after_it_was_closed(engine: Engine) -> None:
    """Open items stay until closed; a closed one shows for 30 days (what was done), then only
    in the Z-report of the period it was closed in."""
    from kiosk.followup import CLOSED_SHOWN

    rig = session_rig(engine)
    item_id = refused_registration(rig)
    follow_ups(rig).close(item_id, "registered_by_hand", staff="s17", role="staff")
    assert [i.item_id for i in follow_ups(rig).items()] == [item_id]
    rig.clock.advance(CLOSED_SHOWN.total_seconds() - 60)
    assert [i.item_id for i in follow_ups(rig).items()] == [item_id]
    rig.clock.advance(120)
    assert follow_ups(rig).items() == []
    assert follow_ups(rig).item(item_id).closed  # still found by its id
