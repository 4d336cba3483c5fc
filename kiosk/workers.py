"""One background loop for every periodic job of a running automat (FBS outbox, debtor export,
retention purge): the GUI never waits for them.

The thread sleeps on an :class:`threading.Event`, so ``stop`` ends it at once and ``trigger``
asks for a run now; a run that raises is logged and counted, and the next interval retries.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class PeriodicWorker(Generic[T]):
    """Calls ``work`` every ``interval_s`` on a daemon thread named ``name``, the first time
    ``first_delay_s`` after ``start``. ``what`` names the job in the log."""

    def __init__(
        self,
        work: Callable[[], T],
        interval_s: float,
        *,
        name: str,
        what: str,
        first_delay_s: float = 0.0,
    ) -> None:
        if interval_s <= 0:
            raise ValueError(f"the {what} interval must be positive")
        if first_delay_s < 0:
            raise ValueError(f"the {what} first delay must be ≥ 0")
        self._work = work
        self.interval_s = interval_s
        self.first_delay_s = first_delay_s
        self.name = name
        self.what = what
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        #: runs finished (successful or not), failed runs, the last error and the last result,
        #: for diagnostics
        self.runs = 0
        self.failures = 0
        self.last_error: str | None = None
        self.last_result: T | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()

    def trigger(self) -> None:
        """Run now (or right after the run in progress) instead of at the next interval."""
        self._wake.set()

    def stop(self, timeout_s: float = 30.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def run_once(self) -> bool:
        """One run on the calling thread; never raises. True when it succeeded."""
        try:
            result = self._work()
        except Exception as exc:  # survive anything: the next interval retries
            self.failures += 1
            self.last_error = str(exc)
            log.exception("%s failed; retrying in %.0f s", self.what, self.interval_s)
            return False
        finally:
            self.runs += 1
        self.last_error = None
        self.last_result = result
        return True

    def _loop(self) -> None:
        self._wake.wait(self.first_delay_s)
        while not self._stopping.is_set():
            self._wake.clear()
            self.run_once()
            self._wake.wait(self.interval_s)
