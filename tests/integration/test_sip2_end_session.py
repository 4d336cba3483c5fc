"""A citizen session over SIP2 ends the patron's FBS session (35 End Patron Session) however it
ends — paid, cancelled, timed out, failed — off the session worker and without ever holding the
session up; sessions that never authenticated a patron, and REST (no such call), send nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from kiosk.config.fbs import Sip2Settings
from kiosk.domain import Claim, Patron
from kiosk.fbs.port import FbsError, FbsErrorReason
from kiosk.fbs.simulator import sip2_tcp
from kiosk.fbs.simulator.seed import seeded_state
from kiosk.fbs.simulator.sip2_responder import Sip2Responder
from kiosk.fbs.simulator.sip2_tcp import Sip2TcpServer
from kiosk.fbs.sip2.adapter import Sip2FbsPort
from kiosk.payment.session import PaymentSession
from kiosk.payment.states import State
from tests.payment_fakes import FakeFbs, ManualRunner, session_rig

CARD, PIN = "3210000001", "0101"  # Anna Andersen: only old claims, payable here


class ClaimsFail(Sip2FbsPort):
    """FBS answers the PIN, then cannot give the claims (the session fails after login)."""

    def claims(self, patron: Patron) -> list[Claim]:
        raise FbsError(FbsErrorReason.UNAVAILABLE, "claims lookup failed")


@pytest.fixture
def responders(monkeypatch: pytest.MonkeyPatch) -> list[Sip2Responder]:
    """Every responder the simulator's TCP server makes (one per connection)."""
    made: list[Sip2Responder] = []

    def make(*args: Any, **kwargs: Any) -> Sip2Responder:
        made.append(Sip2Responder(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(sip2_tcp, "Sip2Responder", make)
    return made


@pytest.fixture
def server(responders: list[Sip2Responder]) -> Iterator[Sip2TcpServer]:
    with Sip2TcpServer(seeded_state()) as srv:
        yield srv


def ended(responders: list[Sip2Responder]) -> list[str]:
    return [aa for r in responders for aa in r.ended_patrons]


def sip2_port(
    server: Sip2TcpServer, monkeypatch: pytest.MonkeyPatch, cls: type[Sip2FbsPort] = Sip2FbsPort
) -> Sip2FbsPort:
    monkeypatch.setenv("TEST_SIP2_PASSWORD", "sip2")
    settings = Sip2Settings.model_validate(
        {
            "host": server.host,
            "port": server.port,
            "username": "sip2",
            "password": {"env": "TEST_SIP2_PASSWORD"},
            "timeout_s": 10.0,
        }
    )
    return cls(settings, institution=server.state.agency_id, cut_off_date=server.state.cut_off_date)


def session(engine: Engine, fbs: Any, runner: ManualRunner) -> PaymentSession:
    return session_rig(engine, fbs=fbs, bons="plain", runner=runner).session


def log_in(s: PaymentSession, runner: ManualRunner, pin: str = PIN) -> None:
    s.start()
    s.identify(CARD)
    s.enter_pin(pin)
    runner.run_all()


def pay_by_card(s: PaymentSession, runner: ManualRunner) -> None:
    s.pay()
    s.choose_card()
    runner.run_all()
    assert s.state is State.RECEIPT
    s.finish_receipt()


ENDINGS: dict[str, tuple[Callable[[PaymentSession, ManualRunner], None], State]] = {
    "paid": (pay_by_card, State.DONE),
    "cancelled": (lambda s, _r: s.cancel(), State.CANCELLED),
    "timed out": (lambda s, _r: s.timeout(), State.TIMED_OUT),
}


@pytest.mark.parametrize("how", list(ENDINGS))
def test_every_ending_sends_one_end_patron_session_off_the_worker(
    how: str,
    sqlite_engine: Engine,
    server: Sip2TcpServer,
    responders: list[Sip2Responder],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner = ManualRunner()
    fbs = sip2_port(server, monkeypatch)
    s = session(sqlite_engine, fbs, runner)
    log_in(s, runner)
    assert s.state is State.CLAIMS and ended(responders) == []
    end, state = ENDINGS[how]
    end(s, runner)
    assert s.state is state  # ended before FBS heard of it: the 35 waits on the runner
    assert ended(responders) == []
    runner.run_all()
    assert ended(responders) == [CARD]
    s.reset()
    runner.run_all()
    assert s.state is State.IDLE and ended(responders) == [CARD]  # once per session
    fbs.close()


def test_a_failed_session_after_login_ends_the_patron_session_too(
    sqlite_engine: Engine,
    server: Sip2TcpServer,
    responders: list[Sip2Responder],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner = ManualRunner()
    fbs = sip2_port(server, monkeypatch, ClaimsFail)
    s = session(sqlite_engine, fbs, runner)
    log_in(s, runner)
    assert s.state is State.CANCELLED and s.message == FbsErrorReason.UNAVAILABLE.value
    runner.run_all()
    assert ended(responders) == [CARD]
    fbs.close()


def test_no_patron_authenticated_means_no_end_patron_session(
    sqlite_engine: Engine,
    server: Sip2TcpServer,
    responders: list[Sip2Responder],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner = ManualRunner()
    fbs = sip2_port(server, monkeypatch)
    s = session(sqlite_engine, fbs, runner)
    log_in(s, runner, pin="9999")  # wrong PIN: nobody is logged in
    assert s.state is State.PIN
    s.cancel()
    runner.run_all()
    assert s.state is State.CANCELLED
    assert ended(responders) == [] and sum(r.handled for r in responders) >= 1
    fbs.close()


def test_fbs_down_at_the_end_is_logged_and_the_session_still_ends(
    sqlite_engine: Engine,
    server: Sip2TcpServer,
    responders: list[Sip2Responder],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    runner = ManualRunner()
    fbs = sip2_port(server, monkeypatch)
    s = session(sqlite_engine, fbs, runner)
    log_in(s, runner)
    server.state.faults.drop_connections = True  # FBS stops answering
    with caplog.at_level(logging.WARNING, logger="kiosk.payment.session"):
        s.cancel()
        runner.run_all()
    assert s.state is State.CANCELLED and ended(responders) == []
    assert any("end of patron session failed" in r.getMessage() for r in caplog.records)
    assert not any(CARD in r.getMessage() for r in caplog.records)  # no patron id logged
    s.reset()
    server.state.faults.drop_connections = False
    log_in(s, runner)  # the next citizen is served as usual
    assert s.state is State.CLAIMS
    fbs.close()


def test_a_port_without_end_session_is_left_alone(sqlite_engine: Engine) -> None:
    """REST has no End Patron Session: the session ends exactly as before."""
    fbs = FakeFbs()
    fbs.add(CARD, PIN, Patron(id="p1", name="Anna"), [])
    assert not hasattr(fbs, "end_session")
    runner = ManualRunner()
    s = session(sqlite_engine, fbs, runner)
    log_in(s, runner)
    s.cancel()
    assert runner.queue == []  # nothing handed to the runner for FBS
    assert s.state is State.CANCELLED
