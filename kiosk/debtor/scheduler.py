"""Run the export every N minutes in a background thread; errors are logged and retried.

The GUI never waits for it: the thread sleeps on an :class:`threading.Event`, so ``stop`` ends it
at once, and ``trigger`` asks for a run now (e.g. before the automat shuts down for the night).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class ExportScheduler:
    def __init__(self, run: Callable[[], Any], interval_s: float, *, run_at_start: bool = True):
        if interval_s <= 0:
            raise ValueError("the export interval must be positive")
        self._run = run
        self.interval_s = interval_s
        self._run_at_start = run_at_start
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        #: runs finished (successful or not) and the last error, for diagnostics screens
        self.runs = 0
        self.failures = 0
        self.last_error: str | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="debtor-export", daemon=True)
        self._thread.start()

    def trigger(self) -> None:
        self._wake.set()

    def stop(self, timeout_s: float = 30.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def tick(self) -> bool:
        """One export run; never raises. True when it succeeded."""
        try:
            self._run()
        except Exception as exc:  # survive anything: the next tick retries
            self.failures += 1
            self.last_error = str(exc)
            log.exception("debtor export failed; retrying at the next interval")
            return False
        finally:
            self.runs += 1
        self.last_error = None
        return True

    def _loop(self) -> None:
        if not self._run_at_start:
            self._wake.wait(self.interval_s)
        while not self._stopping.is_set():
            self._wake.clear()
            self.tick()
            self._wake.wait(self.interval_s)
