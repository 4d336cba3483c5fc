"""The fleet at a glance: every automat with the age of its last heartbeat and what it said
(``kiosk.heartbeat.fleet_status``, the one reader), so an automat that stopped writing shows as
silent before a citizen finds it out of order. The page reloads itself every minute (a meta
refresh: no script)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, render_template

from console.access import page
from console.context import fleet
from console.i18n import N_, _, ngettext
from console.menu import MenuItem
from kiosk.clock import local
from kiosk.heartbeat import AutomatStatus, FleetState, fleet_status
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


@dataclass(frozen=True, slots=True)
class Row:
    """One automat as the page prints it: every text made here, in one pass, so the template
    only places them (the page is read every minute by every technician: its cost is Python's,
    the SQL behind it is two small reads)."""

    status: AutomatStatus
    state: str
    state_class: str
    age: str
    written: str
    #: the devices that need a look (name, health, down?, paper, paper out?); the rest are OK
    devices: list[tuple[str, str, bool, str, bool]]
    devices_ok: str  # "5 OK" when none needs a look
    fbs: str
    fbs_bad: bool
    fbs_since: str
    debtor_since: str
    last_export: str


@dataclass(frozen=True, slots=True)
class Words:
    """This request's words for states, device health and paper, translated once."""

    states: dict[FleetState, str]
    health: dict[str, str]
    paper: dict[str, str]
    answers: str
    silent: str

    @classmethod
    def now(cls) -> Words:
        return cls({k: _(v) for k, v in STATE_TEXTS.items()},
                   {k: _(v) for k, v in DEVICE_HEALTH.items()},
                   {k: _(v) for k, v in PAPER.items()}, _("answers"), _("does not answer"))


def _row(a: AutomatStatus, words: Words) -> Row:
    heard = a.written_at is not None
    if not heard:
        fbs = "–"
    elif a.fbs_ok:
        trip = "" if a.fbs_round_trip_ms is None else f" ({a.fbs_round_trip_ms} ms)"
        fbs = words.answers + trip
    else:
        fbs = words.silent
    return Row(
        status=a,
        state=words.states[a.state],
        state_class=STATE_CLASS[a.state],
        age=age_text(a.age_s),
        written=when(a.written_at) if heard else "",
        devices=[(d.name, words.health.get(d.health, d.health), d.health == "down",
                  words.paper.get(d.paper, d.paper) if d.paper not in (None, "ok") else "",
                  d.paper == "out")
                 for d in a.devices if d.health != "ok" or d.paper not in (None, "ok")],
        devices_ok=_("all %(num)d OK", num=len(a.devices)) if a.devices else "–",
        fbs=fbs,
        fbs_bad=heard and not a.fbs_ok,
        fbs_since=_("since %(when)s", when=when(a.fbs_oldest_pending))
        if a.fbs_oldest_pending else "",
        debtor_since=_("since %(when)s", when=when(a.debtor_oldest_pending))
        if a.debtor_oldest_pending else "",
        last_export=when(a.last_export),
    )


@page(bp, "/fleet", Permission.FLEET_STATUS)
def index() -> str:
    f = fleet()
    automats = [a for a in fleet_status(f.engine, f.clock.now()) if a.automat_id != f.console_id]
    words = Words.now()
    rows = [_row(a, words) for a in automats]
    attention = sum(1 for r in rows if r.state_class == "bad")
    return render_template("fleet/index.html", rows=rows, attention=attention,
                           refresh_s=REFRESH_S)
