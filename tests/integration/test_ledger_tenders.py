"""``insert_tender`` and the device positions in detail, on SQLite and PostgreSQL: what a tender
row holds, what counts into the cash box (coins and notes, by denomination, per device) and what
moves a device's recorded position (coins and notes with a position, and progress without money),
per automat. Found by mutation testing (docs/mutation.md).
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from kiosk.clock import FakeClock
from kiosk.ledger.models import CashInventory, DevicePosition, Tender
from kiosk.ledger.repository import Ledger, LedgerError, TenderEvent
from kiosk.money import Money


def inventory(engine: Engine) -> dict[tuple[str, str, int], int]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(CashInventory.automat_id, CashInventory.device,
                   CashInventory.denomination_ore, CashInventory.count)
        ).all()
    return {(r[0], r[1], r[2]): r[3] for r in rows}


def positions(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(DevicePosition.automat_id, DevicePosition.device, DevicePosition.event_ref)
        ).all()
    return sorted((r[0], r[1], r[2]) for r in rows)


def test_a_tender_row_holds_the_event_and_its_id_is_returned(engine: Engine) -> None:
    clock = FakeClock()
    ledger = Ledger(engine, "a1", clock)
    session = ledger.open_session()
    tender_id = ledger.record_tender(
        TenderEvent(session, "card", Money(3730), None, "zvt-1", "T-77", "KORT ****1234")
    )
    with engine.connect() as conn:
        row = conn.execute(select(Tender)).one()
    assert isinstance(tender_id, int) and row.id == tender_id
    assert (row.session_id, row.kind, row.state, row.amount_ore) == (
        session, "card", "received", 3730
    )
    assert (row.denomination_ore, row.device, row.reference, row.receipt_text) == (
        None, "zvt-1", "T-77", "KORT ****1234"
    )
    assert row.created_at is not None
    assert inventory(engine) == {} and positions(engine) == []  # a card is not cash


def test_refused_tenders_say_why_and_write_nothing(engine: Engine) -> None:
    ledger = Ledger(engine, "a1")
    session = ledger.open_session()
    with pytest.raises(LedgerError, match=r"^unknown tender kind 'iou'$"):
        ledger.record_tender(TenderEvent(session, "iou", Money(100)))
    for ore in (0, -50):
        with pytest.raises(LedgerError, match=r"^a tender must be a positive amount$"):
            ledger.record_tender(TenderEvent(session, "coin", Money(ore), Money(ore), "coins"))
    with engine.connect() as conn:
        assert conn.execute(select(Tender)).all() == []
    assert inventory(engine) == {}


def test_cash_counts_per_automat_device_and_denomination(engine: Engine) -> None:
    here, there = Ledger(engine, "a1"), Ledger(engine, "a2")
    mine, theirs = here.open_session(), there.open_session()
    for _ in range(2):
        here.record_tender(TenderEvent(mine, "coin", Money(2000), Money(2000), "coins"))
    here.record_tender(TenderEvent(mine, "coin", Money(500)))  # no device, no denomination
    here.record_tender(TenderEvent(mine, "note", Money(5000), Money(5000), "notes"))
    here.record_tender(TenderEvent(mine, "bon", Money(1000)))  # not cash
    there.record_tender(TenderEvent(theirs, "coin", Money(2000), Money(2000), "coins"))
    assert inventory(engine) == {
        ("a1", "coins", 2000): 2,
        ("a1", "coin", 500): 1,  # counted under its kind, by its amount
        ("a1", "notes", 5000): 1,
        ("a2", "coins", 2000): 1,
    }


def test_cash_moves_its_devices_position_and_progress_moves_it_without_money(
    engine: Engine,
) -> None:
    clock = FakeClock()
    here, there = Ledger(engine, "a1", clock), Ledger(engine, "a2", clock)
    session = here.open_session()
    here.record_tender(
        TenderEvent(session, "coin", Money(2000), Money(2000), "coins", position="cctalk:9:1")
    )
    here.record_tender(
        TenderEvent(session, "coin", Money(1000), Money(1000), "coins", position="cctalk:9:2")
    )
    here.record_tender(TenderEvent(session, "note", Money(5000), position="ssp:4:10"))
    here.record_tender(TenderEvent(session, "coin", Money(500), Money(500), "coins"))  # none
    here.record_tender(TenderEvent(session, "card", Money(100), position="nonsense:1"))
    assert positions(engine) == [("a1", "coins", "cctalk:9:2"), ("a1", "note", "ssp:4:10")]
    here.note_device_position("coins", "cctalk:9:3")  # a rejected coin: no money
    there.note_device_position("coins", "cctalk:5:40")
    assert here.device_positions() == {
        "coins": ("cctalk:9:3", False), "note": ("ssp:4:10", False)
    }
    assert there.device_positions() == {"coins": ("cctalk:5:40", False)}
    assert Ledger(engine, "a3").device_positions() == {}
