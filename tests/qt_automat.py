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

Nothing here is reachable from the product: it is a module of ``tests/``.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from concurrent.futures import Future
from typing import Any

FREEZE_S = 3600.0


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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
