"""The production automat — ``kiosk run``, Qt offscreen — in a process of its own, with test-only
hands, for the watchdog and SIGTERM tests (``tests/integration/test_watchdog_stops.py``).

Run as ``python -m tests.qt_automat CONFIG WORLD_DIR``. It calls :func:`kiosk.cli.main` with
``run --config CONFIG`` exactly as the unit does, after adding what only a test may do:

- ``SIGUSR1`` freezes the GUI thread (the handler sleeps on it: Python runs signal handlers on
  the main thread, which is Qt's);
- ``SIGUSR2`` freezes the session worker (a long sleep posted to it);
- one JSON line on stdin, ``{"cmd": "pay_cash", "old": [...], "new": [...], "coins": [...]}``:
  a citizen (``tests.world.automat.Citizen``, on the window's own session worker) logs in,
  selects fresh claims, chooses cash and drops the coins into the world's acceptor, each
  credited on screen;
- JSON lines on stdout: ``{"event": "loaded"}`` once the core is attached, ``mark``/``coins_in``
  /``error`` from the citizen.

The parent's side is here too: :class:`QtAutomat` starts this module as a child process and
:class:`NotifySocket` is systemd's notify socket for it.

Nothing here is reachable from the product: it is a module of ``tests/``.
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
from concurrent.futures import Future
from pathlib import Path
from typing import Any

FREEZE_S = 3600.0
REPO = Path(__file__).resolve().parents[1]
STARTUP_S = 90.0  # a loaded 2-core machine


class Out:
    """JSON lines on stdout, for the test (the citizen's ``Control`` channel)."""

    _lock = threading.Lock()

    def send(self, obj: dict[str, Any]) -> None:
        with self._lock:
            sys.stdout.write(json.dumps(obj) + "\n")
            sys.stdout.flush()


class WorkerThread:
    """The citizen's ``SessionThread`` interface over the window's session worker."""

    def __init__(self, worker: Any) -> None:
        self.worker = worker

    def post(self, fn: Any, *args: Any) -> Future[Any]:
        future = self.worker.post(fn, *args)
        assert future is not None, "the session worker is closed"
        return future

    def call(self, fn: Any, *args: Any, timeout: float = 20.0) -> Any:
        return self.post(fn, *args).result(timeout)

    def drain(self) -> None:
        self.call(lambda: None)


def main(config: str, world_dir: str) -> int:
    import ui.app
    from kiosk.cli import main as kiosk_main

    out = Out()
    captured: dict[str, Any] = {}
    original = ui.app.automat_over_core

    def capturing(*args: Any, **kwargs: Any) -> Any:
        window, world = original(*args, **kwargs)
        captured["window"], captured["world"] = window, world
        window.bridge.loaded.connect(lambda: out.send({"event": "loaded"}))
        return window, world

    ui.app.automat_over_core = capturing
    signal.signal(signal.SIGUSR1, lambda *_: time.sleep(FREEZE_S))
    signal.signal(signal.SIGUSR2,
                  lambda *_: captured["window"].bridge.worker.post(time.sleep, FREEZE_S))
    threading.Thread(target=_commands, args=(captured, world_dir, out), daemon=True).start()
    return kiosk_main(["run", "--config", config])


def _commands(captured: dict[str, Any], world_dir: str, out: Out) -> None:
    from tests.world.client import WorldClient

    for line in sys.stdin:
        command = json.loads(line)
        try:
            if command["cmd"] == "pay_cash":
                _pay_cash(captured, world_dir, out, command)
        except Exception as exc:  # told to the test, which fails with it
            view = captured["window"].bridge.session.view()
            out.send({"event": "error", "message": f"{type(exc).__name__}: {exc} (the screen:"
                      f" {view.state.value}, {view.message or 'no message'}; world"
                      f" {WorldClient(world_dir).cash_ready()})"})


def _pay_cash(captured: dict[str, Any], world_dir: str, out: Out, command: dict[str, Any]
              ) -> None:
    from drivers.base import Health
    from tests.world.automat import Citizen, Control
    from tests.world.client import WorldClient

    window, core = captured["window"], captured["world"]["core"]
    deadline = time.monotonic() + 30  # as the crash proof's automat does before its citizen
    while any(d.health is not Health.OK for d in core.devices.acceptors):
        if time.monotonic() > deadline:
            raise RuntimeError("the acceptors did not come up in 30 s")
        time.sleep(0.05)
    citizen = Citizen(core, window.bridge.session, WorkerThread(window.bridge.worker),
                      WorldClient(world_dir), Control(Out()))  # type: ignore[arg-type]
    citizen.log_in_and_select(command["old"], command["new"])
    citizen.choose_cash()
    for ore in command["coins"]:
        citizen.coin(ore)
    view = citizen.view
    out.send({"event": "coins_in", "state": view.state.value, "received": view.received.ore})


# -- the parent's side -----------------------------------------------------------------------
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
    """This module's automat as a child process of the test (or the soak benchmark): its events
    from stdout, commands to stdin, signals."""

    def __init__(self, config: Path, world_dir: Path, log: Path, notify: NotifySocket, *,
                 watchdog_usec: int | None = None) -> None:
        self.log = log
        self.started = time.monotonic()
        env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen",
               "NOTIFY_SOCKET": notify.name}
        if watchdog_usec is not None:
            env["WATCHDOG_USEC"] = str(watchdog_usec)
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
