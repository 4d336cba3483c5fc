"""The automat under systemd (issue 15, item 2), as processes: the production ``kiosk run`` (Qt
offscreen, ``tests/qt_automat.py``) over the crash proof's world (``tests/world``: the FBS
simulator and the device emulators in a process that outlives the automat), with the test as
systemd's notify socket.

- READY=1 comes once the core is loaded, then WATCHDOG=1 pings; they stop when the event loop
  freezes, and when the session worker is stuck while the event loop still runs.
- SIGTERM with coins in a payment: STOPPING=1, exit 0, every coin the acceptor took is in the
  ledger, the session is left open exactly as a crash leaves it, and at the next start (the
  crash proof's automat) the checks of ``tests/world/checks.py`` find nothing: money taken ==
  accounted, ``kiosk audit`` clean.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.clock import SystemClock
from kiosk.ledger.models import CitizenSession
from kiosk.ledger.repository import Ledger
from tests.crash_worker import crash_ledger
from tests.qt_automat import NotifySocket, QtAutomat
from tests.world.campaign import Campaign, Kill, Zygote
from tests.world.checks import Books

WATCHDOG_USEC = 900_000  # 0.9 s: a ping every 0.3 s


@pytest.fixture(scope="module")
def zygote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zygote]:
    z = Zygote(tmp_path_factory.mktemp("watchdog-zygote"))
    yield z
    z.close()


@pytest.fixture
def campaign(zygote: Zygote, tmp_path: Path) -> Iterator[Campaign]:
    with crash_ledger("sqlite", tmp_path) as url:
        c = Campaign(zygote, tmp_path / "world", url, name="sigterm", database="sqlite")
        try:
            yield c
        finally:
            c.close()


@pytest.fixture
def notify() -> Iterator[NotifySocket]:
    n = NotifySocket()
    yield n
    n.close()


@pytest.fixture
def automat(campaign: Campaign, notify: NotifySocket, tmp_path: Path) -> Iterator[QtAutomat]:
    a = QtAutomat(campaign.config, campaign.folder / "world", tmp_path / "qt-automat.log", notify,
                  watchdog_usec=WATCHDOG_USEC)
    try:
        a.expect("loaded")
        yield a
    finally:
        a.kill()


def pings_while(notify: NotifySocket, seconds: float) -> int:
    before = notify.count("WATCHDOG=1")
    time.sleep(seconds)
    return notify.count("WATCHDOG=1") - before


def test_ready_then_pings_until_the_event_loop_freezes(
    automat: QtAutomat, notify: NotifySocket
) -> None:
    notify.wait_for("READY=1", timeout=10)
    notify.wait_for("WATCHDOG=1", n=3, timeout=10)
    assert notify.count("READY=1") == 1
    assert pings_while(notify, 3.0) >= 5  # every 0.3 s
    automat.signal(signal.SIGUSR1)  # the GUI thread sleeps
    time.sleep(1.0)  # the handler runs within the 250 ms signal waker; one tick may be under way
    assert pings_while(notify, 3.0) == 0


def test_a_stuck_session_worker_stops_the_pings_while_the_event_loop_runs(
    automat: QtAutomat, notify: NotifySocket
) -> None:
    notify.wait_for("WATCHDOG=1", n=3, timeout=10)
    automat.signal(signal.SIGUSR2)  # the session worker sleeps
    time.sleep(1.0)  # the beat posted before the freeze may still have been answered
    assert pings_while(notify, 3.0) == 0
    automat.signal(signal.SIGTERM)  # the event loop itself is alive: it says STOPPING
    notify.wait_for("STOPPING=1", timeout=10)


def test_sigterm_mid_payment_leaves_the_ledger_as_a_crash_would_and_recovery_finishes_it(
    campaign: Campaign, automat: QtAutomat, notify: NotifySocket
) -> None:
    automat.send({"cmd": "pay_cash", "old": [4000], "new": [], "coins": [2000, 500]})
    paying = automat.expect("coins_in", timeout=60)
    assert (paying["state"], paying["received"]) == ("paying", 2500)

    automat.signal(signal.SIGTERM)
    assert automat.proc.wait(30) == 0, f"not a clean stop; see {automat.log}"
    notify.wait_for("STOPPING=1", timeout=5)

    # as a crash leaves it: every coin the acceptor took is a tender of the session, which is
    # still open for recovery; and the acceptor was marked stopped cleanly (nothing unrecorded)
    truth = campaign.world.truth()
    books = Books.read(campaign.engine)
    assert truth["coins"]["ore"] == books.received("coin") == 2500
    with campaign.engine.connect() as conn:
        states = [s for (s,) in conn.execute(select(CitizenSession.state))]
    assert states == ["paying"]
    positions = Ledger(campaign.engine, "world-01", SystemClock()).device_positions()
    assert positions and all(clean for _ref, clean in positions.values()), positions

    # the next start: recovery, then the crash proof's checks against the world's truth
    child = campaign.start()
    try:
        kill = Kill(1, "SIGTERM with 25 kr in a cash payment", "sigterm")
        found = campaign.check(kill)
        assert found == [], "\n".join(map(str, found))
        books = Books.read(campaign.engine)
        assert books.accounted == 2500 and books.credited == 2500  # a credit bon for the coins
    finally:
        child.channel.send({"cmd": "exit"})
        child.wait_gone()
