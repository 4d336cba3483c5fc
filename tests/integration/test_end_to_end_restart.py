"""A card payment whose outcome was lost with the process: the ZVT link drops mid-authorisation,
the terminal decides anyway, the automat goes down before it could ask. A new core (new driver,
same ledger, same terminal) resolves it at start-up from the trace-number baseline the old driver
recorded with the pending tender — approved is settled and registered in FBS, declined is not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from drivers.zvt.emulator import ZvtEmulator
from kiosk.app import build_core
from kiosk.config import KioskConfig, load_config
from kiosk.fbs.simulator.launch import state_for
from kiosk.fbs.simulator.server import SimulatorHandle, start_simulator
from kiosk.ledger.audit import run_audit
from kiosk.ledger.models import CitizenSession, Tender
from kiosk.payment.states import State
from tests.integration.test_end_to_end_harness import write_config

TERMINAL_ONLY = """
[devices.card_terminal]
port = "{port}"
transaction_timeout_s = 60
"""


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[ZvtEmulator]:
    with ZvtEmulator(directory=tmp_path, prompt_repeat_s=0.1) as emu:
        yield emu


@pytest.fixture
def world(tmp_path: Path, terminal: ZvtEmulator) -> Iterator[tuple[KioskConfig, SimulatorHandle]]:
    path = write_config(tmp_path, "rest")
    text = path.read_text()
    text = text[: text.index("[devices.coin_acceptor]")]  # only the terminal, and it is real
    path.write_text(text + TERMINAL_ONLY.format(port=terminal.path))
    config = load_config(path)
    with start_simulator(state_for(config), sip2_port=None) as sim:
        rest = config.fbs.rest.model_copy(update={"base_url": sim.rest_url})
        yield config.model_copy(update={"fbs": config.fbs.model_copy(update={"rest": rest})}), sim


def card_tender(engine) -> tuple[str, str | None]:
    with engine.connect() as conn:
        return conn.execute(select(Tender.state, Tender.resolve_token)).one()


@pytest.mark.parametrize("approved", [True, False], ids=["approved", "declined"])
def test_outcome_unknown_is_resolved_after_a_restart(world, terminal: ZvtEmulator, approved):
    config, sim = world
    first = build_core(config, start_workers=False)
    try:
        session = first.new_session()
        session.start()
        session.identify("3210000001")
        session.enter_pin("0101")
        session.pay()
        terminal.drop_link_mid_authorisation(approve=approved)
        session.choose_card()  # the link drops; the terminal is still unplugged when asked
        assert session.message == "card_unknown"
        session_id = session.session_id
        state, token = card_tender(first.engine)
        assert state == "outcome_unknown"
        assert token == "zvt-trace:001000:5000"  # the terminal's last trace before ours
    finally:
        first.close()  # the process is gone: nothing of the first driver's memory survives

    terminal.replug()
    second = build_core(config, start_workers=False)
    try:
        report = second.recovery
        assert report is not None and not report.unresolved
        state, _ = card_tender(second.engine)
        with second.engine.connect() as conn:
            ended = conn.scalar(select(CitizenSession.state).where(CitizenSession.id == session_id))
        assert ended == "recovered"
        if approved:
            assert state == "received" and report.settled == [session_id]
            second.outbox_worker.tick()
            assert sim.state.fee(50011).is_paid and sim.state.fee(50012).is_paid
        else:
            assert state == "declined" and report.ended == [session_id]
            assert not sim.state.fee(50011).is_paid
        audit = run_audit(second.engine)
        assert audit.clean and not audit.open_sessions
        assert second.new_session().state is State.IDLE
    finally:
        second.close()
