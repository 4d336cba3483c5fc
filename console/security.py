"""What every response carries and every request is checked for: the security headers (a
Content-Security-Policy without inline script, no framing), CSRF tokens on every form
(Flask-WTF), the address the audit log names, and errors as one line, never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, abort, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from console.access import declared
from console.i18n import N_, _
from kiosk.ledger.repository import audit_origin

log = logging.getLogger(__name__)

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

#: status → the one line the error page says
ERROR_TEXTS = {
    400: N_("The request could not be understood."),
    403: N_("You do not have access to this function."),
    404: N_("The page does not exist."),
    405: N_("The page cannot be used like that."),
    413: N_("What was sent is too large."),
    500: N_("Something went wrong on the server. Nothing was changed; try again, or ask a"
            " technician."),
}
CSRF_TEXT = N_("The form had expired or did not come from this site. Nothing was changed: fill"
               " it in again.")

csrf = CSRFProtect()


def install(app: Flask, *, secure: bool) -> None:
    csrf.init_app(app)

    @app.before_request
    def _origin() -> None:
        if request.routing_exception is None and not declared(request.endpoint):
            abort(404)  # a route registered without page(): refused before it runs
        audit_origin.set({"address": request.remote_addr or "?", "via": "console"})

    @app.teardown_request
    def _forget_origin(_exc: BaseException | None) -> None:
        audit_origin.set(None)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers["Content-Security-Policy"] = CSP
        headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if secure:
            headers["Strict-Transport-Security"] = "max-age=31536000"
        if request.endpoint != "static":
            headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(CSRFError)
    def _csrf(_exc: CSRFError) -> tuple[str, int]:
        return render_template("error.html", message=_(CSRF_TEXT)), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> tuple[str, int]:
        code = exc.code or 500
        text = ERROR_TEXTS.get(code, ERROR_TEXTS[400])
        return render_template("error.html", message=_(text)), code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[str, int]:
        log.error("console: %s %s failed: %s", request.method, request.path,
                  type(exc).__name__, exc_info=exc)
        return render_template("error.html", message=_(ERROR_TEXTS[500])), 500
