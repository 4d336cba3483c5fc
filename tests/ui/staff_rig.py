"""Staff mode's world for the UI tests: the automat's window over a session of the fakes on a
ledger, with staff accounts (a clerk, a technician, an administrator), the bon book and the
staff desk the core builds, and a member of staff's fingers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select

from kiosk.bons import BonBook, BonSigner
from kiosk.clock import FakeClock
from kiosk.ledger.models import AuditEntry, Bon, CitizenSession, StaffAccount, Tender
from kiosk.money import Money
from kiosk.payment.states import State
from kiosk.staff.accounts import Actor, StaffBook
from kiosk.staff.desk import StaffDesk
from tests.payment_fakes import AUTOMAT, BON_SIGNING_KEY
from tests.ui.conftest import WAIT_MS, UiWorld, make_world
from ui.window import AutomatWindow, IdleSettings

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
CLERK_CARD = "7000017"
CLERK_PIN = "2468"
TECH_PIN = "1357"
ADMIN_PIN = "9753"


@dataclass
class StaffWorld:
    ui: UiWorld
    book: StaffBook
    desk: StaffDesk
    bons: BonBook

    @property
    def w(self) -> AutomatWindow:
        return self.ui.window

    def tables(self) -> tuple[list, ...]:
        """Everything staff mode could change in the ledger, bar the audit log."""
        with self.ui.engine.connect() as conn:
            return tuple(
                [tuple(r) for r in conn.execute(select(model).order_by(model.id))]
                for model in (Bon, Tender, CitizenSession, StaffAccount)
            )

    def audit(self, action: str) -> list[dict]:
        with self.ui.engine.connect() as conn:
            rows = conn.execute(select(AuditEntry).where(AuditEntry.action == action)).all()
        return [r.details for r in rows]

    def type_in(self, keypad: object, text: str) -> None:
        for ch in text:
            self.ui.click(keypad.keys[ch])  # type: ignore[attr-defined]
        self.ui.click(keypad.ok)  # type: ignore[attr-defined]

    def long_press(self) -> None:
        corner = self.w.attract.staff_corner
        self.ui.qtbot.mousePress(corner, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
        self.ui.wait_state(State.STAFF_LOGIN)
        self.ui.qtbot.mouseRelease(corner, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))

    def log_in(self, number: str = "17", pin: str = CLERK_PIN) -> None:
        self.long_press()
        self.ui.wait_screen(self.w.staff.login)
        self.type_in(self.w.staff.login.keypad, number)
        self.type_in(self.w.staff.login.keypad, pin)

    def logged_in(self, number: str = "17", pin: str = CLERK_PIN) -> None:
        self.log_in(number, pin)
        self.ui.wait_screen(self.w.staff.menu)

    def open(self, key: str) -> None:
        self.ui.click(self.w.staff.menu.entry_buttons[key])

    def banner(self, screen: object) -> str:
        return screen.banner.text()  # type: ignore[attr-defined]

    def wait_banner(self, screen: object, text: str) -> None:
        self.ui.qtbot.waitUntil(lambda: text in self.banner(screen), timeout=WAIT_MS)


def staff_world(
    qtbot: QtBot, engine: Engine, idle: IdleSettings | None = None, **desk_options: Any
) -> StaffWorld:
    """``desk_options``: the desk's keywords (``cash_boxes``, ``technician``, …)."""
    clock = FakeClock()
    bons = BonBook(engine, BonSigner(BON_SIGNING_KEY), clock, AUTOMAT, max_amount=Money.kr(1000))
    book = StaffBook(engine, clock, AUTOMAT, BON_SIGNING_KEY, hasher=FAST)
    system = Actor("os:test", "system")
    book.add("17", "Sofie Skranke", "staff", CLERK_PIN, by=system, card=CLERK_CARD)
    book.add("30", "Tom Tekniker", "technician", TECH_PIN, by=system)
    book.add("50", "Anne Admin", "administrator", ADMIN_PIN, by=system)
    holder: dict[str, StaffDesk] = {}
    ui = make_world(
        qtbot,
        engine,
        idle=idle,
        rig_options={"clock": clock, "bons": bons, "staff": book},
        staff_desk=_Late(holder),
    )
    assert ui.rig.receipts is not None
    holder["desk"] = desk = StaffDesk(
        engine, clock, AUTOMAT, bons, ui.rig.receipts, library_name="Testbibliotek",
        **desk_options,
    )
    return StaffWorld(ui, book, desk, bons)


class _Late:
    """The desk, built once the rig's receipt service exists (as the core builds it)."""

    def __init__(self, holder: dict[str, StaffDesk]) -> None:
        self.holder = holder

    def __getattr__(self, name: str) -> object:
        return getattr(self.holder["desk"], name)


def open_technician(world: StaffWorld) -> Any:
    """Technician 30 logged in, on the technician screen (a ``TechnicianScreen``)."""
    world.logged_in("30", TECH_PIN)
    world.open("technician")
    screen = world.w.staff.technician
    world.ui.wait_screen(screen)
    return screen


def shown(world: StaffWorld, screen: Any, words: str) -> None:
    world.ui.qtbot.waitUntil(lambda: words in screen.text.text(), timeout=WAIT_MS)
