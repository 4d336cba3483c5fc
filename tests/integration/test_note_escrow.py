"""One escrow suite for every note validator the automat drives: the ccTalk bill validator and the
SSP validator, each against its emulator through a real pty.

A note is money only once it is stacked; the host decides per note while the validator holds it
(past the validator's own escrow timeout: ccTalk extends with route 255, SSP sends HOLD), and a
note nobody decides on goes back. Waits are on what the devices did, never on the clock: the
emulators' escrow timeouts are short, and "nothing more happened" means the driver has read the
device again since (:func:`~tests.device_rigs.settle`) and the device itself holds no such
event.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from drivers.base import CashAcceptor, Credit, Escrow, FaultKind, Health, Rejected
from drivers.base.device import NO_DECISION
from drivers.cctalk import codec as cctalk
from drivers.cctalk.bill import CcTalkBillValidator
from drivers.cctalk.emulator import BillValidatorEmulator
from drivers.ssp import codec as ssp
from drivers.ssp.device import SspValidator
from drivers.ssp.emulator import SspEmulator
from tests.device_rigs import Events, settle, started, wait_until

#: the validator returns a note it holds this long without a word from the host
DEVICE_ESCROW_TIMEOUT_S = 1.2
#: the driver gives a note back when the host has not decided in this time
DECISION_TIMEOUT_S = 0.5


@dataclass
class Rig:
    """A validator and its emulator, with what the suite asks of either in one vocabulary."""

    emu: Any
    dev: CashAcceptor
    events: Events
    protocol: str

    @property
    def cctalk(self) -> bool:
        return self.protocol == "cctalk"

    def enable(self, values: set[int]) -> None:
        self.dev.enable(values)
        self.wait_enabled(values)

    def wait_enabled(self, values: set[int]) -> None:
        """Until the validator is set to take ``values`` (escrow on, for ccTalk)."""
        if self.cctalk:
            wait_until(lambda: self.emu.master_enabled == bool(values)
                       and self.emu.operating_mode == 3, "enabled")
        else:
            wait_until(lambda: self.emu.enabled == bool(values), "enabled")

    def kroner(self, notes: list[Any]) -> list[int]:
        """The emulator's record of notes (ccTalk ids, SSP channels) as kroner."""
        if self.cctalk:
            return [int(ident[2:6]) for ident in notes]
        return [self.emu.notes[channel - 1] for channel in notes]

    def stacked(self) -> list[int]:
        return self.kroner(self.emu.stacked)

    def returned(self) -> list[int]:
        return self.kroner(self.emu.returned)

    def held(self) -> bool:
        return self.emu.escrow is not None

    def denomination(self, kroner: int) -> str:
        return f"DK{kroner:04d}A" if self.cctalk else f"channel {self.emu.channel_of(kroner)}"

    def _sent(self, what: int, data: bytes | None = None) -> int:
        if self.cctalk:
            return sum(1 for f in self.emu.requests
                       if f.header == what and (data is None or f.data == data))
        return self.emu.commands.count(what)

    def polls(self) -> int:
        return self._sent(cctalk.READ_BUFFERED_BILL_EVENTS if self.cctalk else ssp.POLL)

    def extensions(self) -> int:
        """Requests that keep a held note in escrow: route 255 (ccTalk), HOLD (SSP)."""
        return self._sent(cctalk.ROUTE_BILL, b"\xff") if self.cctalk else self._sent(ssp.HOLD)

    def returns_sent(self) -> int:
        return self._sent(cctalk.ROUTE_BILL, b"\x00") if self.cctalk else self._sent(ssp.REJECT)

    def cycles(self) -> int:
        """The driver's poll cycles so far: a POLL, or a HOLD instead while SSP holds a note."""
        return self.polls() + (0 if self.cctalk else self.extensions())

    def settle(self) -> None:
        settle(self.cycles)

    @property
    def inhibited_reason(self) -> str:
        return "inhibited by serial" if self.cctalk else "channel inhibited"


def _cctalk(escrow_timeout_s: float, **kw: Any) -> tuple[Any, CashAcceptor]:
    emu = BillValidatorEmulator(escrow_timeout_s=escrow_timeout_s)
    bills = {"DK0050": 5000, "DK0100": 10000, "DK0200": 20000, "DK0500": 50000}
    return emu, CcTalkBillValidator(emu.path, bill_values=bills, reply_timeout_s=0.2,
                                    reconnect_backoff_s=(0.05, 0.2), escrow_extend_every_s=0.2,
                                    **kw)


def _ssp(escrow_timeout_s: float, **kw: Any) -> tuple[Any, CashAcceptor]:
    emu = SspEmulator(escrow_timeout_s=escrow_timeout_s)
    channels = {"1": 5000, "2": 10000, "3": 20000, "4": 50000, "5": 100000}
    return emu, SspValidator(emu.path, channel_values=channels, reply_timeout_s=0.3, retries=5,
                             reconnect_backoff_s=(0.05, 0.3), **kw)


MAKERS = {"cctalk": _cctalk, "ssp": _ssp}


@pytest.fixture(params=sorted(MAKERS))
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@contextmanager
def validator(protocol: str, escrow_timeout_s: float, **kw: Any) -> Iterator[Rig]:
    emu, dev = MAKERS[protocol](escrow_timeout_s, **kw)
    with emu, started(dev) as events:
        yield Rig(emu, dev, events, protocol)


