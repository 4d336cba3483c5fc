"""The journal's bookkeeping on SQLite and PostgreSQL: card payments, refused settlements, the
debtor outbox payload, the readers.

A declined card keeps its reference and the retry asks the terminal under the same one (the
reference counts tenders that paid), so the resolve token must go to the one pending payment of
that reference, and only to it: if it failed, the authorisation would not be sent. Found by
mutation testing (docs/mutation.md).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, insert, select

from kiosk.clock import FakeClock
from kiosk.domain import ClaimKind, PayableIn
from kiosk.ledger.models import Allocation, Bon, CitizenSession, OutboxItem, Refund, Tender
from kiosk.ledger.repository import Ledger, TenderEvent
from kiosk.ledger.transitions import IllegalTransition
from kiosk.money import Money
from kiosk.payment.journal import PaymentJournal, Settlement
from kiosk.payment.plan import PaymentPlan, PlannedClaim
from tests.payment_fakes import TestBonIssuer, claim, mixed_claims


@pytest.fixture
def journal(engine: Engine) -> PaymentJournal:
    return PaymentJournal(engine, "test-01", FakeClock(), TestBonIssuer(), {})


def tokens(engine: Engine) -> dict[int, tuple[str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(select(Tender.id, Tender.state, Tender.resolve_token)).all()
    return {r.id: (r.state, r.resolve_token) for r in rows}


def test_the_token_goes_to_the_retry_not_to_the_declined_card_of_the_same_reference(
    engine: Engine, journal: PaymentJournal
) -> None:
    session = Ledger(engine, "test-01").open_session()
    declined = journal.start_card(session, Money(3730), "KREF-1", "terminal")
    journal.finish_card(declined, "declined")
    retry = journal.start_card(session, Money(3730), "KREF-1", "terminal")
    journal.note_card_token("KREF-1", "zvt-trace:000007:3730")
    assert tokens(engine) == {
        declined: ("declined", None),
        retry: ("pending", "zvt-trace:000007:3730"),
    }


def test_the_token_goes_only_to_the_payment_of_its_reference(
    engine: Engine, journal: PaymentJournal
) -> None:
    ledger = Ledger(engine, "test-01")
    left_open = journal.start_card(ledger.open_session(), Money(500), "KOLD-1", "terminal")
    current = journal.start_card(ledger.open_session(), Money(3730), "KNEW-1", "terminal")
    journal.note_card_token("KNEW-1", "zvt-trace:000008:3730")
    assert tokens(engine) == {
        left_open: ("pending", None),
        current: ("pending", "zvt-trace:000008:3730"),
    }
    with pytest.raises(LookupError, match="no single pending card payment with reference KX-9"):
        journal.note_card_token("KX-9", "zvt-trace:000009:1")


def test_received_and_methods_count_only_money_that_came_in(
    engine: Engine, journal: PaymentJournal
) -> None:
    ledger = Ledger(engine, "test-01")
    session = ledger.open_session()
    ledger.record_tender(TenderEvent(session, "coin", Money(2000), Money(2000)))
    ledger.record_tender(TenderEvent(session, "bon", Money(1500)))
    declined = journal.start_card(session, Money(230), "KREF-2", "terminal")
    journal.finish_card(declined, "declined")
    journal.start_card(session, Money(230), "KREF-2", "terminal")  # still pending
    other = ledger.open_session()
    ledger.record_tender(TenderEvent(other, "note", Money(5000), Money(5000)))
    assert journal.received(session) == Money(3500)
    assert journal.methods(session) == {"coin", "bon"}
    assert journal.received(ledger.open_session()) == Money(0)


def test_a_settlement_one_ore_short_is_refused_and_writes_nothing(
    engine: Engine, journal: PaymentJournal
) -> None:
    ledger = Ledger(engine, "test-01")
    session = ledger.open_session()
    fbs = [c for c in mixed_claims() if c.payable_in.value == "fbs"]  # 37.30
    plan = PaymentPlan("KSHORT", "P1", tuple(PlannedClaim.of(c) for c in fbs))
    journal.commit_plan(session, plan, "paying")
    ledger.record_tender(TenderEvent(session, "card", Money(3729)))
    with pytest.raises(ValueError, match="short: received 3729 øre for 3730 \\+ rounding 0"):
        journal.settle(session, plan, Settlement(Money(0), "automat_credit", "card"))
    with engine.connect() as conn:
        for model in (Allocation, Bon, OutboxItem):
            assert conn.execute(select(model)).all() == []
    ledger.record_tender(TenderEvent(session, "card", Money(1)))
    assert journal.settle(session, plan, Settlement(Money(0), "automat_credit", "card")) is None


def test_a_card_payment_is_written_pending_with_its_terminal_before_it_is_asked(
    engine: Engine, journal: PaymentJournal
) -> None:
    """Recovery and the Z-report need to know which terminal to ask and for how much."""
    session = Ledger(engine, "test-01").open_session()
    card = journal.start_card(session, Money(3730), "KREF-7", "zvt-1")
    with engine.connect() as conn:
        row = conn.execute(select(Tender).where(Tender.id == card)).one()
    assert (row.session_id, row.kind, row.state) == (session, "card", "pending")
    assert (row.amount_ore, row.reference, row.device) == (3730, "KREF-7", "zvt-1")
    assert row.created_at is not None
    assert journal.received(session) == Money(0)  # pending is not money in


def test_debtor_claims_without_the_cpr_are_refused_whole(
    engine: Engine, journal: PaymentJournal
) -> None:
    """The debtor file needs the CPR: a settlement without it writes nothing at all (not even
    the FBS half), and says why."""
    ledger = Ledger(engine, "test-01")
    session = ledger.open_session()
    plan = PaymentPlan("KNOCPR", "P1", tuple(PlannedClaim.of(c) for c in mixed_claims()[:3]))
    journal.commit_plan(session, plan, "paying")
    ledger.record_tender(TenderEvent(session, "card", Money(5730)))
    refusal = r"^a debtor claim cannot be settled without the citizen's CPR$"
    with pytest.raises(ValueError, match=refusal):
        journal.settle(session, plan, Settlement(Money(0), "automat_credit", "card"))
    with engine.connect() as conn:
        for model in (Allocation, Bon, OutboxItem):
            assert conn.execute(select(model)).all() == []


def test_each_debtor_item_carries_what_the_debtor_file_renders(engine: Engine) -> None:
    """Layout profiles read these fields by name (claim_type, claim_kind, claim_created …): a
    claim kind with no configured code gets an empty code, never another claim's."""
    clock = FakeClock()
    journal = PaymentJournal(engine, "test-01", clock, TestBonIssuer(), {"fee": "BIBGEB"})
    ledger = Ledger(engine, "test-01")
    session = ledger.open_session()
    claims = (
        claim("201", "20.00", PayableIn.DEBTOR, date(2021, 1, 10)),
        claim("301", "55.50", PayableIn.DEBTOR, date(2023, 4, 1), ClaimKind.COMPENSATION),
    )
    plan = PaymentPlan("KDEBT", "P1", tuple(PlannedClaim.of(c) for c in claims), "0101901234")
    journal.commit_plan(session, plan, "paying")
    ledger.record_tender(TenderEvent(session, "card", Money(7550)))
    journal.settle(session, plan, Settlement(Money(0), "automat_credit", "card"))
    with engine.connect() as conn:
        items = conn.execute(
            select(OutboxItem).where(OutboxItem.kind == "debtor_item").order_by(OutboxItem.id)
        ).all()
    common = {"cpr": "0101901234", "paid_at": clock.now().isoformat(), "method": "card",
              "automat_id": "test-01", "transaction_ref": "KDEBT"}
    assert [i.payload for i in items] == [
        {**common, "claim_type": "BIBGEB", "claim_kind": "fee", "claim_ref": "201",
         "claim_created": "2021-01-10", "amount_ore": 2000},
        {**common, "claim_type": "", "claim_kind": "compensation", "claim_ref": "301",
         "claim_created": "2023-04-01", "amount_ore": 5550},
    ]
    assert [(i.state, i.attempts, i.amount_ore, i.idempotency_key) for i in items] == [
        ("pending", 0, 2000, "KDEBT-D-201"), ("pending", 0, 5550, "KDEBT-D-301")
    ]


