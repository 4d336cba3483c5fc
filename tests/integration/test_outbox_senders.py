"""One sender per FBS registration, counted on the simulator's SIP2 wire (issue 12).

Over REST the orderId makes a second registration harmless; over SIP2 nothing on FBS's side is
known to deduplicate a repeated 37 Fee Paid. So the receipt service's immediate delivery and the
outbox workers (this automat's, and another automat's on a fleet's database) race for the same
items here, each with its own SIP2 connection to the simulator, round after round; every fee
must reach the simulator in exactly one 37. A sender SIGKILLed while it holds an item's lease
leaves it to be sent once, later.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert, select, text

from kiosk.clock import FakeClock, SystemClock
from kiosk.config.fbs import Sip2Settings
from kiosk.domain import Claim, PayableIn
from kiosk.fbs.simulator.seed import seeded_state
from kiosk.fbs.simulator.sip2_tcp import Sip2TcpServer
from kiosk.fbs.simulator.state import SimPatron, SimulatorState
from kiosk.fbs.sip2.adapter import Sip2FbsPort
from kiosk.ledger.models import CitizenSession, OutboxItem
from kiosk.payment.outbox import LEASE, FbsOutbox
from kiosk.payment.plan import PlannedClaim
from tests.conftest import REPO

PATRON, CARD, PIN = 5001, "3219990001", "4321"
FEES = 12
ROUNDS = 4


@pytest.fixture
def state() -> SimulatorState:
    state = seeded_state()
    state.add_patron(SimPatron(PATRON, CARD, "0101011234", PIN, "Dorte Dobbelt"))
    return state


@pytest.fixture
def server(state: SimulatorState) -> Iterator[Sip2TcpServer]:
    with Sip2TcpServer(state) as srv:
        yield srv


def port_for(server: Sip2TcpServer, state: SimulatorState) -> Sip2FbsPort:
    os.environ["TEST_SENDERS_SIP2_PASSWORD"] = "sip2"
    settings = Sip2Settings.model_validate({
        "host": server.host, "port": server.port, "username": "sip2",
        "password": {"env": "TEST_SENDERS_SIP2_PASSWORD"}, "timeout_s": 10.0,
    })
    return Sip2FbsPort(settings, institution=state.agency_id, cut_off_date=state.cut_off_date)


def new_fees(state: SimulatorState, first: int) -> None:
    for fee_id in range(first, first + FEES):
        state.add_fee(PATRON, fee_id, kind="fee", reason="Overskredet lånetid",
                      amount_ore=1000 + fee_id % 100, created=date(2019, 3, 1))


def queue_registrations(engine: Engine, port: Sip2FbsPort) -> list[str]:
    """One settled session per open FBS fee, its registration pending in the outbox (as the
    journal writes it at settlement). Returns the session ids."""
    patron = port.authenticate(CARD, PIN)
    claims: list[Claim] = [c for c in port.claims(patron) if c.payable_in is PayableIn.FBS]
    now = datetime.now(UTC)
    sessions = []
    with engine.begin() as conn:
        for claim in claims:
            sid, order = str(uuid.uuid4()), f"K{uuid.uuid4().hex[:15].upper()}-F"
            conn.execute(insert(CitizenSession).values(
                id=sid, automat_id="a1", state="settling", started_at=now))
            conn.execute(insert(OutboxItem).values(
                session_id=sid, kind="fbs_registration", idempotency_key=order, state="pending",
                amount_ore=claim.amount.ore, attempts=0, next_attempt_at=now, created_at=now,
                payload={"patron_id": patron.id, "order_id": order, "fee_ids": [claim.id],
                         "claims": [PlannedClaim.of(claim).to_json()]}))
            sessions.append(sid)
    return sessions


def items_done(engine: Engine) -> bool:
    with engine.connect() as conn:
        return set(conn.scalars(select(OutboxItem.state))) == {"done"}


def test_the_receipt_service_and_two_workers_send_each_fee_once(
    engine: Engine, state: SimulatorState, server: Sip2TcpServer
) -> None:
    ports = [port_for(server, state) for _ in range(3)]
    receipts = FbsOutbox(engine, ports[0], SystemClock(), automat_id="a1")
    workers = [FbsOutbox(engine, ports[1], SystemClock(), automat_id="a1"),
               FbsOutbox(engine, ports[2], SystemClock(), automat_id="a2")]
    try:
        for round_ in range(ROUNDS):
            new_fees(state, 90000 + round_ * 100)
            sessions = queue_registrations(engine, ports[0])
            assert len(sessions) == FEES
            start = threading.Barrier(3)
            errors: list[BaseException] = []

            def immediate(
                sessions: list[str] = sessions, start: threading.Barrier = start
            ) -> None:
                start.wait()
                for sid in sessions:  # right after each settlement
                    receipts.deliver_due(sid)

            def worker(outbox: FbsOutbox, start: threading.Barrier = start) -> None:
                start.wait()
                for _ in range(FEES):
                    outbox.deliver_due()

            threads = [threading.Thread(target=immediate)] + [
                threading.Thread(target=worker, args=(w,)) for w in workers]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            assert errors == []
            for outbox in (receipts, *workers):  # whatever a lost race left, a later round sends
                outbox.deliver_due()
            assert items_done(engine)
        sent = Counter(fee for fee, _bk in state.fee_paid_requests)
        assert len(sent) == ROUNDS * FEES and set(sent.values()) == {1}, sent.most_common(3)
    finally:
        for port in ports:
            port.close()


KILLED_SENDER = """
import os, signal, sys
from sqlalchemy import select
from kiosk.clock import SystemClock
from kiosk.ledger.db import make_engine
from kiosk.ledger.models import OutboxItem
from kiosk.payment.outbox import FbsOutbox

