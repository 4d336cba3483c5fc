"""Danish and English pages. The templates and the code are written in English, marked with
``_()``; ``translations/da/*.po`` hold the Danish, one file per part of the console (a test checks
that every marked text has one). The catalogues are read with Babel and compiled in memory when
the console starts, so there is no build step and no compiled file to forget."""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Blueprint, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

LANGUAGES = ("da", "en")
LANGUAGE_NAMES = {"da": "Dansk", "en": "English"}
CATALOGUES = Path(__file__).parent / "translations"

bp = Blueprint("i18n", __name__)


def N_(text: str) -> str:
    """Marks a text for translation where it is defined (menus, messages); ``_()`` shows it."""
    return text


@cache
def translations(language: str) -> NullTranslations:
    merged: NullTranslations = NullTranslations()
    for path in sorted((CATALOGUES / language).glob("*.po")):
        with path.open("rb") as f:
            catalog = read_po(f, locale=language)
        compiled = BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        part = Translations(compiled)
        if isinstance(merged, Translations):
            merged.merge(part)
        else:
            merged = part
    return merged


def language() -> str:
    return str(g.get("lang", "da"))


def catalogue() -> NullTranslations:
    """This request's catalogue, for a page that translates many texts in one pass."""
    return translations(language())


def _(text: str, **values: object) -> str:
    """``text`` in the page's language, with ``%(name)s`` filled in from ``values``."""
    translated = translations(language()).gettext(text)
    return translated % values if values else translated


def ngettext(singular: str, plural: str, n: int, **values: object) -> str:
    translated = translations(language()).ngettext(singular, plural, n)
    return translated % {"num": n, **values}


def choose_language(default: str) -> None:
    """The language for this request: the user's choice (kept in the session), else the
    configured one."""
    chosen = session.get("lang")
    g.lang = chosen if chosen in LANGUAGES else default


@bp.get("/language/<code>")
def switch(code: str) -> Response:
    """Switch the pages' language and go back where the user was (a local path only)."""
    if code in LANGUAGES:
        session["lang"] = code
    back = request.args.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = url_for("home.index")
    return redirect(back)
