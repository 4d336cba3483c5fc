"""Cash-box emptying (``kiosk.cashbox``) over real coins and notes put through citizen sessions:
expected contents, the emptying with its differences and audit entry, the counters reset with
the history kept, bad input changing nothing, and a coin committed during an emptying counted in
exactly one box. SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import OperationalError

from kiosk.cashbox import CashBoxError, CashBoxes, Emptying
from kiosk.ledger.errors import LedgerUnavailable
from kiosk.ledger.models import AuditEntry, CashBoxEmptying, CashInventory, Tender
from kiosk.ledger.repository import Ledger, TenderEvent, insert_tender
from kiosk.money import Money
from kiosk.payment.states import State
from kiosk.reports import report_lines, z_report
from tests.payment_fakes import AUTOMAT, SessionRig, session_rig

BOXES = {"coins": "coin", "notes": "note"}  # the rig's acceptors, as the configuration names them


def pay_cash(rig: SessionRig, coins: Iterable[int] = (), notes: Iterable[int] = ()) -> None:
    """A citizen starts paying the claims (97.30 kr.) in cash at the automat, puts in notes,
    then coins (less than is due), and cancels: the money is credited as a bon, the claims stay
    open for the next citizen session."""
    session = rig.session
    rig.login()
    session.pay()
    session.choose_cash()
    for value in notes:
        rig.notes.insert(value)
    for value in coins:
        rig.coins.insert(value)
    assert session.state is State.PAYING, "pay_cash puts in less than is due"
    session.cancel()
    session.reset()


def boxes_of(rig: SessionRig) -> CashBoxes:
    return CashBoxes(rig.engine, AUTOMAT, rig.clock, BOXES)


def tendered_cash(engine: Engine, device: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.scalar(
                select(func.coalesce(func.sum(Tender.amount_ore), 0)).where(Tender.device == device)
            )
        )


def accounted(engine: Engine, device: str) -> int:
    """Every øre the ledger knows went into ``device``'s box: the emptyings' expected contents
    plus what the counters hold now."""
    with engine.connect() as conn:
        emptied = conn.scalar(
            select(func.coalesce(func.sum(CashBoxEmptying.expected_ore), 0)).where(
                CashBoxEmptying.device == device
            )
        )
        held = conn.scalar(
            select(
                func.coalesce(func.sum(CashInventory.count * CashInventory.denomination_ore), 0)
            ).where(CashInventory.device == device)
        )
    return int(emptied) + int(held)


def snapshot(engine: Engine) -> tuple[Any, ...]:
    with engine.connect() as conn:
        return (
            sorted(conn.execute(select(CashInventory.device, CashInventory.denomination_ore,
                                       CashInventory.count)).all()),
            conn.scalar(select(func.count()).select_from(CashBoxEmptying)),
            conn.scalar(select(func.count()).select_from(AuditEntry)),
        )


def test_the_ledger_expects_what_the_sessions_took(engine: Engine) -> None:
    rig = session_rig(engine)
    pay_cash(rig, coins=(2000, 2000, 50))
    pay_cash(rig, notes=(5000,))
    pay_cash(rig, coins=(1000, 2000))
    boxes = boxes_of(rig)
    expected = {b.device: b for b in boxes.expected()}
    assert expected["coins"].pieces == {50: 1, 1000: 1, 2000: 3}
    assert expected["coins"].total == Money(7050) and expected["coins"].kind == "coin"
    assert expected["notes"].pieces == {5000: 1} and expected["notes"].total == Money(5000)
    assert boxes.expected_in("notes") == expected["notes"]
    assert boxes.denominations("coins") == (50, 100, 200, 500, 1000, 2000)
    assert boxes.denominations("notes") == (5000, 10000, 20000, 50000, 100000)


def test_an_emptying_records_the_difference_resets_the_box_and_keeps_the_history(
    engine: Engine,
) -> None:
    rig = session_rig(engine)
    pay_cash(rig, coins=(2000, 2000, 50, 50))
    boxes = boxes_of(rig)
    rig.clock.advance(3600)

    # one 20 kr. coin is missing, a 10 kr. coin the ledger never saw is there; 50 øre as typed
    emptying = boxes.empty("coins", {2000: 1, 1000: 1, 50: "2"}, staff="4711", role="technician")

    assert emptying.id > 0 and emptying.emptied_at == rig.clock.now()
    assert (emptying.emptied_by, emptying.role, emptying.device) == ("4711", "technician", "coins")
    assert emptying.expected == {50: 2, 2000: 2} and emptying.counted == {50: 2, 1000: 1, 2000: 1}
    assert emptying.expected_total == Money(4100) and emptying.counted_total == Money(3100)
    assert emptying.difference == Money(-1000)
    assert [(x.denomination, x.difference) for x in emptying.lines] == [
        (50, Money(0)), (1000, Money(1000)), (2000, Money(-2000))]
    (stored,) = boxes.emptyings()
    assert stored == emptying
    with engine.connect() as conn:
        row = conn.execute(select(CashBoxEmptying)).one()
        audit = conn.execute(
            select(AuditEntry).where(AuditEntry.action == "cash_box_emptied")
        ).one()
    assert (row.expected_ore, row.counted_ore, row.difference_ore) == (4100, 3100, -1000)
    assert (audit.actor, audit.role, audit.automat_id) == ("4711", "technician", AUTOMAT)
    assert audit.details["difference_ore"] == -1000 and audit.details["emptying_id"] == emptying.id

    # the box now holds nothing for the ledger; the next coin is the next box's
    assert boxes.expected_in("coins").pieces == {}
    pay_cash(rig, coins=(500,))
    assert boxes.expected_in("coins").pieces == {500: 1}
    # nothing lost: what went in = what the emptyings expected + what the box holds now
    assert accounted(engine, "coins") == tendered_cash(engine, "coins") == 4600


def test_an_empty_box_can_be_emptied_and_a_count_without_entries_is_none(engine: Engine) -> None:
    rig = session_rig(engine)
    boxes = boxes_of(rig)
    emptying = boxes.empty("notes", {}, staff="a1", role="administrator")
    assert emptying.expected == {} and emptying.counted == {} and emptying.difference == Money(0)
    pay_cash(rig, notes=(5000,))
    emptying = boxes.empty("notes", {5000: 0}, staff="a1", role="administrator")
    assert emptying.expected == {5000: 1} and emptying.difference == Money(-5000)


@pytest.mark.parametrize(
    ("device", "counted", "role", "staff", "message"),
    [
        ("coins", {2000: -1}, "technician", "4711",
         "the count of 20,00 kr. must be a whole number of pieces, 0 or more; got -1"),
        ("coins", {2000: "2.5"}, "technician", "4711",
         "the count of 20,00 kr. must be a whole number of pieces, 0 or more; got '2.5'"),
        ("coins", {2000: "tre"}, "technician", "4711",
         "the count of 20,00 kr. must be a whole number of pieces, 0 or more; got 'tre'"),
        ("coins", {2000: 2.0}, "technician", "4711",
         "the count of 20,00 kr. must be a whole number of pieces, 0 or more; got 2.0"),
        ("coins", {2000: True}, "technician", "4711",
         "the count of 20,00 kr. must be a whole number of pieces, 0 or more; got True"),
        ("coins", {2000: 100_000}, "technician", "4711",
         "the count of 20,00 kr. is 100000: more than a cash box holds (99999)"),
        ("coins", {300: 1}, "technician", "4711",
         "3,00 kr. is not a denomination of coins (møntboks: 0,50 kr., 1,00 kr., 2,00 kr., "
         "5,00 kr., 10,00 kr., 20,00 kr.)"),
        ("coins", {5000: 1}, "technician", "4711",
         "50,00 kr. is not a denomination of coins (møntboks: 0,50 kr., 1,00 kr., 2,00 kr., "
         "5,00 kr., 10,00 kr., 20,00 kr.)"),
        ("coin_box", {2000: 1}, "technician", "4711",
         "unknown cash box 'coin_box' (known: coins, notes)"),
        ("coins", {2000: 1}, "staff", "4711",
         "only a technician or an administrator may empty a cash box (role 'staff')"),
        ("coins", {2000: 1}, "technician", "  ",
         "an emptying needs the staff number of the person who counted"),
    ],
)
def test_bad_input_is_one_clear_line_and_changes_nothing(
    engine: Engine, device: str, counted: dict[int, Any], role: str, staff: str, message: str
) -> None:
    rig = session_rig(engine)
    pay_cash(rig, coins=(2000, 2000))
    before = snapshot(engine)
    with pytest.raises(CashBoxError) as refused:
        boxes_of(rig).empty(device, counted, staff=staff, role=role)
    assert str(refused.value) == message and "\n" not in message
    assert snapshot(engine) == before


def test_a_box_only_the_ledger_knows_can_still_be_emptied(engine: Engine) -> None:
    """An acceptor taken out of the configuration still has coins in the ledger's box."""
    rig = session_rig(engine)
    pay_cash(rig, coins=(2000, 2000))
    boxes = CashBoxes(engine, AUTOMAT, rig.clock, {"notes": "note"})
    assert [b.device for b in boxes.expected()] == ["coins", "notes"]
    assert boxes.denominations("coins") == (50, 100, 200, 500, 1000, 2000)
    assert boxes.empty("coins", {2000: 2}, staff="4711", role="technician").difference == Money(0)


