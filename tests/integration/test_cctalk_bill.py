"""The ccTalk bill validator driver against its emulator through a real pty."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from drivers.base import Credit, Escrow, FaultKind, Health, Rejected
from drivers.cctalk.bill import CcTalkBillValidator
from drivers.cctalk.emulator import BillValidatorEmulator
from tests.device_rigs import Events, started, wait_until

BILL_VALUES = {"DK0050": 5000, "DK0100": 10000, "DK0200": 20000, "DK0500": 50000}


@pytest.fixture
def rig() -> Iterator[tuple[BillValidatorEmulator, CcTalkBillValidator, Events]]:
    emu = BillValidatorEmulator(escrow_timeout_s=3.0)
    dev = CcTalkBillValidator(
        emu.path, bill_values=BILL_VALUES, reply_timeout_s=0.2, reconnect_backoff_s=(0.05, 0.2),
        escrow_extend_every_s=1.0,
    )
    with emu, started(dev) as events:
        yield emu, dev, events


def enable(emu: BillValidatorEmulator, dev: CcTalkBillValidator, values: set[int]) -> None:
    dev.enable(values)
    wait_until(lambda: emu.master_enabled == bool(values) and emu.operating_mode == 3, "enabled")


def test_start_up_reads_bill_ids_and_sets_stacker_and_escrow_mode(rig) -> None:
    emu, dev, _ = rig
    assert dev.identity["category"] == "Bill Validator"
    assert dev.positions[1] == ("DK0050A", 5000)
    assert dev.positions[5] == ("DK1000A", None)  # not configured: never enabled
    assert emu.operating_mode == 3
    assert dev.has_escrow


def test_escrow_accept_stacks_the_note_and_credits_it(rig) -> None:
    emu, dev, events = rig
    enable(emu, dev, {10000})
    assert emu.insert_note("DK0100")
    escrow = events.wait_count(Escrow, 1)[0]
    assert (escrow.value_ore, escrow.denomination) == (10000, "DK0100A")
    assert not events.of(Credit)  # nothing is money until it is stacked
    dev.accept_escrow()
    credit = events.wait_count(Credit, 1)[0]
    assert (credit.value_ore, credit.kind) == (10000, "note")
    assert emu.stacked == ["DK0100A"]


def test_escrow_return_gives_the_note_back_without_credit(rig) -> None:
    emu, dev, events = rig
    enable(emu, dev, {5000})
    emu.insert_note("DK0050")
    events.wait_count(Escrow, 1)
    dev.return_escrow()
    assert events.wait_count(Rejected, 1)[0].reason == "returned from escrow"
    assert emu.returned == ["DK0050A"]
    time.sleep(0.3)
    assert not events.of(Credit) and not emu.stacked


def test_escrow_is_extended_while_the_host_decides(rig) -> None:
    emu, dev, events = rig
    enable(emu, dev, {20000})
    emu.insert_note(200)  # by kroner value
    events.wait_count(Escrow, 1)
    time.sleep(4.0)  # longer than the emulator's 3 s escrow timeout
    assert emu.escrow is not None and not emu.returned
    dev.accept_escrow()
    assert events.wait_count(Credit, 1)[0].value_ore == 20000


def test_a_late_decision_after_the_validator_returned_the_note_routes_nothing(rig) -> None:
    emu, dev, events = rig
    enable(emu, dev, {5000})
    emu.insert_note("DK0050")
    events.wait_count(Escrow, 1)
    with emu.lock:
        emu._return()  # the validator gives up on its own (e.g. the citizen pulled it)
    events.wait_count(Rejected, 1)
    routes_before = sum(1 for f in emu.requests if f.header == 154 and f.data != b"\xff")
    dev.accept_escrow()
    time.sleep(0.4)
    assert sum(1 for f in emu.requests if f.header == 154 and f.data != b"\xff") == routes_before
    assert not events.of(Credit)


def test_only_enabled_notes_are_taken(rig) -> None:
    emu, dev, events = rig
    enable(emu, dev, {5000})
    assert not emu.insert_note("DK0500")
    assert events.wait_count(Rejected, 1)[0].reason == "inhibited by serial"
    assert not events.of(Escrow)


def test_stacker_removed_and_full_take_the_validator_down_until_fixed(rig) -> None:
    emu, dev, events = rig
    emu.remove_stacker()
    events.wait_fault(FaultKind.STACKER_REMOVED)
    wait_until(lambda: dev.health == Health.DOWN, "down")
    emu.insert_stacker()
    wait_until(lambda: dev.health == Health.OK, "ok")
    emu.stacker_full()
    events.wait_fault(FaultKind.STACKER_FULL)
    wait_until(lambda: dev.health == Health.DOWN, "down")


def test_fraud_and_jam_statuses_are_faults(rig) -> None:
    emu, dev, events = rig
    emu.fraud()
    assert "string fraud" in events.wait_fault(FaultKind.FRAUD).detail
    emu.jam()
    events.wait_fault(FaultKind.JAM)
    wait_until(lambda: dev.health == Health.DOWN, "down on jam")


def test_reset_mid_session_reapplies_mode_and_inhibits(rig) -> None:
    emu, dev, events = rig
    enable(emu, dev, {5000})
    emu.insert_note("DK0050")
    events.wait_count(Escrow, 1)
    dev.accept_escrow()
    events.wait_count(Credit, 1)
    emu.reset_device()
    events.wait_fault(FaultKind.DEVICE_RESET)
    wait_until(lambda: emu.master_enabled and emu.operating_mode == 3, "settings re-applied")
    emu.insert_note("DK0050")
    events.wait_count(Escrow, 2)
    dev.accept_escrow()
    assert len(events.wait_count(Credit, 2)) == 2


def test_unplugged_validator_reconnects_by_path(rig) -> None:
    emu, dev, events = rig
    enable(emu, dev, {5000})
    assert emu.position_of("DK0050") == 1 and emu.ids[1] == "DK0100A"
    emu.unplug()
    wait_until(lambda: dev.health == Health.DOWN, "down")
    emu.plug()
    wait_until(lambda: dev.health == Health.OK, "ok again")
    emu.insert_note("DK0050")
    events.wait_count(Escrow, 1)
    dev.accept_escrow()
    assert events.wait_count(Credit, 1)[0].value_ore == 5000


def test_a_note_nobody_decides_on_is_given_back() -> None:
    with BillValidatorEmulator(escrow_timeout_s=10.0) as emu:
        dev = CcTalkBillValidator(
            emu.path, bill_values=BILL_VALUES, escrow_extend_every_s=0.5,
            escrow_decision_timeout_s=1.0,
        )
        with started(dev) as events:
            enable(emu, dev, {5000})
            emu.insert_note(50)
            events.wait_count(Escrow, 1)
            assert events.wait_count(Rejected, 1)[0].reason == "returned from escrow"
            assert emu.returned == ["DK0050A"] and not events.of(Credit)
