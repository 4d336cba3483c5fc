"""The last problems each device reported, for technician mode: every ``Fault`` and every
``HealthChanged`` away from OK that passes the core's one event listener
(:class:`kiosk.app.EventRelay`), newest last, :data:`KEEP` per device. In memory only: the
drivers log each fault too, and a restart starts the list afresh."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from drivers.base import Fault, Health, HealthChanged
from kiosk.cpr import scrub

KEEP = 10


@dataclass(frozen=True, slots=True)
class DeviceProblem:
    at: datetime
    device: str
    what: str  # a FaultKind value, or "health: down" / "health: degraded"
    detail: str = ""


class DeviceLog:
    """Fed on the drivers' threads, read on any: a lock around small deques."""

    def __init__(self, now: Callable[[], datetime] | None = None, keep: int = KEEP) -> None:
        self.now = now or (lambda: datetime.now(UTC))
        self.keep = keep
        self._lock = threading.Lock()
        self._problems: dict[str, deque[DeviceProblem]] = {}

    def record(self, event: object) -> None:
        """Keep ``event`` if it is a problem; anything else passes unseen."""
        if isinstance(event, Fault):
            problem = DeviceProblem(self.now(), event.device, event.kind.value, scrub(event.detail))
        elif isinstance(event, HealthChanged) and event.health is not Health.OK:
            problem = DeviceProblem(
                self.now(), event.device, f"health: {event.health.value}", scrub(event.detail)
            )
        else:
            return
        with self._lock:
            self._problems.setdefault(problem.device, deque(maxlen=self.keep)).append(problem)

    def problems(self, device: str) -> list[DeviceProblem]:
        """``device``'s last problems, newest first."""
        with self._lock:
            return list(reversed(self._problems.get(device, ())))
