"""The ledger on SQLite and PostgreSQL: migrations, money events, the audit."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from kiosk.ledger.audit import run_audit
from kiosk.ledger.errors import LedgerError, LedgerUnavailable
from kiosk.ledger.migrate import current_revision, head_revision
from kiosk.ledger.models import Allocation, Bon, CashInventory, OutboxItem, Refund, Tender
from kiosk.ledger.repository import Ledger, TenderEvent
from kiosk.money import Money

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_migrated_to_head(engine: Engine) -> None:
    assert current_revision(engine) == head_revision() is not None


def test_coins_are_counted_into_the_cash_box(engine: Engine) -> None:
    ledger = Ledger(engine, "a1")
    sid = ledger.open_session()
    for _ in range(3):
        ledger.record_tender(TenderEvent(sid, "coin", Money(2000), Money(2000), "coin_acceptor"))
    ledger.record_tender(TenderEvent(sid, "note", Money(5000), Money(5000), "note_validator"))
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                CashInventory.device, CashInventory.denomination_ore, CashInventory.count
            ).order_by(CashInventory.device)
        ).all()
        assert [tuple(r) for r in rows] == [("coin_acceptor", 2000, 3), ("note_validator", 5000, 1)]
        assert conn.scalar(select(Tender.created_at)).tzinfo is not None


def test_bad_tenders_change_nothing(engine: Engine) -> None:
    ledger = Ledger(engine, "a1")
    sid = ledger.open_session()
    with pytest.raises(LedgerError):
        ledger.record_tender(TenderEvent(sid, "iou", Money(100)))
    with pytest.raises(LedgerError):
        ledger.record_tender(TenderEvent(sid, "coin", Money(0)))
    # foreign key: no such session. The database refused it: to the session that is a write the
    # ledger cannot take (money held, out of order), never a silently lost coin
    with pytest.raises(LedgerUnavailable, match=r"IntegrityError|ForeignKeyViolation"):
        ledger.record_tender(TenderEvent("no-such-session", "coin", Money(100), Money(100)))
    with engine.connect() as conn:
        assert conn.scalar(select(Tender.id)) is None
        assert conn.scalar(select(CashInventory.id)) is None


def _settle(
    engine: Engine, sid: str, claim_ore: int, credit_ore: int = 0, refund_ore: int = 0
) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(Allocation).values(
                session_id=sid,
                kind="claim",
                claim_id="c1",
                payable_in="fbs",
                amount_ore=claim_ore,
                created_at=NOW,
            )
        )
        if credit_ore:
            conn.execute(
                insert(Bon).values(
                    id=sid,
                    short_code=sid[:8],
                    amount_ore=credit_ore,
                    reason="automat_credit",
                    issuer="automat",
                    issued_at=NOW,
                    expires_at=NOW,
                    origin_session_id=sid,
                )
            )
        if refund_ore:
            conn.execute(
                insert(Refund).values(
                    session_id=sid, amount_ore=refund_ore, method="card", created_at=NOW
                )
            )


def test_audit_is_clean_when_money_adds_up(engine: Engine) -> None:
    ledger = Ledger(engine, "a1")
    sid = ledger.open_session()
    ledger.record_tender(TenderEvent(sid, "note", Money(5000), Money(5000)))
    _settle(engine, sid, claim_ore=3000, credit_ore=2000)
    ledger.set_session_state(sid, "done")
    report = run_audit(engine)
    assert report.clean, report.lines()
    assert report.sessions_checked == 1


def test_audit_lists_each_unbalanced_session(engine: Engine) -> None:
    ledger = Ledger(engine, "a1")
    good, bad = ledger.open_session(), ledger.open_session()
    for sid in (good, bad):
        ledger.record_tender(TenderEvent(sid, "card", Money(5000), reference="T1"))
    _settle(engine, good, claim_ore=2000, refund_ore=3000)
    _settle(engine, bad, claim_ore=2000)  # 30 kr vanished
    ledger.set_session_state(good, "done")
    ledger.set_session_state(bad, "done")
    open_one = ledger.open_session()
    report = run_audit(engine)
    assert not report.clean
    assert [b.session_id for b in report.unbalanced] == [bad]
    assert report.unbalanced[0].difference == Money(3000)
    assert report.open_sessions == [open_one]


def test_outbox_item_cannot_be_pending_and_done(engine: Engine) -> None:
    ledger = Ledger(engine, "a1")
    sid = ledger.open_session()
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            insert(OutboxItem).values(
                session_id=sid,
                kind="fbs_registration",
                idempotency_key="k1",
                state="pending",
                amount_ore=100,
                payload={},
                created_at=NOW,
                done_at=NOW,
            )
        )


def test_audit_finds_a_claim_registered_twice(engine: Engine) -> None:
    ledger = Ledger(engine, "a1")
    sid = ledger.open_session()
    with engine.begin() as conn:
        for key in ("k1", "k2"):
            conn.execute(
                insert(OutboxItem).values(
                    session_id=sid,
                    kind="fbs_registration",
                    idempotency_key=key,
                    state="done",
                    amount_ore=100,
                    payload={"fee_ids": ["77"]},
                    created_at=NOW,
                    done_at=NOW,
                )
            )
    report = run_audit(engine)
    assert any("claim 77 was registered in FBS by 2 items" in p for p in report.outbox_problems)


def test_idempotency_keys_are_unique(engine: Engine) -> None:
    ledger = Ledger(engine, "a1")
    sid = ledger.open_session()
    row = dict(
        session_id=sid,
        kind="debtor_item",
        idempotency_key="same",
        state="pending",
        amount_ore=100,
        payload={},
        created_at=NOW,
    )
    with engine.begin() as conn:
        conn.execute(insert(OutboxItem).values(**row))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(OutboxItem).values(**row))


def test_audit_entries_are_stored(engine: Engine) -> None:
    from kiosk.ledger.models import AuditEntry

    Ledger(engine, "a1").audit("staff-7", "staff", "bon_issued", amount_ore=5000)
    with engine.connect() as conn:
        entry = conn.execute(select(AuditEntry)).one()
    assert entry.action == "bon_issued" and entry.details == {"amount_ore": 5000}


def test_an_overlong_actor_is_cut_not_refused(engine: Engine) -> None:
    # PostgreSQL refuses a value over the column width; the audited work must not fail for it
    from kiosk.ledger.models import ACTOR_WIDTH, AuditEntry

    Ledger(engine, "a1").audit("x" * 200, "staff", "debtor_redeliver")
    with engine.connect() as conn:
        assert conn.scalar(select(AuditEntry.actor)) == "x" * ACTOR_WIDTH
