"""The ccTalk coin acceptor driver against its emulator through a real pty."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.base import Credit, Fault, FaultKind, Health, HealthChanged, Rejected
from drivers.cctalk import codec
from drivers.cctalk.codec import Checksum
from drivers.cctalk.coin import CcTalkCoinAcceptor
from drivers.cctalk.emulator import CoinAcceptorEmulator
from kiosk.config.devices import CoinAcceptor, DevicesSection
from kiosk.devices import build_devices
from kiosk.money import DKK_COINS
from tests.device_rigs import Events, settle, started, wait_until


@pytest.fixture(params=[(True, Checksum.SIMPLE)])
def rig(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[CoinAcceptorEmulator, CcTalkCoinAcceptor, Events]]:
    echo, checksum = request.param
    emu = CoinAcceptorEmulator(echo=echo, checksum=checksum)
    dev = CcTalkCoinAcceptor(
        emu.path, denominations=DKK_COINS, echo=echo, checksum=checksum,
        reply_timeout_s=0.2, reconnect_backoff_s=(0.05, 0.2),
    )
    with emu, started(dev) as events:
        yield emu, dev, events


def polls(emu: CoinAcceptorEmulator) -> int:
    return sum(1 for frame in emu.requests if frame.header == codec.READ_BUFFERED_CREDIT)


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
        "DK050A": 50, "DK100A": 100, "DK200A": 200, "DK500A": 500, "DK1K0A": 1000, "DK2K0A": 2000,
    }
    assert dev.health_detail == ""
    assert dev.poll_interval_s == pytest.approx(0.1)  # the emulator's own figure via header 249
    assert emu.inhibit_mask == 0 and not emu.master_enabled  # starts with everything disabled


def test_coins_are_credited_with_value_id_and_event_counter_on_the_polling_thread(rig) -> None:
    emu, dev, events = rig
    enable(emu, dev, {200, 2000})
    assert emu.insert_coin("DK200A")
    assert emu.insert_coin("DK2K0A")
    credits = events.wait_count(Credit, 2)
    assert [(c.value_ore, c.denomination, c.kind) for c in credits] == [
        (200, "DK200A", "coin"), (2000, "DK2K0A", "coin"),
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


#: an acceptor programmed as the ccTalk specification names coins: 10 and 20 kr are 1K0 and 2K0
SPEC_NAMES = ("DK050A", "DK100A", "DK200A", "DK500A", "DK1K0A", "DK2K0A")


def test_the_default_configuration_takes_10_and_20_kr_from_an_acceptor_that_follows_the_spec(
) -> None:
    """Issue 13 item 1: the configuration mapped DK010/DK020 to 10/20 kr, so 1K0/2K0 stayed
    disabled; the names are now read as the specification writes them."""
    with CoinAcceptorEmulator(ids=SPEC_NAMES) as emu:
        built = build_devices(DevicesSection(coin_acceptor=CoinAcceptor(port=emu.path)))
        acceptor = built.coin_acceptor
        assert acceptor is not None
        with started(acceptor) as events:
            acceptor.enable({1000, 2000})
            wait_until(lambda: emu.master_enabled, "10 and 20 kr enabled")
            assert emu.insert_coin("DK1K0A") and emu.insert_coin("DK2K0A")
            credits = events.wait_count(Credit, 2)
            assert [(c.value_ore, c.denomination) for c in credits] == [
                (1000, "DK1K0A"), (2000, "DK2K0A"),
            ]


def test_the_emulator_names_its_coins_as_the_specification_does(rig) -> None:
    emu, dev, events = rig
    assert emu.ids == list(SPEC_NAMES)
    enable(emu, dev, {1000, 2000})
    assert emu.insert_coin("DK1K0A") and emu.insert_coin("DK2K0A")
    assert [c.value_ore for c in events.wait_count(Credit, 2)] == [1000, 2000]


def test_a_coin_whose_name_is_not_a_danish_coin_is_refused_at_start_up() -> None:
    names = ("DK050A", "DK020A", "EU200A", "DK1K0A", "DK5m0A")
    with CoinAcceptorEmulator(ids=names) as emu:
        dev = CcTalkCoinAcceptor(emu.path, denominations=DKK_COINS)
        with started(dev, healthy=False) as events:
            events.wait_health(Health.DEGRADED)
            detail = dev.health_detail
            assert "position 2: DK020A is 20 øre by its name: not a coin of DK" in detail
            assert "position 3: EU200A is a coin of EU, not DK" in detail
            assert "position 5: DK5m0A is 0.005 øre" in detail
            assert events.wait_fault(FaultKind.OTHER).detail == f"{detail}: never enabled"
            assert [value for _, value in dev.positions.values()] == [50, None, None, 1000, None]
            enable(emu, dev, {20, 200, 1000})
            assert emu.inhibit_mask == 0b1000
            assert not emu.insert_coin("DK020A")


def test_coin_values_value_names_that_do_not_follow_the_specification() -> None:
    with CoinAcceptorEmulator(ids=("DK050A", "DK010A", "DK020A", "DK1K0A")) as emu:
        dev = CcTalkCoinAcceptor(emu.path, denominations=DKK_COINS,
                                 coin_values={"DK010": 1000, "DK020": 2000, "DK1K0": 500})
        with started(dev, healthy=False) as events:
            events.wait_health(Health.DEGRADED)
            # an override may not contradict a name the specification values as a Danish coin
            assert dev.health_detail == ("position 4: DK1K0A is 1000 øre by its name but 500 "
                                         "øre in coin_values")
            assert [value for _, value in dev.positions.values()] == [50, 1000, 2000, None]
            enable(emu, dev, {2000})
            assert emu.insert_coin("DK020A")
            assert events.wait_count(Credit, 1)[0].value_ore == 2000


def test_coins_the_specification_lists_as_rejected_are_rejects_not_faults(rig) -> None:
    """Issue 13 item 2: codes such as 9 (accept gate not ready), 24 (repeated sequential trip)
    and 37 (too fast over the validation sensor) were "other" faults."""
    emu, _dev, events = rig
    for n, code in enumerate((9, 24, 37), start=1):
        emu.error(code)
        events.wait_count(Rejected, n)
    assert [r.reason for r in events.of(Rejected)] == [
        "accept gate not ready", "reject coin (repeated sequential trip)",
        "coin too fast over validation sensor",
    ]
    assert not events.of(Fault)


def test_a_reset_before_the_first_coin_is_detected_and_the_inhibits_reapplied(rig) -> None:
    """Issue 13 item 2: with the event counter still 0 a reset left it 0, unnoticed, and every
    coin was refused until the next enable()."""
    emu, dev, events = rig
    enable(emu, dev, {200})
    assert emu.counter == 0
    emu.reset_device()
    assert "before the first event" in events.wait_fault(FaultKind.DEVICE_RESET).detail
    wait_until(lambda: emu.master_enabled and emu.inhibit_mask == 0b100, "inhibits re-applied")
    assert emu.insert_coin("DK200A")
    assert events.wait_count(Credit, 1)[0].event_ref == "cctalk:1193046:1"


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
    settle(lambda: polls(emu))
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
    settle(lambda: polls(emu))
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
        dev = CcTalkCoinAcceptor(emu.path, denominations=DKK_COINS, echo=echo, checksum=checksum)
        with started(dev) as events:
            enable(emu, dev, {1000})
            emu.insert_coin("DK1K0A")
            assert events.wait_count(Credit, 1)[0].value_ore == 1000


def test_a_wrong_echo_setting_is_a_clear_protocol_fault() -> None:
    with CoinAcceptorEmulator(echo=False) as emu:
        dev = CcTalkCoinAcceptor(emu.path, denominations=DKK_COINS, echo=True,
                                 reply_timeout_s=0.1, reconnect_backoff_s=(0.5, 1.0))
        with started(dev, healthy=False) as events:
            assert "echo" in events.wait_fault(FaultKind.PROTOCOL).detail
            assert dev.health == Health.DOWN


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        CcTalkCoinAcceptor("/dev/null", denominations=DKK_COINS,
                           coin_values={"DK050": 0.5})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="not a coin"):
        CcTalkCoinAcceptor("/dev/null", denominations=DKK_COINS, coin_values={"DK020": 20})
    with pytest.raises(ValueError):
        CcTalkCoinAcceptor("/dev/null", denominations=DKK_COINS, address=1)
    dev = CcTalkCoinAcceptor("/dev/null", denominations=DKK_COINS)
    with pytest.raises(ValueError):
        dev.enable([2.0])  # type: ignore[list-item]
