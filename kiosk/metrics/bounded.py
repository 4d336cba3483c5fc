"""A slow question (the ledger, FBS, the printer) asked off the scrape's thread, at most every
``every_s``, with the scrape waiting for it at most ``timeout_s``: a stuck database or FBS makes
a scrape late by that much, never stuck, and a busy scraper never asks more often."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class BoundedCall(Generic[T]):
    def __init__(
        self, call: Callable[[], T], *, every_s: float, timeout_s: float, name: str
    ) -> None:
        self._call = call
        self.every_s = every_s
        self.timeout_s = timeout_s
        self.name = name
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"metrics-{name}")
        self._lock = threading.Lock()
        self._pending: Future[T] | None = None
        self._at: float | None = None  # monotonic time of the last answer
        self.value: T | None = None  # the last answer
        self.ok = False  # whether the last attempt answered in time

    def get(self) -> tuple[T | None, bool]:
        """The answer at most ``every_s`` old, and True; or the last answer (None if there was
        none) and False when the question failed or took longer than ``timeout_s``."""
        with self._lock:
            if self._at is not None and self.ok and time.monotonic() - self._at < self.every_s:
                return self.value, True
            if self._pending is None:  # one question at a time, however many scrapes wait
                self._pending = self._pool.submit(self._call)
            pending = self._pending
        try:
            value = pending.result(timeout=self.timeout_s)
        except FutureTimeout:
            log.warning("metrics: %s did not answer within %.1f s", self.name, self.timeout_s)
            self.ok = False
            return self.value, False
        except Exception as exc:  # a database gone, a printer unplugged: say so, keep serving
            log.warning("metrics: %s failed: %s", self.name, exc)
            with self._lock:
                if self._pending is pending:
                    self._pending, self.ok = None, False
            return self.value, False
        with self._lock:
            if self._pending is pending:
                self._pending = None
                self.value, self.ok, self._at = value, True, time.monotonic()
        return value, True

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
