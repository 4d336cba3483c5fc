"""Languages (Danish default, English, drop-in files, right-to-left) and the three screen shapes."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from kiosk.fbs.port import FbsErrorReason
from kiosk.payment.states import State
from tests.ui.conftest import UiWorld
from ui.i18n import TRANSLATIONS, Languages
from ui.messages import GENERIC, MESSAGES, message_for
from ui.theme import MIN_TOUCH_PX

UI = Path(__file__).resolve().parents[2] / "ui"


def test_danish_is_the_default_and_english_is_one_touch_away(ui: UiWorld) -> None:
    w = ui.window
    assert w.languages.current == "da"
    assert w.attract.title.text() == "Betal mellemværender med biblioteket her"
    ui.click(w.attract.language_buttons["en"])
    assert w.attract.title.text() == "Pay library fees here"
    assert w.attract.language_buttons["en"].text().startswith("✓")
    ui.login()
    ui.wait_screen(w.claims)
    assert w.claims.pay.text() == "Pay 97,30 kr"
    ui.click(w.language_button)  # switch mid-session: the shown screen is redrawn at once
    assert w.languages.current == "da"
    assert w.claims.pay.text() == "Betal 97,30 kr"
    assert "Kan betales her" in " ".join(
        lbl.text() for lbl in w.claims.scroll.widget().findChildren(type(w.claims.who))
    )


def test_the_next_citizen_gets_danish_again(ui: UiWorld) -> None:
    ui.click(ui.window.attract.language_buttons["en"])
    ui.click(ui.window.attract.start)
    ui.wait_screen(ui.window.identify)
    ui.click(ui.window.identify.cancel)
    ui.wait_screen(ui.window.ended)
    ui.click(ui.window.ended.finish)
    ui.wait_state(State.IDLE)
    assert ui.window.languages.current == "da"


def test_danish_translation_is_complete_and_matches_the_code(tmp_path: Path) -> None:
    beside_python = Path(sys.executable).parent / "pyside6-lupdate"
    lupdate = str(beside_python) if beside_python.exists() else shutil.which("pyside6-lupdate")
    if lupdate is None:
        pytest.skip("pyside6-lupdate not found")
    fresh = tmp_path / "da.ts"
    shutil.copy(TRANSLATIONS / "da.ts", fresh)
    sources = sorted(str(p) for p in UI.rglob("*.py"))
    out = subprocess.run(
        # obsolete entries kept: one lupdate cannot find in the code (a string behind a helper
        # it does not know, like a local ``t()``) is "vanished", and fails the check below
        [lupdate, *sources, "-locations", "none", "-ts", str(fresh)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "0 new" in out, f"strings in the code missing from da.ts: {out}"
    tree = ET.parse(fresh)
    unfinished = [
        m.findtext("source")
        for m in tree.iter("message")
        if m.find("translation").get("type") in ("unfinished", "obsolete", "vanished")
        or not (m.findtext("translation") or m.find("translation").findall("numerusform"))
    ]
    assert unfinished == []


def test_every_session_message_key_has_friendly_words() -> None:
    keys = {
        "checking", "wrong_pin", "too_many_pin_attempts", "nothing_selected",
        "selection_committed", "card_unavailable", "card_declined", "card_aborted",
        "card_checking", "card_unknown", "cash_rejected", "note_too_large", "bon_invalid",
        "bon_partial", "bon_forged", "bon_expired", "bon_voided", "bon_used", "bon_unknown",
        "settlement_failed", "bon_not_card", "bon_log_in_first", "bon_when_paying", "bon_not_taken",
        *(r.value for r in FbsErrorReason),
    }  # fmt: skip
    assert keys <= set(MESSAGES)
    assert message_for("something_new") is GENERIC and message_for("") is None
    for m in MESSAGES.values():
        assert m.shown()[0] in "ℹ⚠✕✓"  # an icon and words, never colour alone


def pseudo_rtl(tmp_path: Path) -> Path:
    """A right-to-left pseudo-translation of da.ts: every text reversed inside RLE/PDF marks."""
    tree = ET.parse(TRANSLATIONS / "da.ts")
    for m in tree.iter("message"):
        source = m.findtext("source") or ""
        t = m.find("translation")
        for child in list(t):
            t.remove(child)
        t.attrib.clear()
        if m.get("numerus") == "yes":
            for _ in range(2):
                ET.SubElement(t, "numerusform").text = "\u202b" + source + "\u202c"
        elif source == "QT_LAYOUT_DIRECTION":
            t.text = "RTL"
        else:
            t.text = "\u202b" + source.upper() + "\u202c"
    folder = tmp_path / "translations"
    folder.mkdir()
    tree.write(folder / "ar.ts", encoding="utf-8", xml_declaration=True)
    shutil.copy(TRANSLATIONS / "da.ts", folder / "da.ts")
    return folder


def test_right_to_left_language_mirrors_the_layout(ui: UiWorld, tmp_path: Path) -> None:
    languages = Languages(pseudo_rtl(tmp_path))
    assert "ar" in languages.available()  # a dropped-in file is a new language
    try:
        languages.switch("ar")
        assert QApplication.layoutDirection() == Qt.LayoutDirection.RightToLeft
        ui.window.retranslate_all()
        assert ui.window.attract.title.text().startswith("\u202bPAY LIBRARY FEES")
        ui.click(ui.window.attract.start)
        ui.wait_screen(ui.window.identify)
        keys = ui.window.identify.keypad.keys
        # "1" sits at the right of "3" when the layout runs right to left
        assert (
            keys["1"].mapTo(ui.window, keys["1"].rect().center()).x()
            > keys["3"].mapTo(ui.window, keys["3"].rect().center()).x()
        )
    finally:
        languages.switch("en")
    assert QApplication.layoutDirection() == Qt.LayoutDirection.LeftToRight


def visible_buttons(widget: QWidget) -> list[QPushButton]:
    return [b for b in widget.findChildren(QPushButton) if b.isVisible()]


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920), (1280, 800)])
def test_every_screen_fits_and_has_big_targets(ui: UiWorld, size: tuple[int, int]) -> None:
    w = ui.window
    w.resize(*size)
    # larger text is checked where it has room; at 1280×800 the standard size is the one to fit
    for large in (False, True) if size[1] >= 1080 else (False,):
        if large != w.theme.large_text:
            w.toggle_large_text()
        shown = []
        ui.login()
        ui.wait_screen(w.claims)
        shown.append(w.claims)
        ui.click(w.claims.pay)
        ui.wait_screen(w.methods)
        shown.append(w.methods)
        ui.click(w.methods.method_buttons["cash"])
        ui.wait_screen(w.cash)
        shown.append(w.cash)
        for screen in shown:
            w.stack.setCurrentWidget(screen)
            ui.process_events()
            assert w.minimumSizeHint().height() <= size[1], (screen, large)
            assert w.minimumSizeHint().width() <= size[0], (screen, large)
            for b in visible_buttons(w):
                assert b.height() >= MIN_TOUCH_PX and b.width() >= MIN_TOUCH_PX, b.text()
        w.stack.setCurrentWidget(w.cash)
        ui.click(w.cash.cancel)
        ui.wait_screen(w.ended)
        ui.click(w.ended.finish)
        ui.wait_screen(w.attract)
    if w.theme.large_text:
        w.toggle_large_text()
    for screen in (w.attract, w.identify, w.pin, w.bon):
        w.stack.setCurrentWidget(screen)
        ui.process_events()
        assert w.minimumSizeHint().height() <= size[1], screen
        for b in visible_buttons(w):
            assert b.height() >= MIN_TOUCH_PX, b.text()
