"""Staff accounts (``kiosk.staff.accounts.StaffBook``, which checks, stores and audits): the
list, a new account, a new PIN, unlocking, and closing an account (asked twice). A PIN is
typed twice and never shown; nor is any hash."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from console.access import current_user, page
from console.context import fleet
from console.i18n import N_, _
from console.menu import MenuItem
from kiosk.clock import local
from kiosk.staff.roles import Permission, Role, StaffUser
from kiosk.staff.rules import PIN_DIGITS, AccountInfo, StaffUsageError

bp = Blueprint("accounts", __name__)
MENU = [MenuItem("accounts.index", N_("Staff accounts"), Permission.MANAGE_STAFF)]

ROLE_LABELS = {
    Role.STAFF: N_("Desk staff"),
    Role.FINANCE: N_("Finance office"),
    Role.TECHNICIAN: N_("Technician"),
    Role.ADMINISTRATOR: N_("Administrator"),
}
#: StaffUsageError.reason → the line the page says (the core's Danish sentence otherwise)
REFUSALS = {
    "pin_not_digits": N_("The PIN may only contain digits. Nothing was changed."),
    "pin_length": N_("The PIN must be %(low)d to %(high)d digits. Nothing was changed."),
    "staff_no_format": N_("The staff number must be 1 to 12 digits. Nothing was changed."),
    "name": N_("The name must be 1 to 64 characters. Nothing was changed."),
    "roles": N_("Choose at least one role. Nothing was changed."),
    "staff_no_taken": N_("That staff number is or was in use, and a number is never given"
                         " again. Choose another. Nothing was changed."),
    "removed": N_("The account is closed. Nothing was changed."),
    "last_administrator": N_("This is the last administrator and cannot be closed; add another"
                             " administrator first. Nothing was changed."),
    "self": N_("You cannot close your own account; ask another administrator."
               " Nothing was changed."),
}
PINS_DIFFER = N_("The two PINs differ. Nothing was changed.")


def refusal_text(exc: StaffUsageError) -> str:
    text = REFUSALS.get(exc.reason)
    if text is None:
        return str(exc)
    low, high = PIN_DIGITS
    return _(text, low=low, high=high) if exc.reason == "pin_length" else _(text)


def _me() -> StaffUser:
    user = current_user()
    assert user is not None
    return user


def _account(staff_no: str) -> AccountInfo:
    for a in fleet().staff.accounts(include_removed=True):
        if a.staff_no == staff_no:
            return a
    abort(404)


def _roles_text(roles: frozenset[Role]) -> str:
    return ", ".join(_(ROLE_LABELS[r]) for r in Role if r in roles)


def _render(name: str, status: int = 200, **values: object) -> tuple[str, int]:
    return render_template(f"accounts/{name}.html", role_labels=ROLE_LABELS, roles=_roles_text,
                           local=local, **values), status


def _list(error: str = "", status: int = 200, form: dict[str, object] | None = None
          ) -> tuple[str, int]:
    accounts = fleet().staff.accounts(include_removed=True)
    return _render("index", status, active=[a for a in accounts if a.removed_at is None],
                   removed=[a for a in accounts if a.removed_at is not None], error=error,
                   form=form or {}, low=PIN_DIGITS[0], high=PIN_DIGITS[1])


@page(bp, "/accounts", Permission.MANAGE_STAFF)
def index() -> tuple[str, int]:
    return _list()


def _pins() -> str | None:
    """The PIN typed twice, or None when the two differ."""
    pin, again = request.form.get("pin", ""), request.form.get("pin_again", "")
    return pin if pin == again else None


@page(bp, "/accounts/add", Permission.MANAGE_STAFF, methods=("POST",))
def add() -> Response | tuple[str, int]:
    staff_no = request.form.get("staff_no", "").strip()
    name = request.form.get("name", "")
    roles = [r for r in request.form.getlist("roles") if r]
    form = {"staff_no": staff_no, "name": name, "roles": roles}
    pin = _pins()
    if pin is None:
        return _list(_(PINS_DIFFER), 400, form)
    try:
        account = fleet().staff.add(staff_no, name, roles, pin, by=_me())
    except StaffUsageError as exc:
        return _list(refusal_text(exc), 400, form)
    flash(_("The account %(staff_no)s (%(name)s) is added.", staff_no=account.staff_no,
            name=account.name), "ok")
    return redirect(url_for("accounts.index"))


def _one(staff_no: str, error: str = "", status: int = 200) -> tuple[str, int]:
    return _render("account", status, account=_account(staff_no), error=error,
                   low=PIN_DIGITS[0], high=PIN_DIGITS[1])


@page(bp, "/accounts/<staff_no>", Permission.MANAGE_STAFF)
def account(staff_no: str) -> tuple[str, int]:
    return _one(staff_no)


@page(bp, "/accounts/<staff_no>/pin", Permission.MANAGE_STAFF, methods=("POST",))
def reset_pin(staff_no: str) -> Response | tuple[str, int]:
    _account(staff_no)
    pin = _pins()
    if pin is None:
        return _one(staff_no, _(PINS_DIFFER), 400)
    try:
        fleet().staff.reset_pin(staff_no, pin, by=_me())
    except StaffUsageError as exc:
        return _one(staff_no, refusal_text(exc), 400)
    flash(_("The account %(staff_no)s has a new PIN; it is also unlocked.", staff_no=staff_no),
          "ok")
    return redirect(url_for("accounts.account", staff_no=staff_no))


@page(bp, "/accounts/<staff_no>/unlock", Permission.MANAGE_STAFF, methods=("POST",))
def unlock(staff_no: str) -> Response | tuple[str, int]:
    _account(staff_no)
    try:
        was_locked = fleet().staff.unlock(staff_no, by=_me())
    except StaffUsageError as exc:
        return _one(staff_no, refusal_text(exc), 400)
    flash(_("The account %(staff_no)s is unlocked.", staff_no=staff_no) if was_locked else
          _("The account %(staff_no)s was not locked; its wrong tries are forgotten.",
            staff_no=staff_no), "ok")
    return redirect(url_for("accounts.account", staff_no=staff_no))


@page(bp, "/accounts/<staff_no>/remove", Permission.MANAGE_STAFF, methods=("GET", "POST"))
def remove(staff_no: str) -> Response | tuple[str, int]:
    """The first ask is the account page's button (this page, GET); the second is this page's
    box to tick. Only both close the account."""
    account = _account(staff_no)
    if request.method == "GET":
        return _render("remove", account=account, error="")
    if request.form.get("confirm") != account.staff_no:
        return _render("remove", 400, account=account,
                       error=_("Tick the box to confirm. Nothing was changed."))
    try:
        fleet().staff.remove(staff_no, by=_me())
    except StaffUsageError as exc:
        return _render("remove", 400, account=account, error=refusal_text(exc))
    flash(_("The account %(staff_no)s (%(name)s) is closed and can no longer log in.",
            staff_no=account.staff_no, name=account.name), "ok")
    return redirect(url_for("accounts.index"))
