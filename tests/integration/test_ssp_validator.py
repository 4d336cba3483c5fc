"""The SSP validator driver against its emulator through a real pty: what is SSP's own (start-up
sequence, HOLD and accept by POLL, sequence flags, channel values, eSSP). The escrow suite it
shares with the ccTalk bill validator is ``test_note_escrow.py``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.base import Credit, Escrow, Fault, FaultKind, Health, Rejected
from drivers.ssp import codec
from drivers.ssp.device import SspValidator
from drivers.ssp.emulator import SspEmulator
from tests.device_rigs import Events, settle, started, wait_until

CHANNELS = {"1": 5000, "2": 10000, "3": 20000, "4": 50000, "5": 100000}


def make(emu: SspEmulator, **kw: object) -> SspValidator:
    kw.setdefault("channel_values", CHANNELS)
    return SspValidator(
        emu.path, reply_timeout_s=0.3, retries=5, reconnect_backoff_s=(0.05, 0.3),
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def rig() -> Iterator[tuple[SspEmulator, SspValidator, Events]]:
    emu = SspEmulator()
    dev = make(emu)
    with emu, started(dev) as events:
        yield emu, dev, events


def enable(emu: SspEmulator, dev: SspValidator, values: set[int]) -> None:
    dev.enable(values)
    wait_until(lambda: emu.enabled == bool(values), "enable applied")


def test_start_up_sequence_and_channel_values_from_setup_request(rig) -> None:
    emu, dev, _ = rig
    wait_until(lambda: codec.POLL in emu.commands, "polling")
    # REJECT before anything else can accept a note left in escrow; serial and counters mark
    # the credits so that the next start can tell which of them the host recorded
    assert emu.commands[:9] == [
        codec.SYNC, codec.HOST_PROTOCOL_VERSION, codec.SETUP_REQUEST, codec.REJECT,
        codec.GET_SERIAL, codec.GET_COUNTERS, codec.SET_INHIBITS, codec.DISABLE, codec.POLL,
    ]
    assert dev.channels == {1: 5000, 2: 10000, 3: 20000, 4: 50000, 5: 100000}
    assert emu.protocol == 6


def test_a_note_is_held_with_hold_and_accepted_by_the_next_poll(rig) -> None:
    emu, dev, events = rig
    enable(emu, dev, {10000, 20000})
    assert emu.inhibits == 0b110
    assert emu.insert_note(100)
    escrow = events.wait_count(Escrow, 1)[0]
    assert (escrow.value_ore, escrow.denomination) == (10000, "channel 2")
    settle(lambda: emu.commands.count(codec.HOLD))  # HOLD instead of POLL while it decides
    assert emu.escrow == 2 and not events.of(Credit)
    sent = len(emu.commands)
    dev.accept_escrow()
    credit = events.wait_count(Credit, 1)[0]
    assert set(emu.commands[sent:]) <= {codec.HOLD, codec.POLL}  # no command of its own
    assert (credit.value_ore, credit.kind, credit.denomination) == (10000, "note", "channel 2")
    assert emu.stacked == [2]
    assert events.threads == {"ssp-note_validator"}  # delivered on the polling thread


@pytest.mark.parametrize(("code", "reason"), [
    (0x0B, "note too long"), (0x0C, "validator disabled"), (0x14, "bar code scan fail"),
    (0x1A, "note too short"), (0x08, "host rejected note"), (0x42, "rejected (code 0x42)"),
])
def test_a_note_the_validator_refuses_is_reported_with_its_reject_code(
    rig, code: int, reason: str,
) -> None:
    """Only the return the host asked for is silent; "rejected by host" without a REJECT of
    ours (one sent before a reconnect, say) is the device's word and said as such."""
    emu, dev, events = rig
    enable(emu, dev, {5000})
    emu.refuse_note(code)
    (rejected,) = events.wait_count(Rejected, 1)
    assert rejected.reason == reason and not events.of(Escrow) and not events.of(Credit)


def test_faults_jam_fraud_cashbox_and_full(rig) -> None:
    emu, dev, events = rig
    emu.jam()
    events.wait_fault(FaultKind.JAM)
    wait_until(lambda: dev.health == Health.DOWN, "down while jammed")
    emu.clear_jam()
    wait_until(lambda: dev.health == Health.OK, "ok when cleared")
    emu.fraud(2)
    assert "channel 2" in events.wait_fault(FaultKind.FRAUD).detail
    emu.remove_stacker()
    events.wait_fault(FaultKind.STACKER_REMOVED)
    wait_until(lambda: dev.health == Health.DOWN, "down without cashbox")
    emu.replace_stacker()
    wait_until(lambda: dev.health == Health.OK, "ok with cashbox")
    emu.stacker_full()
    events.wait_fault(FaultKind.STACKER_FULL)
    wait_until(lambda: dev.health == Health.DOWN, "down when full")


def test_bad_crc_garbage_and_lost_replies_are_retried_with_the_same_flag(rig) -> None:
    emu, dev, events = rig
    enable(emu, dev, {5000})
    emu.corrupt_next_checksum(2)
    emu.mute_next(1)
    emu.garbage(b"\x00\x13\x37garbage\x7f")
    emu.insert_note(50)
    events.wait_count(Escrow, 1)
    dev.accept_escrow()
    assert len(events.wait_count(Credit, 1)) == 1
    settle(lambda: emu.commands.count(codec.POLL))
    assert len(events.of(Credit)) == 1  # a resent reply is never a second credit
    assert dev.health == Health.OK


def test_cannot_process_now_is_tried_again_as_a_new_command(rig) -> None:
    emu, dev, events = rig
    polls = emu.commands.count(codec.POLL)
    emu.busy_next(2)
    dev.enable({5000})
    wait_until(lambda: emu.enabled and emu.commands.count(codec.POLL) > polls + 2, "enabled")
    assert dev.health == Health.OK
    assert not events.of(Fault)


def test_a_device_demanding_encryption_is_refused_clearly() -> None:
    with SspEmulator() as emu:
        emu.require_encryption()
        dev = make(emu)
        with started(dev, healthy=False) as events:
            fault = events.wait_fault(FaultKind.PROTOCOL)
            assert "encryption" in fault.detail
            assert dev.health == Health.DOWN


def test_channel_values_that_disagree_with_configuration_stay_disabled() -> None:
    with SspEmulator() as emu:
        dev = make(emu, channel_values={"1": 5000, "2": 20000})
        with started(dev, healthy=False) as events:
            fault = events.wait_fault(FaultKind.OTHER)
            assert "channel 2 is 10000 øre on the device, 20000 configured" in fault.detail
            wait_until(lambda: dev.health == Health.DEGRADED, "degraded")
            assert 2 not in dev.channels
            dev.enable({10000, 20000, 5000})
            wait_until(lambda: emu.enabled, "enabled")
            assert emu.inhibits == 0b1


def test_a_validator_set_up_for_another_currency_takes_nothing() -> None:
    with SspEmulator(country="EUR") as emu:
        dev = make(emu, channel_values=None)
        with started(dev, healthy=False) as events:
            assert "EUR" in events.wait_fault(FaultKind.OTHER).detail
            assert dev.channels == {}
            wait_until(lambda: dev.health == Health.DOWN, "down: no usable channel")


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        SspValidator("/dev/null", channel_values={"one": 5000})
    with pytest.raises(ValueError):
        SspValidator("/dev/null", channel_values={"1": 50.0})  # type: ignore[dict-item]
    with pytest.raises(ValueError):
        SspValidator("/dev/null", poll_interval_s=1.0)