@pytest.fixture
def rig(protocol: str) -> Iterator[Rig]:
    with validator(protocol, DEVICE_ESCROW_TIMEOUT_S) as rig:
        yield rig


def test_a_note_is_money_only_once_it_is_stacked(rig: Rig) -> None:
    rig.enable({10000, 20000})
    assert rig.emu.insert_note(100)
    escrow = rig.events.wait_count(Escrow, 1)[0]
    assert (escrow.value_ore, escrow.denomination) == (10000, rig.denomination(100))
    rig.settle()
    assert rig.held() and not rig.events.of(Credit)  # held while the host decides
    rig.dev.accept_escrow()
    credit = rig.events.wait_count(Credit, 1)[0]
    assert (credit.value_ore, credit.kind, credit.denomination) == (
        10000, "note", rig.denomination(100))
    assert rig.stacked() == [100]


def test_a_returned_note_is_no_money_and_no_rejection(rig: Rig) -> None:
    """The host's own return is the caller's outcome: the validator's report of it (SSP: note
    rejected, reason "rejected by host"; ccTalk: returned from escrow) is no :class:`Rejected`,
    which would tell the citizen the note was refused."""
    rig.enable({5000})
    rig.emu.insert_note(50)
    rig.events.wait_count(Escrow, 1)
    rig.dev.return_escrow()
    wait_until(lambda: rig.returned() == [50], "the note given back")
    rig.settle()  # the validator's report of the return has been read
    assert not rig.events.of(Rejected)
    assert not rig.events.of(Credit) and not rig.stacked() and not rig.held()
    # a note the validator itself refuses after that is still said
    assert not rig.emu.insert_note(500)
    assert rig.events.wait_count(Rejected, 1)[0].reason == rig.inhibited_reason


def test_the_note_is_held_past_the_validators_own_escrow_timeout(rig: Rig) -> None:
    rig.enable({20000})
    rig.emu.insert_note(200)
    rig.events.wait_count(Escrow, 1)
    since = time.monotonic()
    wait_until(lambda: time.monotonic() - since > DEVICE_ESCROW_TIMEOUT_S + 0.5
               and rig.extensions() >= 3, "escrow kept past the validator's timeout")
    assert rig.held() and not rig.returned()
    rig.dev.accept_escrow()
    assert rig.events.wait_count(Credit, 1)[0].value_ore == 20000


def test_a_note_nobody_decides_on_is_given_back(protocol: str) -> None:
    # the validator itself would keep it 10 s: what returns it is the driver's decision timeout
    with validator(protocol, 10.0, escrow_decision_timeout_s=DECISION_TIMEOUT_S) as rig:
        rig.enable({5000})
        returns = rig.returns_sent()  # at start-up, the driver returned what might be held
        rig.emu.insert_note(50)
        rig.events.wait_count(Escrow, 1)
        # the driver's own return, which nobody asked for: said, with why
        assert rig.events.wait_count(Rejected, 1)[0].reason == NO_DECISION
        assert rig.returns_sent() == returns + 1 and rig.returned() == [50]
        rig.settle()
        assert not rig.events.of(Credit)


def test_only_enabled_notes_are_taken(rig: Rig) -> None:
    rig.enable({5000})
    assert not rig.emu.insert_note(500)
    assert rig.events.wait_count(Rejected, 1)[0].reason == rig.inhibited_reason
    assert not rig.events.of(Escrow)


def test_a_reset_mid_session_is_reported_and_the_settings_applied_again(rig: Rig) -> None:
    rig.enable({5000})
    rig.emu.insert_note(50)
    rig.events.wait_count(Escrow, 1)
    rig.dev.accept_escrow()
    rig.events.wait_count(Credit, 1)
    rig.emu.reset_device()
    rig.events.wait_fault(FaultKind.DEVICE_RESET)
    rig.wait_enabled({5000})  # the driver sends its settings again by itself
    rig.emu.insert_note(50)
    rig.events.wait_count(Escrow, 2)
    rig.dev.accept_escrow()
    assert len(rig.events.wait_count(Credit, 2)) == 2


def test_a_reset_before_the_first_note_is_detected_too(rig: Rig) -> None:
    rig.enable({5000})
    rig.emu.reset_device()
    rig.events.wait_fault(FaultKind.DEVICE_RESET)
    rig.wait_enabled({5000})
    assert rig.emu.insert_note(50)
    rig.events.wait_count(Escrow, 1)
    rig.dev.accept_escrow()
    assert rig.events.wait_count(Credit, 1)[0].value_ore == 5000


def test_an_unplugged_validator_reconnects_by_path(rig: Rig) -> None:
    rig.enable({5000})
    rig.emu.unplug()
    rig.events.wait_fault(FaultKind.DISCONNECTED)
    assert rig.dev.health == Health.DOWN
    rig.emu.plug()
    wait_until(lambda: rig.dev.health == Health.OK, "ok after plug")
    rig.wait_enabled({5000})  # the driver re-applies the host's wish on reconnect
    rig.emu.insert_note(50)
    rig.events.wait_count(Escrow, 1)
    rig.dev.accept_escrow()
    assert rig.events.wait_count(Credit, 1)[0].value_ore == 5000
