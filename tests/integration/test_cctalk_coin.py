"""The ccTalk coin acceptor driver against its emulator through a real pty."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from drivers.base import Credit, Fault, FaultKind, Health, HealthChanged, Rejected
from drivers.cctalk.codec import Checksum
from drivers.cctalk.coin import CcTalkCoinAcceptor
from drivers.cctalk.emulator import CoinAcceptorEmulator
from tests.device_rigs import Events, started, wait_until

COIN_VALUES = {"DK050": 50, "DK100": 100, "DK200": 200, "DK500": 500, "DK010": 1000, "DK020": 2000}
@pytest.fixture(params=[(True, Checksum.SIMPLE)])
def rig(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[CoinAcceptorEmulator, CcTalkCoinAcceptor, Events]]:
    echo, checksum = request.param
    emu = CoinAcceptorEmulator(echo=echo, checksum=checksum)
    dev = CcTalkCoinAcceptor(
        emu.path, coin_values=COIN_VALUES, echo=echo, checksum=checksum,
        reply_timeout_s=0.2, reconnect_backoff_s=(0.05, 0.2),
    )
    with emu, started(dev) as events:
        yield emu, dev, events


def enable(emu: CoinAcceptorEmulator, dev: CcTalkCoinAcceptor, values: set[int]) -> None:
    dev.enable(values)
    expected = 0
    for pos, (_, value) in dev.positions.items():
        if value in values:
            expected |= 1 << (pos - 1)
    wait_until(lambda: emu.inhibit_mask == expected and emu.master_enabled == bool(values),
               "inhibits applied")


def test_start_up_identifies_the_device_and_maps_coin_ids_to_values(rig) -> None:
    emu, dev, _ = rig
    assert dev.identity["category"] == "Coin Acceptor"
    assert dev.identity["manufacturer"] == "EMU"
    assert dev.identity["serial"] == str(0x123456)
    assert {ident: value for ident, value in dev.positions.values()} == {
        "DK050A": 50, "DK100A": 100, "DK200A": 200, "DK500A": 500, "DK010A": 1000, "DK020A": 2000,
    }
    assert dev.poll_interval_s == pytest.approx(0.1)  # the emulator's own figure via header 249
    assert emu.inhibit_mask == 0 and not emu.master_enabled  # starts with everything disabled


def test_coins_are_credited_with_value_id_and_event_counter_on_the_polling_thread(rig) -> None:
    emu, dev, events = rig
    enable(emu, dev, {200, 2000})
    assert emu.insert_coin("DK200A")
    assert emu.insert_coin("DK020A")
    credits = events.wait_count(Credit, 2)
    assert [(c.value_ore, c.denomination, c.kind) for c in credits] == [
        (200, "DK200A", "coin"), (2000, "DK020A", "coin"),
    ]
    assert [c.event_ref for c in credits] == ["cctalk:1193046:1", "cctalk:1193046:2"]
    assert events.threads == {"cctalk-coin_acceptor"}


def test_only_the_enabled_denominations_are_accepted(rig) -> None:
    emu, dev, events = rig
    enable(emu, dev, {500})
    assert not emu.insert_coin("DK100A")
    assert emu.insert_coin("DK500A")
    events.wait_count(Credit, 1)
    rejected = events.wait_count(Rejected, 1)
    assert rejected[0].reason == "inhibited coin"
    assert [c.value_ore for c in events.of(Credit)] == [500]
    enable(emu, dev, set())
    assert not emu.insert_coin("DK500A")
    events.wait_count(Rejected, 2)
    assert len(events.of(Credit)) == 1


def test_counter_wraps_from_255_to_1_without_losing_or_doubling_coins(rig) -> None:
    emu, dev, events = rig
    enable(emu, dev, {100})
    emu.set_counter(253)  # a jump of 253 is itself "lost events"; what matters is what follows
    events.wait_fault(FaultKind.LOST_EVENTS)
    faults_before = len(events.of(Fault))
    for _ in range(4):
        emu.insert_coin("DK100A")
    credits = events.wait_count(Credit, 4)
    assert [c.event_ref.rpartition(":")[2] for c in credits] == ["254", "255", "1", "2"]
    time.sleep(0.3)
    assert len(events.of(Credit)) == 4
    assert len(events.of(Fault)) == faults_before


def test_more_than_five_events_between_polls_raise_lost_events(rig) -> None:
    emu, dev, events = rig
    enable(emu, dev, {50})
    with emu.lock:  # all seven land between two polls
        emu.burst(7, "DK050A")
    fault = events.wait_fault(FaultKind.LOST_EVENTS)
    assert "7 events" in fault.detail
    assert len(events.wait_count(Credit, 5)) == 5  # the five the buffer still holds are real money


def test_device_reset_mid_session_is_reported_and_inhibits_are_reapplied(rig) -> None:
    emu, dev, events = rig
    enable(emu, dev, {200})
    emu.insert_coin("DK200A")
    events.wait_count(Credit, 1)
    emu.reset_device()
    events.wait_fault(FaultKind.DEVICE_RESET)
    wait_until(lambda: emu.master_enabled and emu.inhibit_mask != 0, "inhibits re-applied")
    assert emu.insert_coin("DK200A")
    credits = events.wait_count(Credit, 2)
    assert credits[1].event_ref == "cctalk:1193046:1"


def test_nak_busy_and_bad_checksums_are_retried_without_losing_a_coin(rig) -> None:
    emu, dev, events = rig
    enable(emu, dev, {100})
    emu.nak_next()
    emu.busy_next()
    emu.corrupt_next_checksum()
    emu.insert_coin("DK100A")
    assert len(events.wait_count(Credit, 1)) == 1
    emu.garbage(b"\x00\xff\x13\x37garbage")
    emu.insert_coin("DK100A")
    assert len(events.wait_count(Credit, 2)) == 2
    time.sleep(0.3)
    assert len(events.of(Credit)) == 2
    assert dev.health == Health.OK
    assert not events.of(Fault)


def test_unplug_goes_down_then_reconnects_by_path_and_credits_coins_taken_meanwhile(rig) -> None:
    emu, dev, events = rig
    enable(emu, dev, {500})
    emu.unplug()
    events.wait_health(Health.DOWN)
    assert events.wait_fault(FaultKind.DISCONNECTED)
    assert dev.health == Health.DOWN
    emu.insert_coin("DK500A")  # the acceptor is powered and still takes the coin
    emu.plug()
    n = len(events.of(HealthChanged))
    events.wait_health(Health.OK, after=n - 1)
    credits = events.wait_count(Credit, 1)
    assert credits[0].value_ore == 500
    assert emu.master_enabled  # re-initialised with the host's wish


def test_a_device_that_stops_answering_goes_down_and_comes_back(rig) -> None:
    emu, dev, events = rig
    emu.mute_next(50)
    events.wait_fault(FaultKind.PROTOCOL)
    assert dev.health == Health.DOWN
    emu.unmute()
    events.wait_for(lambda: dev.health == Health.OK, "health OK again")


def test_a_failing_listener_does_not_stop_the_money(rig) -> None:
    emu, dev, events = rig
    enable(emu, dev, {100})
    calls: list[object] = []

    def broken(event: object) -> None:
        calls.append(event)
        raise RuntimeError("listener bug")

    dev._listener = broken
    emu.insert_coin("DK100A")
    wait_until(lambda: any(isinstance(e, Credit) for e in calls), "first credit")
    dev._listener = events
    emu.insert_coin("DK100A")
    assert events.wait_count(Credit, 1)[0].event_ref == "cctalk:1193046:2"


def test_fraud_and_jam_codes_become_faults(rig) -> None:
    emu, _dev, events = rig
    emu.fraud()
    emu.jam()
    assert events.wait_fault(FaultKind.FRAUD).detail.startswith("coin on string")
    assert events.wait_fault(FaultKind.JAM).detail.startswith("credit sensor blocked")


@pytest.mark.parametrize(
    ("echo", "checksum"), [(False, Checksum.SIMPLE), (True, Checksum.CRC16)],
    ids=["no-echo", "crc16"],
)
def test_echo_and_crc_settings_work_end_to_end(echo: bool, checksum: Checksum) -> None:
    with CoinAcceptorEmulator(echo=echo, checksum=checksum) as emu:
        dev = CcTalkCoinAcceptor(emu.path, coin_values=COIN_VALUES, echo=echo, checksum=checksum)
        with started(dev) as events:
            enable(emu, dev, {1000})
            emu.insert_coin("DK010A")
            assert events.wait_count(Credit, 1)[0].value_ore == 1000


def test_a_wrong_echo_setting_is_a_clear_protocol_fault() -> None:
    with CoinAcceptorEmulator(echo=False) as emu:
        dev = CcTalkCoinAcceptor(emu.path, coin_values=COIN_VALUES, echo=True,
                                 reply_timeout_s=0.1, reconnect_backoff_s=(0.5, 1.0))
        with started(dev, healthy=False) as events:
            assert "echo" in events.wait_fault(FaultKind.PROTOCOL).detail
            assert dev.health == Health.DOWN


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        CcTalkCoinAcceptor("/dev/null", coin_values={"DK050": 0.5})  # type: ignore[dict-item]
    with pytest.raises(ValueError):
        CcTalkCoinAcceptor("/dev/null", coin_values=COIN_VALUES, address=1)
    dev = CcTalkCoinAcceptor("/dev/null", coin_values=COIN_VALUES)
    with pytest.raises(ValueError):
        dev.enable([2.0])  # type: ignore[list-item]
