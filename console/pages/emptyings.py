"""The cash-box emptyings of the fleet and their differences, per automat and period, from
``kiosk.cashbox.read_emptyings`` (the one reader, the Z-report's too); a box counted short or
over stands out."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from console.access import current_user, page
from console.audit import audit
from console.context import fleet
from console.i18n import N_, _
from console.menu import MenuItem
from console.periods import PeriodInputError, typed_period
from kiosk.cashbox import read_emptyings
from kiosk.clock import local
from kiosk.money import Money
from kiosk.reports.compute import fleet_automats
from kiosk.staff.roles import Permission

bp = Blueprint("emptyings", __name__)
MENU = [MenuItem("emptyings.index", N_("Cash-box emptyings"), Permission.EMPTY_CASH_BOX)]
#: the period shown when none is chosen: the last 31 days
DEFAULT_DAYS = 31


@page(bp, "/emptyings", Permission.EMPTY_CASH_BOX)
def index() -> tuple[str, int]:
    user = current_user()
    assert user is not None
    f = fleet()
    automats = [a for a in fleet_automats(f.engine) if a != f.console_id]
    automat = request.args.get("automat", "").strip()
    first, last = request.args.get("from", ""), request.args.get("to", "")
    error, status, emptyings = "", 200, []
    try:
        period = typed_period(first, last, local(f.clock.now()).date(),
                              default_days=DEFAULT_DAYS)
    except PeriodInputError as exc:
        error, status, period = str(exc), 400, None
    if automat and automat not in automats:
        error, status = _("There is no automat of that name."), 404
    if period is not None and status == 200:
        start, end = period.bounds()
        with f.engine.connect() as conn:
            emptyings = read_emptyings(conn, [automat] if automat else automats, start, end)
        emptyings.reverse()  # newest first
        audit(user, Permission.EMPTY_CASH_BOX, "cash_box_emptyings_viewed",
              automat=automat or "*", first=period.first.isoformat(),
              last=period.last.isoformat(), emptyings=len(emptyings))
    total = sum((e.difference for e in emptyings), Money(0))
    return render_template(
        "emptyings/index.html", emptyings=emptyings, automats=automats, automat=automat,
        first=period.first.isoformat() if period else first.strip(),
        last=period.last.isoformat() if period else last.strip(),
        error=error, total=total, local=local, money=lambda ore: Money(ore).format_da(),
    ), status