def test_money_refunded_is_not_credited_again(engine: Engine, journal: PaymentJournal) -> None:
    """Nothing in the automat refunds yet (a card reversal would), but the audit counts refunds:
    a session's credit bon covers what was received less what was settled, credited and
    refunded, so refunded money never comes back twice. Other sessions' refunds do not count."""
    ledger = Ledger(engine, "test-01")
    session, other = ledger.open_session(), ledger.open_session()
    ledger.record_tender(TenderEvent(session, "card", Money(5000)))
    ledger.record_tender(TenderEvent(other, "card", Money(900)))
    with engine.begin() as conn:
        for sid, ore in ((session, 1200), (other, 900)):
            conn.execute(
                insert(Refund).values(session_id=sid, amount_ore=ore, method="card",
                                      created_at=datetime(2026, 11, 24, tzinfo=UTC))
            )
    ticket = journal.credit_and_end(session, "cancelled", "cancel")
    assert ticket["amount"] == Money(3800)
    assert journal.credit_and_end(other, "cancelled", "cancel") is None


def test_a_card_outcome_is_final_and_touches_only_its_own_payment(
    engine: Engine, journal: PaymentJournal
) -> None:
    ledger = Ledger(engine, "test-01")
    card = journal.start_card(ledger.open_session(), Money(3730), "KREF-8", "terminal")
    other = journal.start_card(ledger.open_session(), Money(500), "KREF-9", "terminal")
    assert journal.finish_card(card, "declined") is None
    assert journal.finish_card(card, "declined") is None  # told twice: already so
    refusal = f"tender {card} is 'declined': it cannot become 'received'"
    with pytest.raises(IllegalTransition, match=refusal):
        journal.finish_card(card, "received", "T-8", "GODKENDT")  # a late approval cannot flip it
    with pytest.raises(LookupError, match="no card payment 987654"):
        journal.finish_card(987654, "received")
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(Tender)).all()}
    # the declined payment keeps its reference (the retry shares it) and has no slip text
    assert (rows[card].state, rows[card].reference, rows[card].receipt_text) == (
        "declined", "KREF-8", None
    )
    assert (rows[other].state, rows[other].reference) == ("pending", "KREF-9")


