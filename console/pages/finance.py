"""The finance office's pages: the Z-report of an automat or the fleet over Danish days, on screen
and as the CSV and PDF ``kiosk report`` writes (the same computation and the same rows:
``kiosk.reports``), and each automat's debtor files, one of which may be delivered again.

The report's words are the finance office's Danish (``kiosk.reports.words``); in English the
page looks them up in ``translations/en/finance_report.po``, a catalogue keyed on those words
(a word it lacks stays Danish; a test checks that every fixed word has its English)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, Response, render_template, request

from console.access import current_user, page
from console.audit import audit
from console.context import fleet
from console.i18n import N_, _, language
from console.menu import MenuItem
from console.periods import period_refusal
from kiosk.clock import local
from kiosk.cpr import scrub
from kiosk.debtor.exporter import BatchSummary, ExportError, read_batch, read_batches
from kiosk.debtor.profile import ProfileError
from kiosk.debtor.setup import exporter_from_config
from kiosk.money import Money
from kiosk.reports import (
    FLEET,
    FleetReport,
    Period,
    PeriodError,
    ZReport,
    fleet_automats,
    fleet_report,
    period_report,
)
from kiosk.reports.entries import Entry, cell_text, finance_entries
from kiosk.reports.files import ReportFileError, report_bytes
from kiosk.reports.pdf_file import RIGHT
from kiosk.reports.period import MAX_DAYS, period_from_args
from kiosk.reports.words import FILE_STATES, SECTIONS
from kiosk.staff.roles import Permission, StaffUser

bp = Blueprint("finance", __name__)
MENU = [
    MenuItem("finance.report", N_("Z-report"), Permission.Z_REPORT),
    MenuItem("finance.debtor", N_("Debtor files"), Permission.DEBTOR_BATCHES),
]
#: the batches shown per automat, newest first
BATCHES_SHOWN = 30
FIELDS = ("automat", "day", "from", "to")


def _user() -> StaffUser:
    user = current_user()
    assert user is not None  # page() let only a logged-in user in
    return user


# -- the Z-report --------------------------------------------------------------------------------
class Refused(Exception):
    """What was asked is not a report: one line for the page."""


@dataclass(frozen=True)
class Asked:
    """A report asked for: the scope (an automat's id, or "" for the fleet) and the period."""

    automat: str
    period: Period
    form: dict[str, str]

    @property
    def scope(self) -> str:
        return self.automat or FLEET


def _asked(automats: tuple[str, ...]) -> Asked:
    """The report the query string asks for (the same rules as ``kiosk report``'s arguments)."""
    form = {f: request.args.get(f, "").strip() for f in FIELDS}
    if form["automat"] and form["automat"] not in automats:
        raise Refused(_("There is no automat %(automat)s in the ledger.", automat=form["automat"]))
    today = local(fleet().clock.now()).date()
    try:
        period = period_from_args(form["day"] or None, form["from"] or None, form["to"] or None,
                                  today, longest=MAX_DAYS)
    except PeriodError as exc:
        raise Refused(period_refusal(exc)) from None
    return Asked(form["automat"], period, form)


def _compute(asked: Asked, *, details: bool) -> ZReport | FleetReport:
    """``details``: with every card payment, FBS fee, debtor item and file listed (the files);
    the page shows the figures, which for a fleet's month are read in a tenth of the time."""
    f = fleet()
    now = f.clock.now()
    if asked.automat:
        return period_report(f.engine, asked.period, (asked.automat,), now=now, details=details)
    return fleet_report(f.engine, asked.period, now=now, details=details)


@page(bp, "/finance/report", Permission.Z_REPORT)
def report() -> tuple[str, int] | str:
    automats = fleet_automats(fleet().engine)
    try:
        asked = _asked(automats)
    except Refused as exc:
        return _refused(automats, exc)
    scopes = report_view(finance_entries(_compute(asked, details=False)))
    audit(_user(), Permission.Z_REPORT, "z_report_viewed", automat=asked.scope,
          first=asked.period.first.isoformat(), last=asked.period.last.isoformat(),
          format="screen")
    return render_template("finance/report.html", automats=automats, form=asked.form,
                           asked=asked, scopes=scopes, links=_links(asked))


def _refused(automats: tuple[str, ...], exc: Refused) -> tuple[str, int]:
    """The form again as it was filled in, with the one line saying what is wrong with it."""
    form = {f: request.args.get(f, "") for f in FIELDS}
    return render_template("finance/report.html", automats=automats, form=form,
                           error=str(exc)), 400


def _links(asked: Asked) -> dict[str, str]:
    """The query of the report shown, for its downloads: the period as days, so the file is the
    report on screen even if the day changes before the click."""
    query = {"automat": asked.automat, "from": asked.period.first.isoformat(),
             "to": asked.period.last.isoformat()}
    return {k: v for k, v in query.items() if v}


@page(bp, "/finance/report.csv", Permission.Z_REPORT)
def report_csv() -> Response | tuple[str, int]:
    return _download("csv", "text/csv; charset=utf-8")


@page(bp, "/finance/report.pdf", Permission.Z_REPORT)
def report_pdf() -> Response | tuple[str, int]:
    return _download("pdf", "application/pdf")


def _download(kind: str, mimetype: str) -> Response | tuple[str, int]:
    f = fleet()
    automats = fleet_automats(f.engine)
    try:
        asked = _asked(automats)
    except Refused as exc:
        return _refused(automats, exc)
    try:
        data = report_bytes(_compute(asked, details=True), kind,  # type: ignore[arg-type]
                            library_name=f.config.automat.library_name)
    except ReportFileError:
        return render_template(
            "finance/report.html", automats=automats, form=asked.form,
            error=_("The PDF cannot be made on this server: its font (DejaVu Sans) is missing."
                    " The CSV has the same figures."),
        ), 503
    audit(_user(), Permission.Z_REPORT, "z_report_downloaded", automat=asked.scope,
          first=asked.period.first.isoformat(), last=asked.period.last.isoformat(), format=kind,
          bytes=len(data))
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name(asked, kind)}"'
    return response


