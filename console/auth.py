"""Logging in and out with the staff accounts of the automats (``kiosk.staff.accounts``: the same
argon2id PINs, the same lockout), and who is logged in on each request.

The login lives in Flask's signed session cookie (``Secure``, ``HttpOnly``, ``SameSite=Strict``):
the staff number, when the login began and when the user was last seen. Each request reads the
account again, so a removed account or changed roles apply at once; a login ends after
``[console] idle_minutes`` of quiet and ``session_hours`` in all."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from console.access import current_user, page
from console.audit import audit
from console.context import fleet, reading
from console.i18n import _, ngettext
from kiosk.staff.rules import LoginReason, LoginRefused

bp = Blueprint("auth", __name__)

#: how stale "last seen" may get before the cookie is written again: a quiet period is measured
#: to within this, and a page read in between sends no new cookie (signing one on each request
#: was a tenth of the fleet page's time: bench/console.py)
SEEN_STEP = timedelta(seconds=30)


def load_user() -> None:
    """``g.user`` for this request, or nobody (and the session emptied) when the login is over."""
    g.user = None
    staff_no = session.get("staff_no")
    if not staff_no:
        return
    f = fleet()
    now = f.clock.now()
    try:
        began = datetime.fromisoformat(session["login_at"])
        seen = datetime.fromisoformat(session["seen_at"])
    except (KeyError, TypeError, ValueError):
        session.clear()
        return
    console = f.config.console
    if now - seen > timedelta(minutes=console.idle_minutes) or now - began > timedelta(
        hours=console.session_hours
    ):
        _end_login()
        flash(_("You were logged out after a quiet period. Log in again."), "info")
        return
    user = f.staff.active_user(str(staff_no), reading())
    if user is None:
        _end_login()
        return
    g.user = user
    if now - seen >= SEEN_STEP:
        session["seen_at"] = now.isoformat()


def _end_login() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _local(path: str | None) -> str:
    """Where to go after the login: a path on this site only, never another site."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return url_for("home.index")


def refusal_text(exc: LoginRefused) -> str:
    if exc.reason is LoginReason.LOCKED:
        return ngettext(
            "The account is locked after too many wrong PINs. Try again in %(num)d minute, or"
            " ask an administrator to unlock it.",
            "The account is locked after too many wrong PINs. Try again in %(num)d minutes, or"
            " ask an administrator to unlock it.",
            exc.minutes_left,
        )
    return _("Wrong staff number or PIN.")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    if current_user() is not None and request.method == "GET":
        return redirect(_local(request.args.get("next")))
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""))
    staff_no = request.form.get("staff_no", "").strip()
    pin = request.form.get("pin", "")
    f = fleet()
    try:
        user = f.staff.login(staff_no, pin)
    except LoginRefused as exc:
        return render_template(
            "login.html", error=refusal_text(exc), staff_no=staff_no,
            next=request.form.get("next", ""),
        ), 401
    lang = session.get("lang")
    session.clear()  # a fresh session for the login: nothing from before carries over
    now = f.clock.now().isoformat()
    session.update(staff_no=user.staff_no, login_at=now, seen_at=now)
    if lang:
        session["lang"] = lang
    session.permanent = True
    return redirect(_local(request.form.get("next")))


@page(bp, "/logout", None, methods=("POST",))
def logout() -> Response:
    user = current_user()
    if user is not None:
        audit(user, None, "console_logout")
    _end_login()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))
