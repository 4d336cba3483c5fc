"""Time as a dependency, so tests can run timeouts and schedules with a fake clock."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

#: Danish wall-clock time: what receipts, bons and reports show (the ledger stores UTC). The
#: ``tzdata`` dependency guarantees the zone exists even where the system has no zoneinfo.
LOCAL_TIME = ZoneInfo("Europe/Copenhagen")


def local(moment: datetime) -> datetime:
    """``moment`` in Danish time; a naive datetime is taken to be local already."""
    return moment if moment.tzinfo is None else moment.astimezone(LOCAL_TIME)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary start, never going back."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
        self._mono = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds


class OffsetClock(SystemClock):
    """The system clock moved forward on request: the walkthrough's "next day" on a real demo
    core (a citizen who paid comes back). Only the wall clock moves; timers keep ``monotonic``."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.offset += timedelta(seconds=seconds)
