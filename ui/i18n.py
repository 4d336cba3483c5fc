"""Languages through Qt's translation tools: ``translate()`` in the code, ``.ts`` → ``.qm``.

English is the source language in the code; Danish is the default on screen. Plurals are two
explicit strings (the Python lupdate of PySide6 6.11 does not find ``%n`` forms reliably).
A language is a file ``ui/translations/<code>.ts``: dropping one in adds the language. ``make``
compiles the ``.qm`` files with ``pyside6-lrelease``; when a ``.qm`` is missing or older than its
``.ts`` (a fresh checkout, an installed package) it is compiled at run time into a cache folder.
Right-to-left languages say so by translating ``QT_LAYOUT_DIRECTION`` to ``RTL`` (Qt's own rule).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

import PySide6
from PySide6.QtCore import QCoreApplication, QObject, Qt, QTranslator, Signal
from PySide6.QtGui import QGuiApplication

log = logging.getLogger(__name__)

translate = QCoreApplication.translate
TRANSLATIONS = Path(__file__).with_name("translations")
SOURCE_LANGUAGE = "en"
DEFAULT_LANGUAGE = "da"


class TranslationError(RuntimeError):
    pass


def lrelease_binary() -> str | None:
    """The lrelease shipped in the PySide6 wheel, or one on PATH."""
    bundled = Path(PySide6.__file__).with_name("lrelease")
    if bundled.exists():
        return str(bundled)
    return shutil.which("pyside6-lrelease") or shutil.which("lrelease")


def compile_ts(ts: Path, qm: Path) -> Path:
    tool = lrelease_binary()
    if tool is None:
        raise TranslationError("no lrelease found (it ships with the PySide6 wheel)")
    qm.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [tool, "-silent", str(ts), "-qm", str(qm)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0 or not qm.exists():
        raise TranslationError(f"lrelease failed for {ts.name}: {result.stderr.strip()}")
    return qm


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kiosk" / "translations"


def qm_for(ts: Path) -> Path:
    """The compiled file for ``ts``: next to it when fresh, else compiled now."""
    beside = ts.with_suffix(".qm")
    if beside.exists() and beside.stat().st_mtime >= ts.stat().st_mtime:
        return beside
    target = beside if os.access(ts.parent, os.W_OK) else _cache_dir() / beside.name
    if target.exists() and target.stat().st_mtime >= ts.stat().st_mtime:
        return target
    return compile_ts(ts, target)


def available_languages(folder: Path = TRANSLATIONS) -> list[str]:
    """The source language plus one per ``.ts`` file, default first."""
    found = sorted(p.stem for p in folder.glob("*.ts"))
    langs = sorted({SOURCE_LANGUAGE, *found})
    langs.sort(key=lambda code: (code != DEFAULT_LANGUAGE, code != SOURCE_LANGUAGE, code))
    return langs


class Languages(QObject):
    """Installs one translator at a time and sets the layout direction it asks for."""

    changed = Signal(str)
    # the application has one language at a time, whichever window installed it
    _installed: QTranslator | None = None

    def __init__(self, folder: Path = TRANSLATIONS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.current = SOURCE_LANGUAGE

    def available(self) -> list[str]:
        return available_languages(self.folder)

    def switch(self, code: str) -> None:
        app = QCoreApplication.instance()
        assert app is not None
        if Languages._installed is not None:
            app.removeTranslator(Languages._installed)
            Languages._installed = None
        ts = self.folder / f"{code}.ts"
        if code != SOURCE_LANGUAGE and not ts.exists():
            raise TranslationError(f"no translation for language {code!r}")
        if ts.exists():  # the source language needs no file, but may have one
            translator = QTranslator(self)
            if not translator.load(str(qm_for(ts))):
                raise TranslationError(f"could not load the translation for {code!r}")
            app.installTranslator(translator)
            Languages._installed = translator
        self.current = code
        rtl = translate("QGuiApplication", "QT_LAYOUT_DIRECTION") == "RTL"
        QGuiApplication.setLayoutDirection(
            Qt.LayoutDirection.RightToLeft if rtl else Qt.LayoutDirection.LeftToRight
        )
        self.changed.emit(code)


def language_name(code: str) -> str:
    """Each language named in itself, so a citizen finds their own."""
    names = {"da": "Dansk", "en": "English", "de": "Deutsch", "sv": "Svenska", "ar": "العربية"}
    return names.get(code, code)
