"""The fleet at a glance: every automat with the age of its last heartbeat and what it said
(``kiosk.heartbeat.fleet_status``, the one reader), so an automat that stopped writing shows as
silent before a citizen finds it out of order. The page reloads itself every minute (a meta
refresh: no script)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template

from console.access import page
from console.context import fleet
from console.i18n import N_, _, ngettext
from console.menu import MenuItem
from kiosk.clock import local
from kiosk.heartbeat import FleetState, fleet_status
from kiosk.staff.roles import Permission

bp = Blueprint("fleet", __name__)
MENU = [MenuItem("fleet.index", N_("Automats"), Permission.FLEET_STATUS)]
#: seconds between the page's own reloads
REFRESH_S = 60

STATE_TEXTS = {
    FleetState.OK: N_("In service"),
    FleetState.OUT_OF_SERVICE: N_("Out of service"),
    FleetState.STALE: N_("No sign of life"),
    FleetState.STOPPED: N_("Stopped"),
    FleetState.NEVER_SEEN: N_("Never seen"),
}
#: how a state reads at a glance: good, bad or neither
STATE_CLASS = {
    FleetState.OK: "good",
    FleetState.OUT_OF_SERVICE: "bad",
    FleetState.STALE: "bad",
    FleetState.STOPPED: "",
    FleetState.NEVER_SEEN: "",
}
DEVICE_HEALTH = {"ok": N_("OK"), "degraded": N_("degraded"), "down": N_("down")}
PAPER = {"ok": N_("paper OK"), "near_end": N_("paper low"), "out": N_("paper out"),
         "no_answer": N_("paper unknown")}


def age_text(age_s: float | None) -> str:
    """"2 minutes ago", in the page's language; "never" for an automat never heard."""
    if age_s is None:
        return _("never")
    if age_s < 90:
        return ngettext("%(num)d second ago", "%(num)d seconds ago", int(age_s))
    if age_s < 90 * 60:
        return ngettext("%(num)d minute ago", "%(num)d minutes ago", round(age_s / 60))
    if age_s < 36 * 3600:
        return ngettext("%(num)d hour ago", "%(num)d hours ago", round(age_s / 3600))
    return ngettext("%(num)d day ago", "%(num)d days ago", round(age_s / 86400))


def when(at: datetime | None) -> str:
    return "–" if at is None else local(at).strftime("%d.%m.%Y %H:%M")


@page(bp, "/fleet", Permission.FLEET_STATUS)
def index() -> str:
    f = fleet()
    automats = [a for a in fleet_status(f.engine, f.clock.now()) if a.automat_id != f.console_id]
    attention = sum(1 for a in automats if STATE_CLASS[a.state] == "bad")
    return render_template(
        "fleet/index.html", automats=automats, attention=attention, refresh_s=REFRESH_S,
        state_text=lambda s: _(STATE_TEXTS[s]), state_class=STATE_CLASS, age_text=age_text,
        health_text=lambda h: _(DEVICE_HEALTH.get(h, h)),
        paper_text=lambda p: _(PAPER.get(p, p)), when=when,
    )
