"""Terminal diagnosis (``06 70``) and end-of-day (``06 50``) through the ZVT driver and the
emulated terminal on a pty: the bytes sent, the dialogue answered, the totals read, and a
terminal that refuses, goes silent or is unplugged."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.base import CardOutcome, Health
from drivers.zvt import apdu as A
from drivers.zvt.emulator import ZvtEmulator
from drivers.zvt.terminal import ZvtTerminal


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[ZvtEmulator]:
    with ZvtEmulator(directory=tmp_path, prompt_repeat_s=0.1, ack_timeout=2.0) as emu:
        yield emu


@pytest.fixture
def terminal(emulator: ZvtEmulator) -> Iterator[ZvtTerminal]:
    terminal = ZvtTerminal(
        emulator.path, ack_timeout=2.0, transaction_timeout=3.0, reconnect_interval=0.1
    )
    terminal.start(lambda _event: None)
    yield terminal
    terminal.stop()


def sent(emulator: ZvtEmulator, command: tuple[int, int]) -> list[bytes]:
    return [a.encode() for a in emulator.received if a.command == command]


def test_diagnosis_is_06_70_00_and_its_printout_comes_back(
    terminal: ZvtTerminal, emulator: ZvtEmulator
) -> None:
    result = terminal.diagnosis()
    assert result.ok, result.message
    assert sent(emulator, A.DIAGNOSIS) == [bytes.fromhex("06 70 00")]
    assert result.lines == ("DIAGNOSE", "Terminal-ID 52500001", "Forbindelse OK")
    # the terminal set our clock on the way (04 01): acknowledged, not refused
    assert not [a for a in emulator.received if a.cls == A.NEGATIVE_ACK_CLASS]


def test_end_of_day_sends_the_password_and_reads_the_days_totals(
    terminal: ZvtTerminal, emulator: ZvtEmulator
) -> None:
    first = terminal.authorise(2500, "pay-1")
    assert terminal.authorise(1200, "pay-2").outcome is CardOutcome.APPROVED
    assert terminal.reverse(first).outcome is CardOutcome.APPROVED
    assert terminal.authorise(3000, "pay-3").outcome is CardOutcome.APPROVED

    result = terminal.end_of_day()

    assert result.ok, result.message
    assert sent(emulator, A.END_OF_DAY) == [bytes.fromhex("06 50 03 00 00 00")]
    assert result.total_ore == 4200  # the reversed 25 kr. are not in the day
    assert [(s.scheme, s.count, s.amount_ore) for s in result.schemes if s.count] == [
        ("Visa", 2, 4200)
    ]
    assert result.receipts is not None and result.receipts[0] < result.receipts[1]
    assert result.lines[-1] == "I alt 42,00 DKK"
    again = terminal.end_of_day()  # a new day: nothing since
    assert again.ok and again.total_ore == 0


def test_a_payment_lost_after_an_end_of_day_is_still_resolved(
    terminal: ZvtTerminal, emulator: ZvtEmulator
) -> None:
    """The end-of-day took a trace number: the driver must not compare with the one before."""
    assert terminal.authorise(2500, "pay-1").outcome is CardOutcome.APPROVED
    assert terminal.end_of_day().ok
    emulator.drop_link_mid_authorisation(approve=True)
    assert terminal.authorise(3000, "pay-2").outcome is CardOutcome.OUTCOME_UNKNOWN
    emulator.replug()
    resolved = terminal.resolve("pay-2", 3000)
    assert resolved.outcome is CardOutcome.APPROVED, resolved.message


def test_a_refused_end_of_day_says_why(terminal: ZvtTerminal, emulator: ZvtEmulator) -> None:
    emulator.maintenance_plan = 0x64
    result = terminal.end_of_day()
    assert not result.ok and result.result_code == 0x64
    assert "0x64" in result.message
    assert terminal.diagnosis().ok  # the terminal is usable afterwards


def test_a_terminal_that_stops_answering_ends_the_diagnosis_and_comes_back(
    terminal: ZvtTerminal, emulator: ZvtEmulator
) -> None:
    emulator.maintenance_plan = "silent"
    started = time.monotonic()
    result = terminal.diagnosis()
    assert not result.ok and "stopped answering" in result.message
    assert time.monotonic() - started < 10
    assert terminal.authorise(2500, "pay-1").outcome is CardOutcome.APPROVED


def test_an_unplugged_terminal_is_not_available(
    terminal: ZvtTerminal, emulator: ZvtEmulator
) -> None:
    emulator.port.unplug()
    wait_for(lambda: terminal.health is Health.DOWN)
    result = terminal.end_of_day()
    assert not result.ok and "not available" in result.message
    assert sent(emulator, A.END_OF_DAY) == []