engine = make_engine(sys.argv[1])
outbox = FbsOutbox(engine, None, SystemClock(), automat_id="a1")
(item,) = outbox.due_items()
assert outbox._claim(item)
os.kill(os.getpid(), signal.SIGKILL)  # holding the lease, before a byte went to FBS
"""


@pytest.mark.parametrize("next_sender", ["another automat", "this automat restarted"])
def test_a_sender_killed_holding_the_lease_leaves_the_item_to_be_sent_once_later(
    engine: Engine, state: SimulatorState, server: Sip2TcpServer, next_sender: str
) -> None:
    port = port_for(server, state)
    try:
        state.add_fee(PATRON, 95000, kind="fee", reason="Erstatning", amount_ore=4500,
                      created=date(2019, 3, 1))
        queue_registrations(engine, port)
        url = engine.url
        if engine.dialect.name == "postgresql":  # the test's schema, for the other process
            with engine.connect() as conn:
                schema = conn.scalar(text("SELECT current_schema()"))
            url = url.update_query_dict({"options": f"-csearch_path={schema}"})
        killed = subprocess.run([sys.executable, "-c", KILLED_SENDER,
                                 url.render_as_string(hide_password=False)], cwd=REPO,
                                env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
        assert killed.returncode == -signal.SIGKILL
        with engine.connect() as conn:
            assert conn.scalar(select(OutboxItem.lease_owner)).startswith("a1:")
        now = datetime.now(UTC)
        if next_sender == "another automat":
            other = FbsOutbox(engine, port, FakeClock(now), automat_id="a2")
            assert other.deliver_due() == []  # the lease is live: not now
            later = FbsOutbox(engine, port, FakeClock(now + LEASE + timedelta(seconds=1)),
                              automat_id="a2")
            deliveries = later.deliver_due()
        else:
            restarted = FbsOutbox(engine, port, SystemClock(), automat_id="a1")
            assert restarted.release_leases() == 1  # build_core does this before anything
            deliveries = restarted.deliver_due()
        assert [d.state for d in deliveries] == ["done"]
        assert [fee for fee, _ in state.fee_paid_requests] == ["95000"]
        assert items_done(engine)
    finally:
        port.close()
