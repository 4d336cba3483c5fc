"""A fee FBS sent that the automat could not read (issue 13 item 4): the citizen still sees every
readable claim and can pay them; the unreadable one says "ask the staff", with no amount and no
button; the block explanation does not pretend to know what paying changes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from kiosk.domain import Claim, PayableIn
from kiosk.payment.states import State
from tests.payment_fakes import CPR, FakeFbs, debt_blocked_patron, mixed_claims
from tests.ui.conftest import UiWorld, make_world
from ui.compose import shutdown

UNREADABLE = Claim.unreadable(
    "150", created=date(2019, 8, 1), payable_in=PayableIn.FBS, reason="Erstatning: Ærø-bogen"
)


@pytest.fixture
def world(qtbot: QtBot, sqlite_engine: Engine) -> Iterator[UiWorld]:
    fbs = FakeFbs()
    fbs.add(CPR.replace("-", ""), "1234", debt_blocked_patron(), [*mixed_claims(), UNREADABLE])
    w = make_world(qtbot, sqlite_engine, fbs)
    yield w
    shutdown(w.window)


def test_readable_claims_are_payable_and_the_unreadable_one_asks_for_the_staff(
    world: UiWorld,
) -> None:
    world.login()
    screen = world.window.claims
    world.wait_screen(screen)
    assert set(screen.claim_buttons) == {"101", "102", "201", "202", "203"}
    words = [lbl.text() for lbl in screen.scroll.widget().findChildren(QLabel)]
    (row,) = [t for t in words if "Ærø-bogen" in t]
    assert "Spørg personalet" in row and "kr" not in row  # no amount, not even 0 kr
    assert "<b>Spørg personalet</b>" in words
    outlook = screen.outlook.text()
    assert "kunne ikke læses" in outlook and "skylder mere end bibliotekets grænse" in outlook
    assert "ophæves" not in outlook  # nobody can promise that paying lifts the block
    world.click(screen.pay)  # everything payable is chosen at first: the unreadable one is not
    world.wait_state(State.CHOOSING_TENDER)
    covered = [c.id for c in world.view.selection.covers()]
    assert covered == ["101", "102", "201", "202", "203"]
