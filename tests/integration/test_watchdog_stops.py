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

import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kiosk.clock import SystemClock
from kiosk.ledger.models import CitizenSession
from kiosk.ledger.repository import Ledger
from tests.crash_worker import crash_ledger
from tests.world.campaign import Campaign, Kill, Zygote
from tests.world.checks import Books

REPO = Path(__file__).resolve().parents[2]
WATCHDOG_USEC = 900_000  # 0.9 s: a ping every 0.3 s
STARTUP_S = 90.0  # a loaded 2-core machine


class NotifySocket:
    """What systemd listens on: an abstract unix datagram socket; every message kept."""

    def __init__(self) -> None:
        self.name = f"@kiosk-test-{uuid.uuid4().hex}"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + self.name[1:])
        self.sock.settimeout(0.2)
        self.messages: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        self._open = True
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while self._open:
            try:
                data = self.sock.recv(4096)
            except (TimeoutError, OSError):
                continue
            with self._lock:
                self.messages.append((time.monotonic(), data.decode()))

    def count(self, first_line: str) -> int:
        with self._lock:
            return sum(1 for _, m in self.messages if m.split("\n")[0] == first_line)

    def wait_for(self, first_line: str, n: int = 1, timeout: float = STARTUP_S) -> None:
        deadline = time.monotonic() + timeout
        while self.count(first_line) < n:
            if time.monotonic() > deadline:
                raise AssertionError(f"{n}× {first_line} not received in {timeout:.0f} s;"
                                     f" got {[m for _, m in self.messages][-5:]}")
            time.sleep(0.05)

    def close(self) -> None:
        self._open = False
        self._thread.join(2)
        self.sock.close()


class QtAutomat:
    def __init__(self, config: Path, world_dir: Path, log: Path, notify: NotifySocket) -> None:
        self.log = log
        env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen",
               "NOTIFY_SOCKET": notify.name, "WATCHDOG_USEC": str(WATCHDOG_USEC)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.qt_automat", str(config), str(world_dir)],
            cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=log.open("ab"), text=True,
        )
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with contextlib.suppress(json.JSONDecodeError):
                self.events.put(json.loads(line))

    def expect(self, event: str, timeout: float = STARTUP_S) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                got = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {event} from the automat in {timeout:.0f} s; see"
                                     f" {self.log}") from None
            if got["event"] == "error":
                raise AssertionError(f"the automat: {got['message']}; see {self.log}")
            if got["event"] == event:
                return got

    def send(self, command: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(30)


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
    a = QtAutomat(campaign.config, campaign.folder / "world", tmp_path / "qt-automat.log", notify)
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