def test_another_automats_box_is_not_this_automats(engine: Engine) -> None:
    rig = session_rig(engine)
    pay_cash(rig, coins=(2000,))
    other = Ledger(engine, "other-01", rig.clock)
    other.record_tender(TenderEvent(other.open_session(), "coin", Money(2000), Money(2000),
                                    device="coins"))
    boxes_of(rig).empty("coins", {2000: 1}, staff="4711", role="technician")
    theirs = CashBoxes(engine, "other-01", rig.clock, BOXES)
    assert theirs.expected_in("coins").pieces == {2000: 1} and theirs.emptyings() == []


def test_a_database_that_cannot_write_is_ledger_unavailable_and_nothing_changes(
    engine: Engine,
) -> None:
    rig = session_rig(engine)
    pay_cash(rig, coins=(2000,))
    before = snapshot(engine)

    def disk_full(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO CASH_BOX_EMPTYINGS"):
            raise OperationalError(statement, {}, Exception("database or disk is full"))

    event.listen(engine, "before_cursor_execute", disk_full)
    try:
        with pytest.raises(LedgerUnavailable, match="disk is full"):
            boxes_of(rig).empty("coins", {2000: 1}, staff="4711", role="technician")
    finally:
        event.remove(engine, "before_cursor_execute", disk_full)
    assert snapshot(engine) == before


# -- a coin arriving while the box is emptied ---------------------------------------------------


def record_coin(engine: Engine, session_id: str, value: int, when: Any) -> None:
    with engine.begin() as conn:
        insert_tender(conn, AUTOMAT, TenderEvent(session_id, "coin", Money(value), Money(value),
                                                 device="coins"), when)


def test_a_coin_committed_during_an_emptying_is_the_next_boxs(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The emptying has read the box; a coin (one of a denomination already counted, one of a
    new denomination) is committed from another thread before the emptying writes. Each is
    counted in exactly one box: here the next one, since the emptying locked what it read."""
    rig = session_rig(engine)
    pay_cash(rig, coins=(2000, 2000, 1000))
    session_id = rig.ledger.open_session()
    boxes = boxes_of(rig)
    threads: list[threading.Thread] = []
    lock_counters = CashBoxes._lock_counters

    def read_then_coins_arrive(self: CashBoxes, conn: Any, device: str) -> Any:
        rows = lock_counters(self, conn, device)
        for value in (2000, 500):
            t = threading.Thread(target=record_coin,
                                 args=(engine, session_id, value, rig.clock.now()))
            t.start()
            threads.append(t)
        for t in threads:
            t.join(timeout=1.0)  # a coin that can commit now does so before the emptying writes
        return rows

    monkeypatch.setattr(CashBoxes, "_lock_counters", read_then_coins_arrive)
    emptying = boxes.empty("coins", {2000: 2, 1000: 1}, staff="4711", role="technician")
    monkeypatch.undo()
    for t in threads:
        t.join(timeout=15)
        assert not t.is_alive()
    assert emptying.expected == {1000: 1, 2000: 2}
    assert boxes.expected_in("coins").pieces == {500: 1, 2000: 1}
    assert accounted(engine, "coins") == tendered_cash(engine, "coins") == 7500


@pytest.mark.postgres
def test_a_coin_holding_its_counter_is_in_the_box_the_emptying_waits_for(
    postgres_engine: Engine,
) -> None:
    """PostgreSQL: a coin's transaction has counted itself (its row locked) but not committed
    when the emptying reads: the emptying waits for it and takes it with the box."""
    engine = postgres_engine
    rig = session_rig(engine)
    pay_cash(rig, coins=(2000,))
    session_id = rig.ledger.open_session()
    boxes = boxes_of(rig)
    result: list[Emptying] = []
    conn = engine.connect()
    transaction = conn.begin()
    insert_tender(conn, AUTOMAT, TenderEvent(session_id, "coin", Money(2000), Money(2000),
                                             device="coins"), rig.clock.now())
    emptier = threading.Thread(target=lambda: result.append(
        boxes.empty("coins", {2000: 2}, staff="4711", role="technician")))
    emptier.start()
    emptier.join(timeout=1.0)
    assert emptier.is_alive()  # waiting for the coin's row lock
    transaction.commit()
    conn.close()
    emptier.join(timeout=15)
    (emptying,) = result
    assert emptying.expected == {2000: 2} and emptying.difference == Money(0)
    assert boxes.expected_in("coins").pieces == {}


def test_two_emptyings_at_once_empty_the_box_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second emptying of the same box (a double tap, two technicians) while the first holds
    the counters waits and finds the box empty: the counters never go below zero."""
    rig = session_rig(engine)
    pay_cash(rig, coins=(2000, 2000))
    boxes = boxes_of(rig)
    second: list[Emptying] = []
    lock_counters = CashBoxes._lock_counters
    started: list[threading.Thread] = []

    def read_then_second_emptying(self: CashBoxes, conn: Any, device: str) -> Any:
        rows = lock_counters(self, conn, device)
        if not started:
            t = threading.Thread(target=lambda: second.append(
                boxes.empty("coins", {}, staff="0815", role="administrator")))
            started.append(t)
            t.start()
            t.join(timeout=1.0)
        return rows

    monkeypatch.setattr(CashBoxes, "_lock_counters", read_then_second_emptying)
    first = boxes.empty("coins", {2000: 2}, staff="4711", role="technician")
    started[0].join(timeout=15)
    assert first.expected == {2000: 2}
    assert [e.expected for e in second] == [{}]
    with engine.connect() as conn:
        assert conn.scalar(select(func.min(CashInventory.count))) == 0
    assert accounted(engine, "coins") == tendered_cash(engine, "coins")


def test_coins_and_emptyings_interleaved_lose_and_double_nothing(engine: Engine) -> None:
    """Coins from one thread, emptyings from another: every coin is in exactly one emptying or
    still in the box."""
    rig = session_rig(engine)
    session_id = rig.ledger.open_session()
    boxes = boxes_of(rig)
    values = [50, 100, 200, 500, 1000, 2000] * 8

    def feed() -> None:
        for value in values:
            record_coin(engine, session_id, value, rig.clock.now())

    feeder = threading.Thread(target=feed)
    feeder.start()
    emptyings = []
    while feeder.is_alive() or not emptyings:
        emptyings.append(boxes.empty("coins", {}, staff="4711", role="technician"))
    feeder.join()
    assert sum(e.expected_total.ore for e in emptyings) + boxes.expected_in("coins").total.ore \
        == sum(values) == tendered_cash(engine, "coins")


# -- the day's Z-report ----------------------------------------------------------------------


def test_the_z_report_shows_the_days_emptyings_and_their_differences(engine: Engine) -> None:
    rig = session_rig(engine)
    pay_cash(rig, coins=(2000, 2000), notes=(5000,))
    boxes = boxes_of(rig)
    boxes.empty("coins", {2000: 1}, staff="4711", role="technician")
    rig.clock.advance(60)
    boxes.empty("notes", {5000: 1}, staff="0815", role="administrator")
    day = rig.clock.now().date()
    report = z_report(engine, AUTOMAT, day)
    assert [(e.device, e.difference) for e in report.emptyings] == [
        ("coins", Money(-2000)), ("notes", Money(0))]
    text = "\n".join(report_lines(report))
    assert "Tømning af kasser" in text
    # 10:00 UTC is 11:00 in Copenhagen in November
    at = f"{rig.clock.now():%d.%m} 11:00"
    coins = text.split(f"{at} Møntboks (coins), af 4711 (tekniker)")[1].splitlines()
    assert [line.split() for line in coins[1:4]] == [
        ["forventet", "40,00"], ["optalt", "20,00"], ["difference", "-20,00"]]
    assert "20,00: forventet 2, optalt 1, difference -20,00" in text
    assert text.split("i alt difference")[1].split()[0] == "-20,00"
    assert z_report(engine, AUTOMAT, day + timedelta(days=1)).emptyings == []


def test_the_configured_boxes_are_named_as_the_built_acceptors() -> None:
    """The counters are kept under the acceptor's name; the emptying finds the box by the
    configuration: both must be the same name."""
    from kiosk.cashbox import cash_devices
    from kiosk.config.devices import DevicesSection
    from kiosk.devices import build_devices

    devices = DevicesSection.model_validate(
        {"coin_acceptor": {"emulated": True}, "note_validator": {"emulated": True}}
    )
    built = build_devices(devices)
    try:
        kinds = {built.coin_acceptor: "coin", built.note_validator: "note"}
        assert {a.name: kinds[a] for a in built.acceptors} == cash_devices(devices)
    finally:
        built.stop()
