"""Every screen fits and every touch target is at least 60 px, at the three screen shapes, with
and without larger text — the keypads included (they overflowed 1280×800 with larger text)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QPushButton, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.conftest import UiWorld
from ui.theme import MIN_TOUCH_PX
from ui.widgets import CROCKFORD, DIGITS, Keypad

SIZES = [(1920, 1080), (1080, 1920), (1280, 800)]


def set_large_text(ui: UiWorld, large: bool) -> None:
    if ui.window.theme.large_text != large:
        ui.window.toggle_large_text()


def check_fits(
    ui: UiWorld, screen: QWidget, size: tuple[int, int], what: str, *, exact: bool = True
) -> None:
    """The screen's minimum fits; with ``exact`` also its height for the screen's width (wrapped
    words), i.e. the window did not grow past the screen and every button is on it."""
    w = ui.window
    w.stack.setCurrentWidget(screen)
    ui.process_events()
    hint = w.minimumSizeHint()
    assert hint.width() <= size[0] and hint.height() <= size[1], (what, hint)
    if exact:
        assert (w.width(), w.height()) == size, (what, "the window grew past the screen")
    shown = [b for b in w.findChildren(QPushButton) if b.isVisible()]
    assert shown, what
    inside = QRect(0, 0, *size)
    for b in shown:
        assert b.height() >= MIN_TOUCH_PX and b.width() >= MIN_TOUCH_PX, (what, b.text())
        if exact:
            top_left = b.mapTo(w, b.rect().topLeft())
            assert inside.contains(QRect(top_left, b.size())), (what, b.text(), "off screen")


@pytest.mark.parametrize("large", [False, True], ids=["standard", "larger-text"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_keypad_screens_fit_with_big_keys(ui: UiWorld, size: tuple[int, int], large: bool) -> None:
    w = ui.window
    w.resize(*size)
    set_large_text(ui, large)
    for screen in (w.attract, w.identify, w.pin, w.bon):
        check_fits(ui, screen, size, f"{type(screen).__name__} {size} large={large}")
    for pad in (w.identify.keypad, w.pin.keypad, w.bon.keypad):
        assert pad.minimumSizeHint().width() <= size[0]


@pytest.mark.parametrize("large", [False, True], ids=["standard", "larger-text"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_session_screens_fit_with_big_targets(
    ui: UiWorld, size: tuple[int, int], large: bool
) -> None:
    w = ui.window
    w.resize(*size)
    set_large_text(ui, large)
    ui.login()
    ui.wait_screen(w.claims)
    # the claims list wraps long explanations: at 1280×800 its words-for-width height is the
    # claims screen's own matter; here its minimum and its targets are checked
    check_fits(ui, w.claims, size, f"claims {size} large={large}", exact=False)
    w.resize(*size)
    ui.click(w.claims.pay)
    ui.wait_screen(w.methods)
    check_fits(ui, w.methods, size, f"methods {size} large={large}")
    ui.click(w.methods.method_buttons["cash"])
    ui.wait_screen(w.cash)
    check_fits(ui, w.cash, size, f"cash {size} large={large}")
    check_fits(ui, w.bon, size, f"bon {size} large={large}")  # the bon pad during a payment


def test_the_bon_pad_closes_its_last_row_with_erase_and_ok(qtbot: QtBot) -> None:
    pad = Keypad(max_length=10, alphabet=CROCKFORD, columns=12)
    grid = pad.layout()
    assert grid.rowCount() == 3  # 32 characters + erase + OK (two cells each) = 3 × 12
    assert grid.getItemPosition(grid.indexOf(pad.ok))[:2] == (2, 10)
    assert grid.getItemPosition(grid.indexOf(pad.erase))[:2] == (2, 8)
    assert set(pad.keys) == set(CROCKFORD)
    crowded = Keypad(alphabet=CROCKFORD, columns=11)  # no room after 32 of 33: a row of its own
    assert crowded.layout().getItemPosition(crowded.layout().indexOf(crowded.ok))[0] == 3
    digits = Keypad(alphabet=DIGITS)
    assert digits.layout().getItemPosition(digits.layout().indexOf(digits.ok))[:2] == (3, 2)
    for p in (pad, crowded, digits):
        p.deleteLater()


def test_typing_on_the_bon_pad_still_gives_the_code(qtbot: QtBot) -> None:
    pad = Keypad(max_length=10, alphabet=CROCKFORD, columns=12)
    qtbot.addWidget(pad)
    pad.show()
    typed: list[str] = []
    pad.submitted.connect(typed.append)
    for key in (*"AB12Z", "erase", "Y", "ok"):
        button = getattr(pad, key) if key in ("erase", "ok") else pad.keys[key]
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert typed == ["AB12Y"]
