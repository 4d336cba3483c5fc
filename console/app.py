"""The console's Flask application (:func:`create_app`), built once over the fleet's ledger."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from itertools import chain
from typing import Any

from flask import Flask, request
from sqlalchemy import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from console import auth, i18n, security
from console.access import current_user, keeps_reading
from console.context import Fleet, done_reading
from console.menu import visible
from console.pages import MODULES
from kiosk.clock import Clock, SystemClock
from kiosk.config import KioskConfig

#: the most a form may send (a reason, an amount, a PIN): anything larger is refused unread
MAX_FORM_BYTES = 64 * 1024


def session_key(config: KioskConfig) -> bytes:
    """The key that signs the session cookie, derived from the installation's secret (``[bons]
    signing_key``, which the console must have anyway to issue bons and check PINs), so there
    is no second secret to keep."""
    return hmac.new(
        config.bons.signing_key.get().encode(), b"kiosk console session", hashlib.sha256
    ).digest()


def create_app(config: KioskConfig, engine: Engine, clock: Clock | None = None) -> Flask:
    console = config.console
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=session_key(config),
        SESSION_COOKIE_NAME="__Host-kiosk-console" if console.secure_cookies else "kiosk-console",
        SESSION_COOKIE_SECURE=console.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=console.session_hours),
        # the cookie is written when the login changes, "last seen" included (auth.SEEN_STEP),
        # not signed again on every request only to move its expiry
        SESSION_REFRESH_EACH_REQUEST=False,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the login
        WTF_CSRF_SSL_STRICT=console.secure_cookies,
        MAX_CONTENT_LENGTH=MAX_FORM_BYTES,
        TEMPLATES_AUTO_RELOAD=False,
    )
    if console.proxy_hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=console.proxy_hops, x_proto=console.proxy_hops,
            x_host=console.proxy_hops,
        )
    app.extensions["kiosk_fleet"] = Fleet.build(config, engine, clock or SystemClock())
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda text, **values: i18n._(text, **values),
        lambda one, many, n, **values: i18n.ngettext(one, many, n, **values),
        newstyle=False,
    )
    security.install(app, secure=console.secure_cookies)
    app.register_blueprint(auth.bp)
    app.register_blueprint(i18n.bp)
    menu = list(chain.from_iterable(m.MENU for m in MODULES))
    for module in MODULES:
        app.register_blueprint(module.bp)

    @app.before_request
    def _who() -> None:
        i18n.choose_language(console.language)
        auth.load_user()
        if not keeps_reading(request.endpoint):
            done_reading()  # the view may write: no transaction of ours stays open under it

    @app.teardown_request
    def _done(_exc: BaseException | None) -> None:
        done_reading()

    @app.context_processor
    def _page() -> dict[str, Any]:
        lang = i18n.language()
        return {
            "user": current_user(),
            "menu": visible(menu, current_user()),
            "lang": lang,
            "other_languages": [(c, i18n.LANGUAGE_NAMES[c]) for c in i18n.LANGUAGES if c != lang],
            "current_endpoint": request.endpoint,
        }

    return app
