"""The ccTalk bill validator driver against its emulator through a real pty: what is ccTalk's own
(bill ids, routing only while the escrow event is the newest, status codes). The escrow suite it
shares with the SSP validator is ``test_note_escrow.py``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.base import Credit, Escrow, FaultKind, Health, Rejected
from drivers.cctalk import codec
from drivers.cctalk.bill import CcTalkBillValidator
from drivers.cctalk.emulator import BillValidatorEmulator
from tests.device_rigs import Events, settle, started, wait_until

BILL_VALUES = {"DK0050": 5000, "DK0100": 10000, "DK0200": 20000, "DK0500": 50000}


@pytest.fixture
def rig() -> Iterator[tuple[BillValidatorEmulator, CcTalkBillValidator, Events]]:
    emu = BillValidatorEmulator()
    dev = CcTalkBillValidator(
        emu.path, bill_values=BILL_VALUES, reply_timeout_s=0.2, reconnect_backoff_s=(0.05, 0.2),
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


def test_a_late_decision_after_the_validator_returned_the_note_routes_nothing(rig) -> None:
    emu, dev, events = rig
    enable(emu, dev, {5000})
    emu.insert_note("DK0050")
    events.wait_count(Escrow, 1)
    with emu.lock:
        emu._return()  # the validator gives up on its own (e.g. the citizen pulled it)
    events.wait_count(Rejected, 1)

    def routes() -> int:
        return sum(1 for f in emu.requests if f.header == codec.ROUTE_BILL and f.data != b"\xff")

    def polls() -> int:
        return sum(1 for f in emu.requests if f.header == codec.READ_BUFFERED_BILL_EVENTS)

    before = routes()
    dev.accept_escrow()
    settle(polls)
    assert routes() == before
    assert not events.of(Credit)


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
