"""The cash acceptors across a restart of the automat, on their emulators over real ptys.

The emulator is the hardware: it outlives the driver. Stopping driver A without a word to the
device is what a SIGKILL does to the automat (the thread stops polling, the port closes); driver B,
built new and told the newest event the ledger recorded (``resume_after``), is the next process.
What the device took while nobody recorded it must come out of B as credits ``during_restart``
(loss 3 of issue 11: a coin in flight), a note left in escrow must go back to the citizen rather
than into the stacker (loss 1), and nothing the ledger already has may come out twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from drivers.base import Credit, Escrow, Fault, FaultKind, Progress
from drivers.cctalk.bill import CcTalkBillValidator
from drivers.cctalk.coin import CcTalkCoinAcceptor
from drivers.cctalk.emulator import BillValidatorEmulator, CoinAcceptorEmulator
from drivers.ssp.device import SspValidator
from drivers.ssp.emulator import SspEmulator
from kiosk.money import DKK_COINS
from tests.device_rigs import Events, started, wait_until

BILL_VALUES = {"DK0050": 5000, "DK0100": 10000, "DK0200": 20000}


def coin_driver(
    emu: CoinAcceptorEmulator, resume: str | None = None, *, clean: bool = False
) -> CcTalkCoinAcceptor:
    dev = CcTalkCoinAcceptor(emu.path, denominations=DKK_COINS, reply_timeout_s=0.2,
                             reconnect_backoff_s=(0.05, 0.2))
    if resume:
        dev.resume_after(resume, stopped_cleanly=clean)
    return dev


def bill_driver(emu: BillValidatorEmulator, resume: str | None = None) -> CcTalkBillValidator:
    dev = CcTalkBillValidator(emu.path, bill_values=BILL_VALUES, reply_timeout_s=0.2,
                              reconnect_backoff_s=(0.05, 0.2))
    if resume:
        dev.resume_after(resume)
    return dev


def ssp_driver(emu: SspEmulator, resume: str | None = None) -> SspValidator:
    dev = SspValidator(emu.path, reply_timeout_s=0.3, retries=3, reconnect_backoff_s=(0.05, 0.2))
    if resume:
        dev.resume_after(resume)
    return dev


@contextmanager
def first_poll_done(dev, emu_requests) -> Iterator[Events]:  # type: ignore[no-untyped-def]
    """Driver started, healthy and past its first poll (so start-up events are all out)."""
    with started(dev) as events:
        seen = len(emu_requests())
        wait_until(lambda: len(emu_requests()) > seen + 1, "polling")
        yield events


def newest_position(events: Events) -> str:
    """What the ledger would hold: the event_ref of the newest credit or progress."""
    refs = [e.event_ref for e in events.items if isinstance(e, Credit | Progress)]
    return refs[-1]


# -- ccTalk coin acceptor ----------------------------------------------------------------------


def test_a_coin_taken_while_the_automat_was_down_is_credited_at_the_next_start() -> None:
    with CoinAcceptorEmulator() as emu:
        a = coin_driver(emu)
        with first_poll_done(a, lambda: emu.requests) as events_a:
            a.enable({1000, 2000})
            wait_until(lambda: emu.master_enabled, "enabled")
            assert emu.insert_coin("DK1K0A")
            events_a.wait_count(Credit, 1)
            recorded = newest_position(events_a)
        # the automat died with the acceptor still enabled: the coin on its way is taken
        assert emu.insert_coin("DK2K0A")
        b = coin_driver(emu, resume=recorded)
        with first_poll_done(b, lambda: emu.requests) as events_b:
            (credit,) = events_b.wait_count(Credit, 1)
            assert (credit.value_ore, credit.during_restart) == (2000, True)
            assert credit.event_ref == recorded.rpartition(":")[0] + ":2"
            assert not events_b.of(Fault)
        assert len(events_b.of(Credit)) == 1  # the coin the ledger had is not reported again


def test_events_without_money_after_the_last_coin_are_not_taken_for_lost_ones() -> None:
    """Six inhibited coins (no money) after the last credit: their position is recorded, so the
    next start finds nothing new and raises no lost-events alarm."""
    with CoinAcceptorEmulator() as emu:
        a = coin_driver(emu)
        with first_poll_done(a, lambda: emu.requests) as events_a:
            for _ in range(6):
                assert not emu.insert_coin("DK1K0A")  # everything is inhibited
                wait_until(lambda: events_a.of(Progress)
                           and events_a.of(Progress)[-1].event_ref.endswith(f":{emu.counter}"),
                           "progress")
            recorded = newest_position(events_a)
        b = coin_driver(emu, resume=recorded)
        with first_poll_done(b, lambda: emu.requests) as events_b:
            pass
        assert not events_b.of(Credit) and not events_b.of(Fault)


def test_more_events_than_the_buffer_holds_are_announced_and_the_five_it_holds_credited() -> None:
    with CoinAcceptorEmulator() as emu:
        a = coin_driver(emu)
        with first_poll_done(a, lambda: emu.requests) as events_a:
            a.enable({500})
            wait_until(lambda: emu.master_enabled, "enabled")
            recorded = newest_position(events_a)
        for _ in range(7):
            assert emu.insert_coin("DK500A")
        b = coin_driver(emu, resume=recorded)
        with first_poll_done(b, lambda: emu.requests) as events_b:
            credits = events_b.wait_count(Credit, 5)
            fault = events_b.wait_fault(FaultKind.LOST_EVENTS)
        assert [c.value_ore for c in credits] == [500] * 5
        assert all(c.during_restart for c in credits)
        assert "2 event(s)" in fault.detail and "count the cash box" in fault.detail


def test_a_new_acceptor_s_old_events_are_not_ours() -> None:
    """No recorded position for this serial number (a replaced acceptor, a first start): what
    its buffer holds happened before this automat knew it."""
    with CoinAcceptorEmulator() as emu:
        emu.burst(3, "DK500A")
        b = coin_driver(emu, resume="cctalk:999:3")  # another acceptor's position
        with first_poll_done(b, lambda: emu.requests) as events:
            pass
        assert not events.of(Credit) and not events.of(Fault)
        assert events.of(Progress)[0].event_ref.endswith(":3")  # where it stands now


def test_a_reset_acceptor_cannot_say_what_it_took_and_says_so() -> None:
    with CoinAcceptorEmulator() as emu:
        emu.burst(4, "DK500A")
        emu.reset_device()  # power cycled with the automat: counter 0, buffer gone
        b = coin_driver(emu, resume="cctalk:1193046:2")
        with first_poll_done(b, lambda: emu.requests) as events:
            fault = events.wait_fault(FaultKind.LOST_EVENTS)
        assert "reset" in fault.detail and not events.of(Credit)


def test_a_reset_after_a_clean_stop_lost_nothing() -> None:
    """Switched off overnight after the automat stopped with every event recorded."""
    with CoinAcceptorEmulator() as emu:
        emu.burst(2, "DK500A")
        a = coin_driver(emu, resume="cctalk:1193046:2")
        with first_poll_done(a, lambda: emu.requests):
            pass
        assert a.position() == "cctalk:1193046:2"
        emu.reset_device()
        b = coin_driver(emu, resume=a.position(), clean=True)
        with first_poll_done(b, lambda: emu.requests) as events:
            pass
        assert not events.of(Fault) and not events.of(Credit)
        assert events.of(Progress)[-1].event_ref == "cctalk:1193046:0"


# -- ccTalk bill validator ----------------------------------------------------------------------


def test_a_bill_in_escrow_at_start_up_goes_back_to_the_citizen() -> None:
    with BillValidatorEmulator(escrow_timeout_s=30.0) as emu:
        a = bill_driver(emu)
        with first_poll_done(a, lambda: emu.requests) as events_a:
            a.enable({10000})
            wait_until(lambda: emu.master_enabled and emu.operating_mode == 3, "enabled")
            assert emu.insert_note("DK0100")
            events_a.wait_count(Escrow, 1)
            recorded = newest_position(events_a)
        assert emu.escrow is not None  # the automat died deciding
        b = bill_driver(emu, resume=recorded)
        with first_poll_done(b, lambda: emu.requests) as events_b:
            wait_until(lambda: emu.escrow is None, "escrow routed")
        assert emu.returned == ["DK0100A"] and emu.stacked == []
        assert not events_b.of(Credit) and not events_b.of(Escrow)


def test_a_bill_stacked_while_the_automat_was_down_is_credited_at_the_next_start() -> None:
    with BillValidatorEmulator(escrow_timeout_s=30.0) as emu:
        a = bill_driver(emu)
        with first_poll_done(a, lambda: emu.requests) as events_a:
            a.enable({20000})
            wait_until(lambda: emu.master_enabled and emu.operating_mode == 3, "enabled")
            recorded = newest_position(events_a)
        # stacked at once (the automat had asked for it just before it died)
        emu.operating_mode = 1
        assert emu.insert_note("DK0200")
        b = bill_driver(emu, resume=recorded)
        with first_poll_done(b, lambda: emu.requests) as events_b:
            (credit,) = events_b.wait_count(Credit, 1)
        assert (credit.value_ore, credit.kind, credit.during_restart) == (20000, "note", True)


# -- SSP note validator -------------------------------------------------------------------------


def test_an_ssp_note_in_escrow_at_start_up_is_returned_not_stacked() -> None:
    """Loss 1 of issue 11: the first POLL of the next process accepted the note."""
    with SspEmulator(escrow_timeout_s=30.0) as emu:
        a = ssp_driver(emu)
        with first_poll_done(a, lambda: emu.commands) as events_a:
            a.enable({10000})
            wait_until(lambda: emu.enabled, "enabled")
            assert emu.insert_note(100)
            events_a.wait_count(Escrow, 1)
            recorded = newest_position(events_a)
        assert emu.escrow is not None
        b = ssp_driver(emu, resume=recorded)
        with first_poll_done(b, lambda: emu.commands) as events_b:
            pass
        assert emu.returned == [2] and emu.stacked == []
        assert not events_b.of(Credit)


def _ssp_credit_read_then_died(emu: SspEmulator) -> tuple[str, str, Credit]:
    """Driver A takes a 50 kr note; the credit reaches it, then the process dies before the
    ledger has it. Returns (position before, the escrow's position to store, the lost credit)."""
    a = ssp_driver(emu)
    with first_poll_done(a, lambda: emu.commands) as events_a:
        before = newest_position(events_a)  # the ledger's newest: nothing stacked yet
        a.enable({5000})
        wait_until(lambda: emu.enabled, "enabled")
        assert emu.insert_note(50)
        (escrow,) = events_a.wait_count(Escrow, 1)
        a.accept_escrow()
        (lost,) = events_a.wait_count(Credit, 1)  # read, then the process died
    return before, escrow.event_ref, lost


def test_an_ssp_note_accepted_before_the_restart_is_credited_at_its_value() -> None:
    """SSP sends an event once: the host stores the escrow's position before it accepts, so the
    stacked-notes counter one higher at the next start is that note, at that value."""
    with SspEmulator(escrow_timeout_s=30.0) as emu:
        _before, accepting, lost = _ssp_credit_read_then_died(emu)
        assert (accepting, lost.event_ref) == ("ssp:16909060:0:5000", "ssp:16909060:1")
        b = ssp_driver(emu, resume=accepting)
        with first_poll_done(b, lambda: emu.commands) as events_b:
            (credit,) = events_b.wait_count(Credit, 1)
        assert (credit.value_ore, credit.during_restart, credit.event_ref) == (
            5000, True, "ssp:16909060:1")
        assert not events_b.of(Fault)
        # recorded now: the next start finds nothing
        c = ssp_driver(emu, resume=credit.event_ref)
        with first_poll_done(c, lambda: emu.commands) as events_c:
            pass
        assert not events_c.of(Fault) and not events_c.of(Credit)


def test_an_ssp_note_accepted_but_never_stacked_is_not_credited() -> None:
    with SspEmulator(escrow_timeout_s=30.0) as emu:
        a = ssp_driver(emu)
        with first_poll_done(a, lambda: emu.commands) as events_a:
            a.enable({5000})
            wait_until(lambda: emu.enabled, "enabled")
            assert emu.insert_note(50)
            (escrow,) = events_a.wait_count(Escrow, 1)
        # died with the note held: the next start returns it, the counter has not moved
        b = ssp_driver(emu, resume=escrow.event_ref)
        with first_poll_done(b, lambda: emu.commands) as events_b:
            pass
        assert emu.returned == [1] and not events_b.of(Credit) and not events_b.of(Fault)


def test_an_ssp_credit_without_a_stored_acceptance_is_announced() -> None:
    """The position stored is older than the acceptance (say, a ledger from before this): the
    counters say a note went in, not which."""
    with SspEmulator(escrow_timeout_s=30.0) as emu:
        before, _accepting, _lost = _ssp_credit_read_then_died(emu)
        b = ssp_driver(emu, resume=before)
        with first_poll_done(b, lambda: emu.commands) as events_b:
            fault = events_b.wait_fault(FaultKind.LOST_EVENTS)
        assert "1 note(s)" in fault.detail and not events_b.of(Credit)


def test_an_ssp_validator_without_counters_still_works_and_cannot_tell() -> None:
    with SspEmulator(escrow_timeout_s=30.0, has_counters=False) as emu:
        a = ssp_driver(emu, resume="ssp:16909060:")
        with first_poll_done(a, lambda: emu.commands) as events:
            a.enable({5000})
            wait_until(lambda: emu.enabled, "enabled")
            assert emu.insert_note(50)
            events.wait_count(Escrow, 1)
            a.accept_escrow()
            (credit,) = events.wait_count(Credit, 1)
        assert credit.event_ref == "ssp:16909060:" and not events.of(Fault)
