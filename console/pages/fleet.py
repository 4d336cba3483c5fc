"""The fleet at a glance: every automat with the age of its last heartbeat and what it said
(``kiosk.heartbeat.fleet_status``, the one reader), so an automat that stopped writing shows as
silent before a citizen finds it out of order. The page reloads itself every minute (a meta
refresh: no script)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, render_template

from console.access import page
from console.context import fleet, reading
from console.i18n import N_, _, catalogue
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


def when(at: datetime | None) -> str:
    """A moment as the page prints it, in Danish time ("02.12.2026 11:00"; "–" for none).
    Formatted by hand: ``strftime`` costs three times as much, and format specifiers in an
    f-string twice as much; the page prints 60 of them."""
    if at is None:
        return "–"
    t = local(at)
    return "%02d.%02d.%d %02d:%02d" % (t.day, t.month, t.year, t.hour, t.minute)  # noqa: UP031


@dataclass(frozen=True, slots=True)
class Row:
    """One automat as the page prints it: every text made here, in one pass, so the template
    only places them, each by one name (the page is read every minute by every technician: its
    cost is Python's, the SQL behind it is two small reads)."""

    automat_id: str
    key: str  # the state's stable key (``data-state``)
    state: str
    state_class: str
    reason: str  # why it is out of service, shown under a bad state; "" otherwise
    age: str
    written: str
    #: the devices that need a look (first?, name, health, down?, paper, paper out?); the rest
    #: are OK
    devices: list[tuple[bool, str, str, bool, str, bool]]
    devices_ok: str  # "5 OK" when none needs a look
    fbs: str
    fbs_bad: bool
    outbox: int
    fbs_since: str
    follow_up: int
    debtor: int
    debtor_since: str
    last_export: str
    version: str


class Words:
    """This request's words, translated once for the whole table (a catalogue lookup per row
    and text would be most of the page's Python)."""

    __slots__ = ("all_ok", "answers", "health", "never", "ngettext", "paper", "silent",
                 "since", "states")

    def __init__(self) -> None:
        self.states = {k: _(v) for k, v in STATE_TEXTS.items()}
        self.health = {k: _(v) for k, v in DEVICE_HEALTH.items()}
        self.paper = {k: _(v) for k, v in PAPER.items()}
        self.answers = _("answers")
        self.silent = _("does not answer")
        self.never = _("never")
        self.all_ok = _("all %(num)d OK")
        self.since = _("since %(when)s")
        self.ngettext = catalogue().ngettext

    def age(self, age_s: float | None) -> str:
        """"2 minutes ago", in the page's language; "never" for an automat never heard."""
        if age_s is None:
            return self.never
        ngettext = self.ngettext
        if age_s < 90:
            n = int(age_s)
            text = ngettext("%(num)d second ago", "%(num)d seconds ago", n)
        elif age_s < 90 * 60:
            n = round(age_s / 60)
            text = ngettext("%(num)d minute ago", "%(num)d minutes ago", n)
        elif age_s < 36 * 3600:
            n = round(age_s / 3600)
            text = ngettext("%(num)d hour ago", "%(num)d hours ago", n)
        else:
            n = round(age_s / 86400)
            text = ngettext("%(num)d day ago", "%(num)d days ago", n)
        return text % {"num": n}

    def row(self, a: AutomatStatus) -> Row:
        heard = a.written_at is not None
        if not heard:
            fbs = "–"
        elif a.fbs_ok:
            trip = "" if a.fbs_round_trip_ms is None else f" ({a.fbs_round_trip_ms} ms)"
            fbs = self.answers + trip
        else:
            fbs = self.silent
        state_class = STATE_CLASS[a.state]
        devices = [(d.name, self.health.get(d.health, d.health), d.health == "down",
                    self.paper.get(d.paper, d.paper) if d.paper not in (None, "ok") else "",
                    d.paper == "out")
                   for d in a.devices if d.health != "ok" or d.paper not in (None, "ok")]
        return Row(
            automat_id=a.automat_id,
            key=a.state.value,
            state=self.states[a.state],
            state_class=state_class,
            reason=a.reason if state_class == "bad" and heard else "",
            age=self.age(a.age_s),
            written=when(a.written_at) if heard else "",
            devices=[(n == 0, *d) for n, d in enumerate(devices)],
            devices_ok=self.all_ok % {"num": len(a.devices)} if a.devices else "–",
            fbs=fbs,
            fbs_bad=heard and not a.fbs_ok,
            outbox=a.fbs_outbox_pending,
            fbs_since=self.since % {"when": when(a.fbs_oldest_pending)}
            if a.fbs_oldest_pending else "",
            follow_up=a.fbs_follow_up,
            debtor=a.debtor_pending,
            debtor_since=self.since % {"when": when(a.debtor_oldest_pending)}
            if a.debtor_oldest_pending else "",
            last_export=when(a.last_export),
            version=a.version or "–",
        )


@page(bp, "/fleet", Permission.FLEET_STATUS, reads_only=True)
def index() -> str:
    f = fleet()
    automats = [a for a in fleet_status(reading(), f.clock.now()) if a.automat_id != f.console_id]
    words = Words()
    rows = [words.row(a) for a in automats]
    attention = sum(1 for r in rows if r.state_class == "bad")
    return render_template("fleet/index.html", rows=rows, attention=attention,
                           refresh_s=REFRESH_S)
