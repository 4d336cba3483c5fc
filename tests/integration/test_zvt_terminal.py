"""The ZVT driver against the emulated terminal on a pty: real frames through pyserial."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.base import CardOutcome, CardPrompt, Health, HealthChanged
from drivers.zvt import apdu as A
from drivers.zvt.emulator import TEST_CARD_NUMBER, ZvtEmulator
from drivers.zvt.terminal import ZvtTerminal

PAN_PARTS = (TEST_CARD_NUMBER, TEST_CARD_NUMBER[:12], "4711 2233 4455")


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[ZvtEmulator]:
    with ZvtEmulator(directory=tmp_path, prompt_repeat_s=0.1) as emu:
        yield emu


@pytest.fixture
def events() -> list[object]:
    return []


@pytest.fixture
def make_terminal(
    emulator: ZvtEmulator, events: list[object]
) -> Iterator[Callable[..., ZvtTerminal]]:
    started: list[ZvtTerminal] = []

    def make(**kwargs: object) -> ZvtTerminal:
        options: dict[str, object] = {
            "ack_timeout": 3.0,
            "transaction_timeout": 20.0,
            "reconnect_interval": 0.1,
        }
        options.update(kwargs)
        terminal = ZvtTerminal(emulator.path, **options)  # type: ignore[arg-type]
        terminal.start(events.append)
        started.append(terminal)
        return terminal

    yield make
    for terminal in started:
        terminal.stop()


@pytest.fixture
def terminal(make_terminal: Callable[..., ZvtTerminal]) -> ZvtTerminal:
    return make_terminal()


def assert_no_card_number(*texts: str) -> None:
    for text in texts:
        for part in PAN_PARTS:
            assert part not in text


def test_registers_at_start_with_password_and_dkk(
    terminal: ZvtTerminal, emulator: ZvtEmulator
) -> None:
    assert terminal.health is Health.OK
    assert emulator.received[0].encode() == bytes.fromhex("06 00 06 00 00 00 BA 02 08")
    assert emulator.registered_currency == 208


def test_approved_payment_sends_exact_amount_and_currency_and_masks_the_card(
    terminal: ZvtTerminal, emulator: ZvtEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    result = terminal.authorise(2500, "pay-1")

    assert result.outcome is CardOutcome.APPROVED
    assert (result.amount_ore, result.reference, result.result_code) == (2500, "pay-1", 0)
    assert result.terminal_ref == f"{emulator.last.receipt_no:04d}"
    auth = [a for a in emulator.received if a.command == A.AUTHORISATION]
    assert [a.encode() for a in auth] == [bytes.fromhex("06 01 0A 04 00 00 00 00 25 00 49 02 08")]
    assert emulator.authorisations == [(2500, 208)]
    assert "**** **** **** 6677" in result.receipt_text
    assert_no_card_number(result.receipt_text, result.message, repr(result), caplog.text)
    assert not emulator.card_data_seen


def test_declined_payment(terminal: ZvtTerminal, emulator: ZvtEmulator) -> None:
    emulator.decline_next(0x05)
    result = terminal.authorise(12345, "pay-2")
    assert result.outcome is CardOutcome.DECLINED
    assert result.result_code == 0x05 and result.terminal_ref == ""
    assert "declined" in result.message


def test_citizen_abort_at_the_terminal(terminal: ZvtTerminal, emulator: ZvtEmulator) -> None:
    emulator.citizen_abort_next()
    result = terminal.authorise(5000, "pay-3")
    assert result.outcome is CardOutcome.ABORTED and result.result_code == 0x6C


def test_host_cancel_from_another_thread_aborts_at_the_next_prompt(
    terminal: ZvtTerminal, emulator: ZvtEmulator, events: list[object]
) -> None:
    emulator.hold_for_cancel_next()
    results = []
    worker = threading.Thread(target=lambda: results.append(terminal.authorise(5000, "pay-4")))
    worker.start()
    wait_for(lambda: any(isinstance(e, CardPrompt) for e in events))
    terminal.cancel()
    worker.join(timeout=20)
    assert results and results[0].outcome is CardOutcome.ABORTED
    assert emulator.aborts_received == 1
    assert any(a.encode() == bytes.fromhex("06 B0 00") for a in emulator.received)
    # the terminal is usable afterwards and the cancel does not leak into the next payment
    emulator.prompts([0x0A])
    assert terminal.authorise(5000, "pay-4b").outcome is CardOutcome.APPROVED


def test_cancel_while_idle_does_not_abort_the_next_payment(terminal: ZvtTerminal) -> None:
    terminal.cancel()
    assert terminal.authorise(100, "pay-5").outcome is CardOutcome.APPROVED


def test_prompts_arrive_as_events_in_order(
    terminal: ZvtTerminal, emulator: ZvtEmulator, events: list[object]
) -> None:
    emulator.prompts([0x0A, 0x42, 0x0E])
    terminal.authorise(2000, "pay-6")
    prompts = [e for e in events if isinstance(e, CardPrompt)]
    assert [p.code for p in prompts] == [0x0A, 0x42, 0x0E]
    assert prompts[1].text == "Enter your PIN" and prompts[0].device == terminal.name


def test_text_block_receipt_is_collected_and_masked(
    terminal: ZvtTerminal, emulator: ZvtEmulator
) -> None:
    emulator.use_text_block = True
    result = terminal.authorise(2500, "pay-7")
    assert result.receipt_text.splitlines()[0] == "BIBLIOTEKET"
    assert "**** **** **** 6677" in result.receipt_text
    assert_no_card_number(result.receipt_text)


def test_reversal_of_an_approved_payment_and_not_twice(
    terminal: ZvtTerminal, emulator: ZvtEmulator
) -> None:
    paid = terminal.authorise(7500, "pay-8")
    reversed_ = terminal.reverse(paid)
    assert reversed_.outcome is CardOutcome.APPROVED and reversed_.amount_ore == 7500
    sent = next(a for a in emulator.received if a.command == A.REVERSAL)
    assert sent.data == bytes.fromhex("00 00 00 87") + bytes.fromhex(paid.terminal_ref)
    again = terminal.reverse(paid)
    assert again.outcome is CardOutcome.DECLINED and again.result_code == 0xB4


def test_only_approved_payments_can_be_reversed(
    terminal: ZvtTerminal, emulator: ZvtEmulator
) -> None:
    emulator.decline_next()
    declined = terminal.authorise(100, "pay-9")
    with pytest.raises(ValueError):
        terminal.reverse(declined)


def test_nak_makes_the_driver_resend(terminal: ZvtTerminal, emulator: ZvtEmulator) -> None:
    emulator.nak_next(2)
    result = terminal.authorise(2500, "pay-10")
    assert result.outcome is CardOutcome.APPROVED
    assert emulator.authorisations == [(2500, 208)]  # taken once, after two resends


def test_nak_beyond_three_resends_means_the_terminal_never_took_it(
    terminal: ZvtTerminal, emulator: ZvtEmulator
) -> None:
    emulator.nak_next(4)
    result = terminal.authorise(2500, "pay-11")
    assert result.outcome is CardOutcome.ABORTED
    assert emulator.authorisations == []


def test_garbage_between_frames_is_skipped(terminal: ZvtTerminal, emulator: ZvtEmulator) -> None:
    emulator.garbage_next(b"\xff\x00\x41\x10\x99")
    emulator.garbage_next(b"\x00\x00")
    result = terminal.authorise(2500, "pay-12")
    assert result.outcome is CardOutcome.APPROVED
    assert terminal._link.stats["garbage_bytes"] >= 7  # type: ignore[attr-defined]


def test_checksum_error_is_nakked_and_the_resent_frame_accepted(
    terminal: ZvtTerminal, emulator: ZvtEmulator
) -> None:
    emulator.corrupt_next(2)
    result = terminal.authorise(2500, "pay-13")
    assert result.outcome is CardOutcome.APPROVED
    assert terminal._link.stats["bad_frames"] == 2  # type: ignore[attr-defined]


def test_bad_amount_is_refused_before_anything_is_sent(
    terminal: ZvtTerminal, emulator: ZvtEmulator
) -> None:
    before = len(emulator.received)
    for bad in (0, -100, 10**12, 25.5):
        with pytest.raises((ValueError, TypeError)):
            terminal.authorise(bad, "pay-14")  # type: ignore[arg-type]
    assert len(emulator.received) == before


def test_terminal_going_silent_mid_authorisation_is_outcome_unknown_then_resolved(
    make_terminal: Callable[..., ZvtTerminal], emulator: ZvtEmulator
) -> None:
    terminal = make_terminal(transaction_timeout=3.0)
    emulator.timeout_mid_authorisation()
    result = terminal.authorise(2500, "pay-15")
    assert result.outcome is CardOutcome.OUTCOME_UNKNOWN
    resolved = terminal.resolve("pay-15", 2500)
    assert resolved.outcome is CardOutcome.ABORTED  # the terminal made no transaction for it
    assert any(a.command == A.STATUS_ENQUIRY for a in emulator.received)


@pytest.mark.parametrize("approve", [True, False])
def test_link_dropped_mid_authorisation_is_unknown_then_resolved_on_reconnect(
    terminal: ZvtTerminal, emulator: ZvtEmulator, events: list[object], approve: bool
) -> None:
    emulator.drop_link_mid_authorisation(approve=approve)
    result = terminal.authorise(4400, "pay-16")
    assert result.outcome is CardOutcome.OUTCOME_UNKNOWN
    assert terminal.health is Health.DOWN
    assert any(isinstance(e, HealthChanged) and e.health is Health.DOWN for e in events)

    still = terminal.resolve("pay-16", 4400)  # unplugged: cannot ask, so no answer
    assert still.outcome is CardOutcome.OUTCOME_UNKNOWN

    emulator.replug()
    wait_for(lambda: terminal.health is Health.OK)
    resolved = terminal.resolve("pay-16", 4400)
    if approve:
        assert resolved.outcome is CardOutcome.APPROVED
        assert resolved.terminal_ref == f"{emulator.last.receipt_no:04d}"
    else:
        assert resolved.outcome is CardOutcome.DECLINED and resolved.result_code == 0x05
    assert any(a.command == A.REPEAT_RECEIPT for a in emulator.received)


def test_unknown_outcome_with_another_amount_on_the_terminal_stays_unknown(
    terminal: ZvtTerminal, emulator: ZvtEmulator
) -> None:
    emulator.drop_link_mid_authorisation(approve=True)
    assert terminal.authorise(4400, "pay-17").outcome is CardOutcome.OUTCOME_UNKNOWN
    emulator.replug()
    assert terminal.resolve("pay-17", 9900).outcome is CardOutcome.OUTCOME_UNKNOWN


def test_a_new_payment_before_resolving_makes_the_old_one_unresolvable(
    terminal: ZvtTerminal, emulator: ZvtEmulator
) -> None:
    emulator.drop_link_mid_authorisation(approve=True)
    assert terminal.authorise(4400, "pay-18").outcome is CardOutcome.OUTCOME_UNKNOWN
    emulator.replug()
    assert terminal.authorise(4400, "pay-19").outcome is CardOutcome.APPROVED
    assert terminal.resolve("pay-18", 4400).outcome is CardOutcome.OUTCOME_UNKNOWN


def test_resolve_of_a_reference_never_seen_is_unknown(terminal: ZvtTerminal) -> None:
    assert terminal.resolve("nobody", 100).outcome is CardOutcome.OUTCOME_UNKNOWN


def test_unplugged_terminal_refuses_payment_without_sending_and_reconnects_by_path(
    terminal: ZvtTerminal, emulator: ZvtEmulator, events: list[object]
) -> None:
    emulator.port.unplug()
    wait_for(lambda: terminal.health is Health.DOWN)
    result = terminal.authorise(2500, "pay-20")
    assert result.outcome is CardOutcome.ABORTED and "not available" in result.message
    emulator.replug()
    wait_for(lambda: terminal.health is Health.OK)
    assert terminal.authorise(2500, "pay-21").outcome is CardOutcome.APPROVED
    healths = [e.health for e in events if isinstance(e, HealthChanged)]
    assert healths == [Health.OK, Health.DOWN, Health.OK]


@pytest.fixture
def tcp_emulator(tmp_path: Path) -> Iterator[ZvtEmulator]:
    with ZvtEmulator(transport="tcp", directory=tmp_path, prompt_repeat_s=0.1) as emu:
        yield emu


def test_tcp_transport_pays_reverses_and_resolves_a_dropped_connection(
    tcp_emulator: ZvtEmulator,
) -> None:
    events: list[object] = []
    terminal = ZvtTerminal(
        tcp_emulator.path, transport="tcp", ack_timeout=3.0, reconnect_interval=0.1
    )
    terminal.start(events.append)
    try:
        assert terminal.health is Health.OK
        paid = terminal.authorise(2500, "tcp-1")
        assert paid.outcome is CardOutcome.APPROVED
        assert tcp_emulator.authorisations == [(2500, 208)]
        assert [e.code for e in events if isinstance(e, CardPrompt)] == [0x0A, 0x01, 0x0E]
        assert terminal.reverse(paid).outcome is CardOutcome.APPROVED

        tcp_emulator.drop_link_mid_authorisation(approve=True)
        assert terminal.authorise(3000, "tcp-2").outcome is CardOutcome.OUTCOME_UNKNOWN
        resolved = terminal.resolve("tcp-2", 3000)
        assert resolved.outcome is CardOutcome.APPROVED
        assert resolved.terminal_ref == f"{tcp_emulator.last.receipt_no:04d}"
    finally:
        terminal.stop()


def test_wrong_registration_password_leaves_the_terminal_down_and_takes_no_payment(
    make_terminal: Callable[..., ZvtTerminal], emulator: ZvtEmulator
) -> None:
    terminal = make_terminal(password="999999")
    assert terminal.health is Health.DOWN
    result = terminal.authorise(2500, "pay-22")
    assert result.outcome is CardOutcome.ABORTED and "not available" in result.message
    assert emulator.authorisations == []


@pytest.mark.parametrize("password", ["12345", "abcdef", "1234567"])
def test_a_malformed_password_is_a_configuration_error(password: str) -> None:
    with pytest.raises(ValueError, match="6 digits"):
        ZvtTerminal("/dev/null", password=password)