def file_name(asked: Asked, kind: str) -> str:
    """``z-rapport_test-01_2026-11-24.csv``, ``z-rapport_alle_2026-11-01_2026-11-30.pdf``: only
    letters, digits, ``-`` and ``_`` of the automat's id, so the header cannot be broken."""
    scope = "".join(c if c.isalnum() or c in "-_" else "_" for c in asked.scope)
    period = asked.period
    days = period.first.isoformat() if period.one_day else (
        f"{period.first.isoformat()}_{period.last.isoformat()}")
    return f"z-rapport_{scope}_{days}.{kind}"


# -- the report's rows as tables -------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    heading: str
    numeric: bool


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Scope:
    heading: str
    tables: tuple[Table, ...]


def word(danish: str) -> str:
    """A word of the finance office's report in the page's language: the whole of it from the
    catalogue, else its first word (``mønt 0,50 kr.`` → ``coin 0,50 kr.``), else as it is."""
    if language() == "da":
        return danish
    shown = _(danish)
    if shown != danish or " " not in danish:
        return shown
    first, rest = danish.split(" ", 1)
    return f"{_(first)} {rest}"


def report_view(entries: list[Entry]) -> list[Scope]:
    """The rows as the PDF lays them out: per scope (the fleet's totals, then each automat) a
    table per section, with the section's columns (``kiosk.reports.words.SECTIONS``)."""
    by_scope: dict[str, list[Entry]] = {}
    for e in entries:
        by_scope.setdefault(e.automat, []).append(e)
    scopes = []
    for automat, rows in by_scope.items():
        tables = []
        for key, spec in SECTIONS.items():
            section = [e for e in rows if e.section == key]
            if not section:
                continue
            fields = [name for name, _heading in spec.columns]
            columns = tuple(Column(word(h), name in RIGHT) for name, h in spec.columns)
            body = tuple(
                tuple(word(cell_text(e, n)) if n == "item" else cell_text(e, n) for n in fields)
                for e in section
            )
            tables.append(Table(word(spec.title), columns, body))
        heading = (_("All automats in total") if automat == FLEET
                   else _("Automat %(automat)s", automat=automat))
        scopes.append(Scope(heading, tuple(tables)))
    return scopes


