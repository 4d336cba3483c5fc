"""Two automats in turn on one coin acceptor that outlives them (issue 11, loss 3 end to end).

The acceptor emulator belongs to the test, as the hardware belongs to the library; each automat is
a fresh ``build_core`` on the same ledger. Stopping the first core's devices without ``close`` is
what a SIGKILL leaves behind (nothing marked, nothing said to the acceptor); ``close`` is a clean
stop. What the acceptor took in between must become a printed credit bon at the next start, and a
power cycle after a clean stop must not raise a lost-events alarm.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from drivers.base import Credit, Fault, FaultKind, Health
from drivers.cctalk.emulator import CoinAcceptorEmulator
from kiosk.app import Core, build_core
from kiosk.config import KioskConfig, load_config
from kiosk.fbs.simulator.launch import state_for
from kiosk.fbs.simulator.server import start_simulator
from kiosk.ledger.audit import run_audit
from kiosk.ledger.models import AuditEntry, Bon, CitizenSession
from kiosk.payment.states import State
from tests.integration.test_end_to_end_harness import wait_for, write_config

COIN_ONLY = """
[devices.coin_acceptor]
port = "{port}"

[devices.printer]
connection = "emulated"
"""


@pytest.fixture
def acceptor(tmp_path: Path) -> Iterator[CoinAcceptorEmulator]:
    with CoinAcceptorEmulator() as emu:
        yield emu


@pytest.fixture
def config(tmp_path: Path, acceptor: CoinAcceptorEmulator) -> Iterator[KioskConfig]:
    path = write_config(tmp_path, "rest")
    text = path.read_text()
    path.write_text(text[: text.index("[devices.coin_acceptor]")]
                    + COIN_ONLY.format(port=acceptor.path))
    config = load_config(path)
    with start_simulator(state_for(config), sip2_port=None) as sim:
        rest = config.fbs.rest.model_copy(update={"base_url": sim.rest_url})
        yield config.model_copy(update={"fbs": config.fbs.model_copy(update={"rest": rest})})


class Automat:
    """A core and its session, device events pumped on the test thread."""

    def __init__(self, config: KioskConfig) -> None:
        self.core: Core = build_core(config, start_workers=False)
        self.events: queue.Queue[object] = queue.Queue()
        self.seen: list[object] = []
        self.core.attach_device_listener(self.events.put)
        self.session = self.core.new_session()
        acceptor = self.core.devices.coin_acceptor
        assert acceptor is not None
        wait_for(lambda: acceptor.health is Health.OK)

    def pump(self, until, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
        def step() -> bool:
            while not self.events.empty():
                event = self.events.get()
                self.seen.append(event)
                self.session.on_device_event(event)
            return bool(until())

        wait_for(step, timeout)

    def killed(self) -> None:
        """The process is gone: the drivers stop polling, nothing else happens."""
        self.core.devices.stop()
        self.core.engine.dispose()


def pay_with_a_coin(automat: Automat, acceptor: CoinAcceptorEmulator) -> None:
    s = automat.session
    s.start()
    s.identify("3210000001")
    s.enter_pin("0101")
    s.pay()
    s.choose_cash()
    wait_for(lambda: acceptor.master_enabled)
    assert acceptor.insert_coin("DK1K0A")
    automat.pump(lambda: s.received.ore == 1000)


def test_a_coin_taken_as_the_automat_died_is_a_printed_bon_at_the_next_start(
    config: KioskConfig, acceptor: CoinAcceptorEmulator
) -> None:
    first = Automat(config)
    pay_with_a_coin(first, acceptor)
    first.killed()
    assert acceptor.insert_coin("DK2K0A")  # still enabled: the coin on its way is taken

    second = Automat(config)
    try:
        second.pump(lambda: second.session.state is State.CANCELLED)
        view = second.session.view()
        assert view.message == "money_at_restart" and view.credit_bon.amount.ore == 2000
        credit = next(e for e in second.seen if isinstance(e, Credit))
        assert credit.during_restart
        printer = second.core.devices.emulators.printer
        assert any(view.credit_bon.short_code_display in slip.text
                   for slip in printer.wait_for_slips(2))  # the restart's own bon first
        report = run_audit(second.core.engine)
        assert report.clean and not report.open_sessions  # recovery credited the first session
        with second.core.engine.connect() as conn:
            bons = sorted(conn.scalars(select(Bon.amount_ore)))
            reasons = set(conn.scalars(select(CitizenSession.end_reason)))
        assert bons == [1000, 2000]  # the first citizen's 10 kr, the coin found at start-up
        assert {"credited at restart", "money_at_restart"} <= reasons
    finally:
        second.core.close()


@pytest.mark.parametrize("clean", [True, False], ids=["clean-stop", "killed"])
def test_a_power_cycle_after_a_clean_stop_is_no_alarm_and_after_a_kill_it_is(
    config: KioskConfig, acceptor: CoinAcceptorEmulator, clean: bool
) -> None:
    first = Automat(config)
    pay_with_a_coin(first, acceptor)
    first.session.cancel()  # the 10 kr become a bon
    first.pump(lambda: not acceptor.master_enabled)
    if clean:
        first.core.close()
        with first.core.engine.connect() as conn:
            from kiosk.ledger.models import DevicePosition

            assert conn.scalar(select(DevicePosition.stopped_cleanly)) is True
    else:
        first.killed()
    acceptor.reset_device()  # the automat was switched off overnight, acceptor and all

    second = Automat(config)
    try:
        second.pump(lambda: second.core.devices.coin_acceptor.position().endswith(":0"))
        second.pump(lambda: True)
        lost = [e for e in second.seen if isinstance(e, Fault) and e.kind is FaultKind.LOST_EVENTS]
        with second.core.engine.connect() as conn:
            noted = list(conn.scalars(select(AuditEntry.action)))
        if clean:
            assert lost == [] and "device_lost_events" not in noted
        else:
            assert lost and "device_lost_events" in noted  # for the cash-box count
    finally:
        second.core.close()
