"""A period typed into a page's filter (two ``YYYY-MM-DD`` fields, as ``<input type=date>``
sends them): ``kiosk.reports.period``'s whole Danish days, or one line saying what is wrong."""

from __future__ import annotations

from datetime import date, timedelta

from console.i18n import _
from kiosk.reports.period import MAX_DAYS, Period, PeriodError, parse_day


class PeriodInputError(ValueError):
    """One translated line: the period as typed is not one."""


def typed_period(first: str, last: str, today: date, *, default_days: int | None) -> Period | None:
    """The period from the two fields; both empty: the last ``default_days`` days up to today
    (None: no period, everything). One field alone: from that day on, or up to that day."""
    first, last = first.strip(), last.strip()
    try:
        start = parse_day(first, "from") if first else None
        end = parse_day(last, "to") if last else None
    except PeriodError as exc:
        raise PeriodInputError(period_refusal(exc)) from None
    if start is None and end is None:
        if default_days is None:
            return None
        return Period(today - timedelta(days=default_days - 1), today)
    try:
        return Period(start or date(2000, 1, 1), end or today)
    except PeriodError as exc:
        raise PeriodInputError(period_refusal(exc)) from None


def period_refusal(exc: PeriodError) -> str:
    """The rule a typed period broke (``PeriodError.reason``), in the page's language."""
    if exc.reason == "not_a_date":
        fields = {"day": _("One day"), "from": _("From day"), "to": _("To day")}
        field = fields.get(exc.option.removeprefix("--"), exc.option)
        return _('"%(field)s" must be a date written as YYYY-MM-DD, e.g. 2026-11-24.', field=field)
    if exc.reason == "backwards":
        return _("The period starts after it ends.")
    if exc.reason == "too_long":
        return _("A report covers at most %(days)s days.", days=MAX_DAYS)
    if exc.reason == "day_and_range":
        return _("Give either one day or a period (from, to), not both.")
    if exc.reason == "to_without_from":
        return _("A period needs its first day (from).")
    return _("The period is not one.")
