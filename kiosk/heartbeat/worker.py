"""The heartbeat's thread: one heartbeat at start (after recovery: the worker starts with the
other workers), then every ``[heartbeat] interval_s``, and a last one marked stopped on a clean
stop. A write the database refuses is one log line; the next interval tries again. It never
runs on the GUI thread and never waits for a payment longer than one upsert."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Engine

from kiosk.clock import Clock
from kiosk.heartbeat.beat import read_heartbeat, write_heartbeat
from kiosk.ledger.errors import LedgerUnavailable
from kiosk.metrics.health import AutomatHealth
from kiosk.workers import PeriodicWorker

log = logging.getLogger(__name__)


class HeartbeatWorker(PeriodicWorker[bool]):
    def __init__(
        self,
        health: AutomatHealth,
        engine: Engine,
        clock: Clock,
        *,
        automat_id: str,
        interval_s: int,
        started_at: datetime | None = None,
    ) -> None:
        super().__init__(self.beat, interval_s, name="heartbeat", what="heartbeat")
        self.health = health
        self.engine = engine
        self.clock = clock
        self.automat_id = automat_id
        self.started_at = started_at or clock.now()
        self._version: str | None = None
        self.written = 0  # heartbeats written (the last one included)

    @property
    def version(self) -> str:
        if self._version is None:  # importlib.metadata: on this thread, not the start-up's
            from kiosk import __version__

            self._version = __version__
        return self._version

    def beat(self, *, stopped: bool = False) -> bool:
        """Read and write one heartbeat; False (logged in one line, counted) when the database
        did not take it."""
        row = read_heartbeat(
            self.health,
            automat_id=self.automat_id,
            version=self.version,
            started_at=self.started_at,
            interval_s=int(self.interval_s),
            now=self.clock.now(),
            stopped=stopped,
        )
        try:
            write_heartbeat(self.engine, row)
        except LedgerUnavailable as exc:
            self.failures += 1
            log.warning("heartbeat not written (%s); next try in %.0f s", exc, self.interval_s)
            return False
        self.written += 1
        return True

    def tick(self) -> bool:
        """One heartbeat on the calling thread; never raises. True when it was written."""
        return self.run_once() and bool(self.last_result)

    def stop(self, timeout_s: float = 30.0, *, last_word: bool = True) -> None:
        """Stop the thread, then (``last_word``: a clean stop) write a heartbeat marked stopped.
        ``last_word=False`` is how an automat that died looks to the fleet (tests)."""
        super().stop(timeout_s)
        if last_word:
            try:
                self.beat(stopped=True)
            except Exception as exc:  # a stop never fails over its heartbeat
                log.warning("last heartbeat not written: %s", exc)