def test_one_ore_left_over_is_credited(engine: Engine, journal: PaymentJournal) -> None:
    ledger = Ledger(engine, "test-01")
    session = ledger.open_session()
    ledger.record_tender(TenderEvent(session, "bon", Money(1)))
    ticket = journal.credit_and_end(session, "cancelled", "cancel")
    assert ticket["amount"] == Money(1)


def test_settling_twice_books_once_and_each_claim_keeps_its_kind(engine: Engine) -> None:
    """Settlement is idempotent (the session and recovery may both try): the second call
    writes nothing. Each claim's allocation says what kind of claim it paid (the Z-report's
    fees and compensations)."""
    journal = PaymentJournal(engine, "test-01", FakeClock(), TestBonIssuer(), {})
    ledger = Ledger(engine, "test-01")
    finished = ledger.open_session()
    journal.end(finished, "done", "paid")
    session = ledger.open_session()
    claims = (
        claim("101", "20.00", PayableIn.FBS, date(2019, 3, 1)),
        claim("102", "55.50", PayableIn.FBS, date(2019, 4, 1), ClaimKind.COMPENSATION),
    )
    plan = PaymentPlan("KTWICE", "P1", tuple(PlannedClaim.of(c) for c in claims))
    journal.commit_plan(session, plan, "paying")
    ledger.record_tender(TenderEvent(session, "card", Money(8000)))
    settlement = Settlement(Money(0), "automat_credit", "card")
    first = journal.settle(session, plan, settlement)
    assert first["amount"] == Money(450)
    assert journal.settle(session, plan, settlement) is None
    with engine.connect() as conn:
        allocations = conn.execute(
            select(Allocation.claim_id, Allocation.claim_kind, Allocation.amount_ore)
        ).all()
        assert len(conn.execute(select(OutboxItem)).all()) == 1
        assert len(conn.execute(select(Bon)).all()) == 1
    assert sorted(tuple(a) for a in allocations) == [
        ("101", "fee", 2000), ("102", "compensation", 5550)
    ]
    with engine.connect() as conn:
        states = dict(conn.execute(select(CitizenSession.id, CitizenSession.state)).all())
    assert states == {session: "settling", finished: "done"}  # only this session moves on
