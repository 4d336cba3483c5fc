"""Shared rig for driver tests: a listener that records events, waits, and a started device."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from drivers.base import Fault, FaultKind, Health, HealthChanged

WAIT_S = 10.0


class Events:
    def __init__(self) -> None:
        self.items: list[object] = []
        self.cond = threading.Condition()
        self.threads: set[str] = set()

    def __call__(self, event: object) -> None:
        with self.cond:
            self.items.append(event)
            self.threads.add(threading.current_thread().name)
            self.cond.notify_all()

    def of(self, kind: type) -> list:
        with self.cond:
            return [e for e in self.items if isinstance(e, kind)]

    def wait_for(self, pred: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT_S
        with self.cond:
            while not pred():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for {what}; events: {self.items}")
                self.cond.wait(min(left, 0.1))

    def wait_count(self, kind: type, n: int) -> list:
        self.wait_for(lambda: len(self.of(kind)) >= n, f"{n} × {kind.__name__}")
        return self.of(kind)

    def wait_fault(self, kind: FaultKind) -> Fault:
        self.wait_for(lambda: any(f.kind == kind for f in self.of(Fault)), f"fault {kind}")
        return next(f for f in self.of(Fault) if f.kind == kind)

    def wait_health(self, health: Health, after: int = 0) -> None:
        self.wait_for(
            lambda: any(h.health == health for h in self.of(HealthChanged)[after:]), f"{health}"
        )


def wait_until(pred: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def settle(polls: Callable[[], int], more: int = 2) -> None:
    """Until the driver has read the device ``more`` times again (``polls`` counts what the
    emulator was asked): whatever it would do with what the device said, it has done. This is
    how a test shows that nothing (more) happened, instead of sleeping."""
    start = polls()
    wait_until(lambda: polls() >= start + more, f"{more} more polls")


@contextmanager
def started(device: Any, *, healthy: bool = True) -> Iterator[Events]:
    """``device`` started with a recording listener (and, if ``healthy``, once it is OK)."""
    events = Events()
    device.start(events)
    try:
        if healthy:
            events.wait_health(Health.OK)
        yield events
    finally:
        device.stop()