# -- debtor files ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BatchRow:
    id: int
    sequence: int
    file_name: str
    items: int
    total: str
    state: str
    delivered: bool
    created_at: str
    delivered_at: str


def _row(b: BatchSummary) -> BatchRow:
    return BatchRow(
        b.id, b.sequence, b.file_name, b.item_count, Money(b.total_ore).format_da(suffix=""),
        word(FILE_STATES.get(b.state, b.state)), b.state == "delivered", _when(b.created_at),
        _when(b.delivered_at),
    )


def _when(moment: datetime | None) -> str:
    return f"{local(moment):%d.%m.%Y %H.%M}" if moment else ""


def redelivery_configured() -> bool:
    return fleet().config.debtor is not None


@page(bp, "/finance/debtor", Permission.DEBTOR_BATCHES)
def debtor() -> tuple[str, int] | str:
    f = fleet()
    automats = fleet_automats(f.engine)
    chosen = request.args.get("automat", "").strip()
    if chosen and chosen not in automats:
        return render_template(
            "finance/debtor.html", automats=automats, chosen=chosen, lists=[],
            error=_("There is no automat %(automat)s in the ledger.", automat=chosen),
        ), 400
    lists = [(a, [_row(b) for b in read_batches(f.engine, a, BATCHES_SHOWN)])
             for a in ((chosen,) if chosen else automats)]
    audit(_user(), Permission.DEBTOR_BATCHES, "debtor_batches_viewed", automat=chosen or FLEET,
          batches=sum(len(rows) for _a, rows in lists))
    return render_template("finance/debtor.html", automats=automats, chosen=chosen,
                           lists=[(a, rows) for a, rows in lists if rows or chosen],
                           configured=redelivery_configured())


@page(bp, "/finance/debtor/<automat>/<int:batch_id>/again", Permission.DEBTOR_BATCHES,
      methods=("GET", "POST"))
def redeliver(automat: str, batch_id: int) -> tuple[str, int] | str:
    """Asked twice: the debtor system books a file it reads again a second time, so the user
    confirms that it has not read it (as the automat's technician screen asks a second touch)."""
    f = fleet()
    try:
        batch = read_batch(f.engine, automat, batch_id)
    except ExportError:
        return render_template(
            "finance/redeliver.html", automat=automat, batch=None,
            error=_("There is no debtor file %(batch)s of automat %(automat)s.",
                    batch=batch_id, automat=automat),
        ), 404
    shown = _row(batch)

    def again(error: str, status: int) -> tuple[str, int]:
        return render_template("finance/redeliver.html", automat=automat, batch=shown,
                               configured=redelivery_configured(), error=error), status

    if not redelivery_configured():
        return again(_("Files cannot be delivered again from this console: its configuration"
                       " has no [debtor] section. Use the automat's technician screen."), 409)
    if not shown.delivered:
        return again(_("Only a delivered file can be delivered again; the automat's next export"
                       " finishes this one."), 409)
    if request.method == "GET":
        return render_template("finance/redeliver.html", automat=automat, batch=shown,
                               configured=True)
    if request.form.get("confirm") != "yes":
        return again(_("Tick the box to confirm that the debtor system has not read the file."),
                     400)
    user = _user()
    role = (user.role_for(Permission.DEBTOR_BATCHES) or user.main_role).value
    try:
        exporter = exporter_from_config(f.config, f.engine, f.clock, automat_id=automat)
        exporter.redeliver(batch_id, actor=user.staff_no, role=role)  # audits debtor_redeliver
    except (ExportError, ProfileError) as exc:
        reason = scrub(str(exc))
        audit(user, Permission.DEBTOR_BATCHES, "debtor_redeliver_refused", automat=automat,
              batch_id=batch_id, error=reason[:200])
        return again(_("The file was not delivered again: %(reason)s", reason=reason), 409)
    return render_template("finance/redeliver.html", automat=automat, batch=shown,
                           configured=True, done=True)
