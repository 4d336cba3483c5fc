"""A period typed into a page's filter (two ``YYYY-MM-DD`` fields, as ``<input type=date>``
sends them): ``kiosk.reports.period``'s whole Danish days, or one line saying what is wrong."""

from __future__ import annotations

from datetime import date, timedelta

from console.i18n import _
from kiosk.reports.period import Period, PeriodError, parse_day


class PeriodInputError(ValueError):
    """One translated line: the period as typed is not one."""


def typed_period(first: str, last: str, today: date, *, default_days: int | None) -> Period | None:
    """The period from the two fields; both empty: the last ``default_days`` days up to today
    (None: no period, everything). One field alone: from that day on, or up to that day."""
    first, last = first.strip(), last.strip()
    try:
        start = parse_day(first, "from") if first else None
        end = parse_day(last, "to") if last else None
    except PeriodError:
        raise PeriodInputError(_("A date must be written as YYYY-MM-DD.")) from None
    if start is None and end is None:
        if default_days is None:
            return None
        return Period(today - timedelta(days=default_days - 1), today)
    try:
        return Period(start or date(2000, 1, 1), end or today)
    except PeriodError:
        raise PeriodInputError(_("The period starts after it ends.")) from None
