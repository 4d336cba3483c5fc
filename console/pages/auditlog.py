"""The audit log (``kiosk.ledger.audit_trail``): filtered by period, automat, actor and action,
newest first, a page of :data:`PAGE_SIZE` at a time with a link to the older ones. The details
are ``key=value`` with anything CPR-shaped masked; every text is escaped by the templates."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from console.access import current_user, page
from console.audit import audit
from console.context import fleet
from console.i18n import N_, _
from console.menu import MenuItem
from console.periods import PeriodInputError, typed_period
from kiosk.clock import local
from kiosk.ledger.audit_trail import PAGE_SIZE, AuditFilter, audit_choices, read_audit
from kiosk.staff.roles import Permission

bp = Blueprint("auditlog", __name__)
MENU = [MenuItem("auditlog.index", N_("Audit log"), Permission.AUDIT_LOG)]
#: the longest text a filter field takes (the log's actor column is 64)
FIELD_WIDTH = 64


@page(bp, "/auditlog", Permission.AUDIT_LOG)
def index() -> tuple[str, int]:
    user = current_user()
    assert user is not None
    f = fleet()
    args = {k: request.args.get(k, "").strip()[:FIELD_WIDTH]
            for k in ("from", "to", "automat", "actor", "action", "before")}
    automats, actions = audit_choices(f.engine)
    error, status, lines, more = "", 200, [], False
    before: int | None = None
    if args["before"]:
        if args["before"].isascii() and args["before"].isdigit():
            before = int(args["before"])
        else:
            error, status = _("The page asked for does not exist."), 400
    try:
        period = typed_period(args["from"], args["to"], local(f.clock.now()).date(),
                              default_days=None)
    except PeriodInputError as exc:
        error, status, period = str(exc), 400, None
    if status == 200:
        start, end = period.bounds() if period else (None, None)
        wanted = AuditFilter(start, end, args["automat"], args["actor"], args["action"])
        lines, more = read_audit(f.engine, wanted, before=before, limit=PAGE_SIZE)
        audit(user, Permission.AUDIT_LOG, "audit_log_viewed",  # what was looked for
              **{f"filter_{k}": v for k, v in args.items() if v}, entries=len(lines))
    older = None
    if more and lines:
        older = {**{k: v for k, v in args.items() if v and k != "before"},
                 "before": lines[-1].id}
    return render_template(
        "auditlog/index.html", lines=lines, older=older, args=args, automats=automats,
        actions=actions, error=error, local=local, page_size=PAGE_SIZE,
    ), status
