"""The claims screen of a crowded account (many claims, long reasons, a debt block FBS gives no
limit for, another block, claims handled by the municipality) fits every screen shape with and
without larger text: the window never grows past the screen, the list scrolls, and the summary,
the block explanation and the buttons stay on screen with targets of at least 60 px."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from kiosk.cpr import Cpr
from kiosk.domain import BlockKind, BlockReason, Claim, ClaimKind, Patron, PayableIn
from kiosk.money import Money
from tests.payment_fakes import CPR, FakeFbs
from tests.ui.conftest import UiWorld, make_world
from tests.ui.test_layout_large_text import SIZES, set_large_text
from ui.compose import shutdown
from ui.theme import MIN_TOUCH_PX

LONG = "Erstatning for bortkommet materiale: Den store danske encyklopædi, bind 1 til 20"


def crowded_claims() -> list[Claim]:
    start = date(2019, 1, 5)
    claims = []
    for n in range(14):
        payable = (PayableIn.FBS, PayableIn.DEBTOR, PayableIn.ELSEWHERE)[n % 3]
        created = start + timedelta(days=97 * n)
        if payable is PayableIn.DEBTOR:
            created = max(created, date(2020, 9, 1) + timedelta(days=n))
        kind = ClaimKind.COMPENSATION if n % 2 else ClaimKind.FEE
        reason = LONG if n % 2 else "Gebyr for sen aflevering"
        claims.append(Claim(f"c{n}", kind, Money(1250 * (n + 1)), created, payable, reason=reason))
    return claims


@pytest.fixture
def crowded(qtbot: QtBot, sqlite_engine: Engine) -> Iterator[UiWorld]:
    fbs = FakeFbs()
    blocks = (BlockReason(BlockKind.DEBT_LIMIT, "E"), BlockReason(BlockKind.EXCLUSION, "U"))
    name = "Bodil Bentsen-Kristoffersen Østergaard"
    patron = Patron("P9", name, blocks, fee_limit=None, cpr=Cpr.parse(CPR))
    fbs.add(CPR.replace("-", ""), "1234", patron, crowded_claims())
    world = make_world(qtbot, sqlite_engine, fbs=fbs)
    yield world
    shutdown(world.window)


def on_screen(w: QWidget, widget: QWidget, size: tuple[int, int]) -> bool:
    top_left = widget.mapTo(w, widget.rect().topLeft())
    return QRect(0, 0, *size).contains(QRect(top_left, widget.size()))


@pytest.mark.parametrize("large", [False, True], ids=["standard", "larger-text"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_crowded_claims_screen_never_outgrows_the_screen(
    crowded: UiWorld, size: tuple[int, int], large: bool
) -> None:
    ui, w = crowded, crowded.window
    w.resize(*size)
    set_large_text(ui, large)
    ui.login()
    ui.wait_screen(w.claims)
    ui.click(w.claims.claim_buttons["c13"])  # the newest municipality claim: all of them chosen
    ui.settle()
    screen = w.claims
    assert len(screen.claim_buttons) == 10 and len(screen.outlook.text()) > 200
    ui.process_events()
    assert (w.width(), w.height()) == size, "the window grew past the screen"
    hint = w.minimumSizeHint()
    assert hint.width() <= size[0] and hint.height() <= size[1], hint
    for part in (screen.title, screen.outlook_box, screen.covers, screen.cancel, screen.pay):
        assert part.isVisible() and on_screen(w, part, size), part.objectName() or part.text()
    assert screen.scroll.viewport().height() >= MIN_TOUCH_PX  # room to see and scroll the list
    assert screen.scroll.verticalScrollBar().maximum() > 0  # the list scrolls
    for b in (screen.cancel, screen.pay, *screen.claim_buttons.values()):
        assert isinstance(b, QPushButton)
        assert b.height() >= MIN_TOUCH_PX and b.width() >= MIN_TOUCH_PX, b.text()
    words = screen.outlook.text()
    assert "grænse" in words and "—" not in words  # no number made up for the unknown limit
