"""Staff and technician screens fit every screen shape, in both languages, with standard and
larger text: the window stays the screen's size, every button is at least 60 px and on screen,
and no button's words are cut (the technician's function grid cut four of its eleven labels at
1280×800 in Danish)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from kiosk.cashbox import CashBoxes
from kiosk.config import load_config
from kiosk.debtor.delivery import FolderDelivery
from kiosk.debtor.exporter import Exporter
from kiosk.debtor.profile import load_profile
from kiosk.devices import DeviceSet
from kiosk.money import Money
from kiosk.staff.technician import TechnicianDesk
from tests.payment_fakes import AUTOMAT
from tests.ui.staff_rig import ADMIN_PIN, StaffWorld, staff_world
from tests.ui.test_layout_all_screens import in_scroll_area
from tests.ui.test_layout_large_text import SIZES, set_large_text
from tests.ui.test_staff_cashbox import BOXES, citizen_pays_cash
from tests.ui.test_staff_followup import refused_registration
from ui.compose import shutdown
from ui.theme import MIN_TOUCH_PX

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def admin(qtbot: QtBot, sqlite_engine: Engine, tmp_path: Path) -> Iterator[StaffWorld]:
    """An administrator, who sees every entry of the menu, on the menu; the technician's desk
    has a card terminal and a debtor export, so every function button shows; there are cash
    boxes with money, a payment on the follow-up list and bons outstanding to list."""
    world = staff_world(qtbot, sqlite_engine)
    ui = world.ui
    world.desk.cash_boxes = CashBoxes(sqlite_engine, AUTOMAT, ui.rig.clock, BOXES)
    citizen_pays_cash(world)
    refused_registration(world)
    for kr in (50, 1000):
        world.bons.issue(Money.kr(kr), "17")
    world.desk.technician = TechnicianDesk(
        sqlite_engine, ui.rig.clock, AUTOMAT,
        devices=DeviceSet(terminal=ui.terminal, printer=ui.printer), printer=ui.rig.receipts,
        exporter=Exporter(sqlite_engine, AUTOMAT, load_profile(REPO / "config/debtor/opus.toml"),
                          tmp_path / "spool", FolderDelivery(tmp_path / "out"), ui.rig.clock),
        config=load_config(REPO / "config" / "demo.toml"), library_name="Testbibliotek",
    )
    world.logged_in("50", ADMIN_PIN)
    yield world
    shutdown(world.w)


def problems(world: StaffWorld, size: tuple[int, int], what: str) -> list[str]:
    w = world.w
    found = []
    if (w.width(), w.height()) != size:
        found.append(f"{what}: the window grew to {w.width()}×{w.height()}")
    screen = QRect(0, 0, *size)
    for b in (b for b in w.findChildren(QPushButton) if b.isVisible() and b.text()):
        if b.height() < MIN_TOUCH_PX or b.width() < MIN_TOUCH_PX:
            found.append(f"{what}: {b.text()!r} is {b.width()}×{b.height()}")
        # the words as drawn (a WrapButton's on its lines): what Qt's own button asks for them
        need = QPushButton.sizeHint(b)
        if b.width() < need.width() or b.height() < need.height():
            found.append(f"{what}: {b.text()!r} cut ({b.width()}×{b.height()} < {need.width()}"
                         f"×{need.height()})")
        where = QRect(b.mapTo(w, b.rect().topLeft()), b.size())
        if not in_scroll_area(b) and not screen.contains(where):
            found.append(f"{what}: {b.text()!r} not fully on screen")
    return found


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("large", [False, True], ids=["standard", "larger-text"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_staff_screen_fits_with_its_words_whole(
    admin: StaffWorld, size: tuple[int, int], large: bool, language: str
) -> None:
    w, ui = admin.w, admin.ui
    w.resize(*size)
    set_large_text(ui, large)
    w.choose_language(language)
    found: list[str] = []
    for screen in w.staff.screens:
        if screen is w.staff.login:
            continue  # shown before anyone is logged in: the citizen screens' keypad checks
        w.staff.open(screen)
        for _ in range(5):  # the screen's lists come from the desk through the worker
            ui.settle()
            ui.qtbot.wait(20)
        w.resize(*size)  # what a full-screen window gets: no more than the screen
        ui.process_events()
        found += problems(admin, size, f"{type(screen).__name__} {size} large={large} {language}")
    w.staff.show_menu()
    assert not found, "\n".join(found)
