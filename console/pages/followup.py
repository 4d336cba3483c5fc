"""The fleet's FBS follow-up list (``kiosk.followup``): every automat's refused registrations,
open ones first, each closed with what was done; the closed ones below, by whom and how."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from console.access import current_user, page
from console.audit import audit
from console.context import fleet
from console.i18n import N_, _
from console.menu import MenuItem
from kiosk.clock import local
from kiosk.followup import FollowUpError, FollowUpItem, FollowUps
from kiosk.followup_words import CLOSE_OUTCOMES, OTHER_NOTES
from kiosk.staff.roles import Permission

bp = Blueprint("followup", __name__)
MENU = [MenuItem("followup.index", N_("Follow-up list"), Permission.FOLLOW_UP)]

#: the outcomes in English; their Danish (da/followup.po) is the core's CLOSE_OUTCOMES, word for
#: word (a test holds them equal)
OUTCOME_LABELS = {
    "registered_by_hand": N_("Registered by hand in FBS"),
    "refunded": N_("The money was paid back to the citizen"),
    "written_off": N_("Written off"),
    "other": N_("Other"),
}
STATE_LABELS = {
    "refused": N_("Refused by FBS – tried again"),
    "parked": N_("Refused by FBS – waiting for staff"),
    "closed": N_("Closed"),
}
REFUSALS = {
    "not_found": N_("The item is no longer on the follow-up list. Nothing was changed."),
    "already_closed": N_("The item was already closed %(when)s by staff number %(who)s."
                         " Nothing was changed."),
    "registered": N_("FBS has registered the payment in the meantime: there is nothing to"
                     " close. Nothing was changed."),
    "pending": N_("The payment is still being sent to FBS and is not on the list. Nothing was"
                  " changed."),
    "being_sent": N_("The payment is being sent to FBS right now. Try again in a minute."
                     " Nothing was changed."),
}


def _follow_ups() -> FollowUps:
    f = fleet()
    return FollowUps(f.engine, f.console_id, f.clock)


def refusal_text(exc: FollowUpError, outcome: str, note: str) -> str:
    if exc.reason == "invalid":
        if outcome not in CLOSE_OUTCOMES:
            return _("Choose what was done. Nothing was changed.")
        if outcome == "other" and not note.strip():
            return _("Say in the note what was done. Nothing was changed.")
        return _("The item could not be closed like that. Nothing was changed.")
    if exc.reason == "already_closed":
        when = f"{local(exc.closed_at):%d.%m.%Y %H:%M}" if exc.closed_at else ""
        return _(REFUSALS["already_closed"], when=when, who=exc.closed_by)
    return _(REFUSALS.get(exc.reason, REFUSALS["not_found"]))


def _page(error: str = "", status: int = 200, automat: str = "") -> tuple[str, int]:
    user = current_user()
    assert user is not None
    items = _follow_ups().items(fleet=True)
    automats = sorted({i.automat_id for i in items})
    shown = [i for i in items if not automat or i.automat_id == automat]
    open_items = sorted((i for i in shown if not i.closed), key=lambda i: (i.automat_id, i.paid_at))
    closed = sorted((i for i in shown if i.closed), key=lambda i: i.closed_at or i.paid_at,
                    reverse=True)
    audit(user, Permission.FOLLOW_UP, "follow_up_list_viewed", items=len(shown), fleet=True)
    return render_template(
        "followup/index.html", open_items=open_items, closed=closed, automats=automats,
        automat=automat, error=error, outcomes=OUTCOME_LABELS, states=STATE_LABELS,
        other_notes=OTHER_NOTES, local=local, fees=_fees,
    ), status


def _fees(item: FollowUpItem) -> str:
    return ", ".join(item.fee_ids)


@page(bp, "/followup", Permission.FOLLOW_UP)
def index() -> tuple[str, int]:
    return _page(automat=request.args.get("automat", "").strip())


@page(bp, "/followup/<int:item_id>/close", Permission.FOLLOW_UP, methods=("POST",))
def close(item_id: int) -> Response | tuple[str, int]:
    user = current_user()
    assert user is not None
    role = user.role_for(Permission.FOLLOW_UP)
    assert role is not None
    outcome = request.form.get("outcome", "").strip()
    note = request.form.get("note", "")
    try:
        item = _follow_ups().close(item_id, outcome, staff=user.staff_no, role=role.value,
                                   note=note)
    except FollowUpError as exc:
        status = 404 if exc.reason == "not_found" else 400
        return _page(refusal_text(exc, outcome, note), status)
    flash(_("The item for %(amount)s (%(automat)s) is closed: %(outcome)s.",
            amount=item.amount.format_da(), automat=item.automat_id,
            outcome=_(OUTCOME_LABELS[item.outcome])), "ok")
    return redirect(url_for("followup.index"))
