"""The reporting period: whole Danish calendar days, first to last (both included).

The ledger stores UTC; a Danish day runs from midnight to midnight in Europe/Copenhagen, so it
is 23 or 25 hours long when the clocks change. A day's report is the period of that one day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from kiosk.clock import LOCAL_TIME

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: the longest period the fleet console computes on one page request (a leap year); ``kiosk
#: report`` has no limit (an operator may want everything since the automat was installed)
MAX_DAYS = 366


class PeriodError(ValueError):
    """A period given on the command line that is not one: the message is one line. ``reason``
    says which rule it broke (``not_a_date``, ``backwards``, ``too_long``, ``day_and_range``,
    ``to_without_from``) and ``option`` which argument, so another front end (the console) can
    say it in its own words."""

    def __init__(self, message: str, reason: str = "", option: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.option = option


@dataclass(frozen=True, slots=True)
class Period:
    first: date
    last: date

    def __post_init__(self) -> None:
        if self.first > self.last:
            raise PeriodError(
                f"the period starts after it ends ({self.first.isoformat()} is after"
                f" {self.last.isoformat()})",
                "backwards",
            )

    @classmethod
    def day(cls, day: date) -> Period:
        return cls(day, day)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def one_day(self) -> bool:
        return self.first == self.last

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as a UTC interval [start, end)."""
        start = datetime.combine(self.first, time(0), tzinfo=LOCAL_TIME)
        end = datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=LOCAL_TIME)
        return start.astimezone(UTC), end.astimezone(UTC)

    def describe(self) -> str:
        """``2026-11-24``, or ``2026-11-01 – 2026-11-30``."""
        if self.one_day:
            return self.first.isoformat()
        return f"{self.first.isoformat()} – {self.last.isoformat()}"


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The Danish day as a UTC interval [start, end)."""
    return Period.day(day).bounds()


def parse_day(text: str, option: str) -> date:
    """A ``YYYY-MM-DD`` argument (nothing else: ``20261124`` and ``24/11/2026`` are refused)."""
    try:
        if _ISO_DAY.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise PeriodError(f"{option} must be a date as YYYY-MM-DD, got {text!r}", "not_a_date", option)


def period_from_args(
    day: str | None,
    first: str | None,
    last: str | None,
    today: date,
    *,
    longest: int | None = None,
) -> Period:
    """``--day D``, or ``--from D [--to D]`` (``--to`` defaults to today), or today; at most
    ``longest`` days when given."""
    if day is not None and (first is not None or last is not None):
        raise PeriodError("give either --day or --from/--to, not both", "day_and_range")
    if day is not None:
        return Period.day(parse_day(day, "--day"))
    if last is not None and first is None:
        raise PeriodError("--to needs --from (the first day of the period)", "to_without_from")
    if first is None:
        return Period.day(today)
    start = parse_day(first, "--from")
    end = parse_day(last, "--to") if last is not None else today
    period = Period(start, end)
    if longest is not None and period.days > longest:
        raise PeriodError(f"the period is {period.days} days; at most {longest} here", "too_long")
    return period
