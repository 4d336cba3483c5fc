"""The desk: issue a bon for cash taken at the desk and print its slip from the browser, the
outstanding bons with a void, and a payment found by its receipt reference or a bon's code with
its receipt to print. The work is the core's :class:`kiosk.staff.desk.StaffDesk` (permissions,
``[bons] max_amount``, audit entries); the slips are the receipt printer's own documents
(``render_bon``, ``render_receipt``) drawn as pages (:mod:`console.paper`)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from console.access import current_user, page
from console.context import fleet
from console.i18n import N_, _, language
from console.menu import MenuItem
from console.paper import PAPERS, lines, paper
from kiosk import bon_words
from kiosk.bons import BonAmountRefused, BonError, bon_book_for
from kiosk.clock import local
from kiosk.money import Money, MoneyError
from kiosk.receipts import ReceiptError
from kiosk.staff.desk import SessionNotFound, StaffDesk
from kiosk.staff.roles import Permission, StaffUser

bp = Blueprint("desk", __name__)
MENU = [
    MenuItem("desk.issue", N_("Issue a bon"), Permission.ISSUE_BON),
    MenuItem("desk.bons", N_("Outstanding bons"), Permission.VOID_BON),
    MenuItem("desk.find", N_("Find a payment"), Permission.REPRINT),
]
#: the longest note or reason a form may send (the audit log keeps it)
MAX_NOTE = 200
MAX_SEARCH = 64


def desk() -> StaffDesk:
    """The core's desk for the console (its bons carry the console's ``[automat] id``)."""
    built = current_app.extensions.get("kiosk_desk")
    if built is None:
        f = fleet()
        book = bon_book_for(f.config, f.engine, f.clock)
        built = StaffDesk(f.engine, f.clock, f.console_id, book,
                          library_name=f.config.automat.library_name)
        current_app.extensions["kiosk_desk"] = built
    return built  # type: ignore[no-any-return]


def user() -> StaffUser:
    found = current_user()
    assert found is not None  # page() let only a logged-in user in
    return found


def lang() -> bon_words.Language:
    return "en" if language() == "en" else "da"


def moment(at: object) -> str:
    return local(at).strftime("%d.%m.%Y %H.%M")  # type: ignore[arg-type]


# -- issue a bon -------------------------------------------------------------------------------
def amount_refusal(exc: BonAmountRefused, amount: Money) -> str:
    """The core's refusal (``BonBook.check_amount``) in the page's language."""
    if exc.reason == "bon_amount_over_max":
        return _("A bon can be at most %(maximum)s (%(amount)s is too much).",
                 maximum=str(exc.maximum), amount=str(amount))
    return _("A bon must be more than 0,00 kr.")


@page(bp, "/desk/bon", Permission.ISSUE_BON, methods=("GET", "POST"))
def issue() -> Response | str | tuple[str, int]:
    if request.method == "GET":
        return render_template("desk/issue.html", maximum=desk().bons.max_amount)
    typed = request.form.get("amount", "").strip()
    note = request.form.get("note", "").strip()
    error = None
    try:
        amount = Money.parse(typed[:20])
    except MoneyError:
        amount = None
        error = _("Type the amount in kroner, e.g. 50,00 (no thousands separator).")
    if error is None and not note:
        error = _("Write why the bon is issued.")
    elif error is None and len(note) > MAX_NOTE:
        error = _("The note is too long (at most %(n)s characters).", n=MAX_NOTE)
    if error is None and amount is not None:
        try:
            ticket = desk().issue_bon(user(), amount, note).ticket
        except BonAmountRefused as exc:
            error = amount_refusal(exc, amount)
        else:
            flash(_("Bon of %(amount)s issued, code %(code)s.", amount=str(ticket.amount),
                    code=ticket.short_code_display), "ok")
            return redirect(url_for("desk.slip", bon_id=ticket.id), 303)
    return render_template("desk/issue.html", maximum=desk().bons.max_amount, error=error,
                           amount=typed, note=note), 400


def not_found(message: str) -> tuple[str, int]:
    return render_template("error.html", message=message), 404


@page(bp, "/desk/bon/<bon_id>", Permission.ISSUE_BON)
def slip(bon_id: str) -> str | tuple[str, int]:
    try:
        ticket, document = desk().bon_slip(user(), bon_id[:64])
    except BonError as exc:
        return not_found(bon_words.refusal(exc, lang()))
    return render_template(
        "desk/paper.html", title=_("Bon %(code)s", code=ticket.short_code_display),
        lines=lines(document), paper=paper(request.args.get("paper")), papers=PAPERS,
        here=url_for("desk.slip", bon_id=bon_id),
    )


# -- outstanding bons --------------------------------------------------------------------------
def bons_page(error: str | None = None, status: int = 200) -> tuple[str, int]:
    d, who = desk(), user()
    tickets = sorted(d.outstanding_bons(who), key=lambda t: t.issued_at, reverse=True)
    return render_template(
        "desk/bons.html", tickets=tickets, notes=d.issue_notes(who, tickets),
        reasons={k: v[lang()] for k, v in bon_words.REASON.items()},
        total=bon_words.listing_total(tickets, lang()), error=error, moment=moment,
        may_print=who.may(Permission.ISSUE_BON),
    ), status


@page(bp, "/desk/bons", Permission.VOID_BON)
def bons() -> tuple[str, int]:
    return bons_page()


@page(bp, "/desk/bons/void", Permission.VOID_BON, methods=("POST",))
def void() -> Response | tuple[str, int]:
    code = request.form.get("code", "").strip()[:MAX_SEARCH]
    why = request.form.get("why", "").strip()
    if not code:
        return bons_page(_("Choose the bon to void."), 400)
    if not why:
        return bons_page(_("Write why the bon is voided."), 400)
    if len(why) > MAX_NOTE:
        return bons_page(_("The note is too long (at most %(n)s characters).", n=MAX_NOTE), 400)
    try:
        ticket = desk().void_bon(user(), code, why)
    except BonError as exc:
        return bons_page(bon_words.refusal(exc, lang()), 400)
    flash(bon_words.voided(ticket, lang()), "ok")
    return redirect(url_for("desk.bons"), 303)


# -- a payment and its receipt -----------------------------------------------------------------
@page(bp, "/desk/payments", Permission.REPRINT)
def find() -> str | tuple[str, int]:
    typed = request.args.get("q", "").strip()[:MAX_SEARCH]
    if not typed:
        return render_template("desk/find.html", q="")
    try:
        found = desk().find_session(user(), typed)
    except SessionNotFound:
        error = _("No payment matches the reference or bon code. Check what you typed.")
        return render_template("desk/find.html", q=typed, error=error), 404
    return render_template("desk/find.html", q=typed, found=found, moment=moment)


@page(bp, "/desk/payments/<session_id>/receipt", Permission.REPRINT)
def receipt(session_id: str) -> str | tuple[str, int]:
    try:
        document = desk().receipt_copy(user(), session_id[:64])
    except ReceiptError:
        return not_found(_("This payment has no receipt: nothing was paid in it."))
    return render_template(
        "desk/paper.html", title=_("Receipt (copy)"), lines=lines(document),
        paper=paper(request.args.get("paper")), papers=PAPERS,
        here=url_for("desk.receipt", session_id=session_id),
    )
