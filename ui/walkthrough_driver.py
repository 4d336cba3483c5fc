"""The walkthrough's hands and eyes: :class:`Driver` clicks the real window as a person would,
waits for what the screen shows, and saves a screenshot per step; :class:`DemoHands` is what it
needs of the world around the automat (``ui.demo_world.CoreHands``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication, QEventLoop
from PySide6.QtWidgets import QPushButton

from kiosk.payment.states import State
from ui.widgets import Keypad
from ui.window import AutomatWindow

WAIT_S = 30.0  # generous: a shared 2-core machine, and a card payment over the ZVT emulator


class DemoHands(Protocol):
    """What the walkthrough needs from the world around the automat (see
    :class:`ui.demo_world.CoreHands`: the emulators, the simulator and the bon book of a demo
    core)."""

    def insert_coin(self, value_ore: int) -> bool: ...
    def insert_note(self, value_ore: int) -> bool: ...
    def scan(self, code: str) -> None: ...
    def swipe_health_card(self, cpr: str) -> None: ...
    def set_paper(self, status: str) -> None: ...
    def cash_ready(self) -> bool: ...
    def devices_up(self) -> bool: ...
    def issue_bon(self, value_ore: int) -> Any:
        """A staff bon (a ``BonTicket``: ``qr_payload``, ``short_code``)."""
        ...

    def set_fbs_down(self, down: bool) -> None: ...
    def set_year_end(self, on: bool) -> None:
        """FBS refuses every payment (no account period for the year)."""
        ...

    def next_day(self) -> None:
        """The automat's clock moves a day on."""
        ...

    def days_pass(self, days: int) -> None: ...
    def fbs_retry_days(self) -> int:
        """How many days after the payment a registration FBS refused is asked again."""
        ...

    def retry_fbs_now(self) -> None:
        """The FBS outbox worker's round now."""
        ...

    def follow_up_states(self) -> list[str]: ...
    def demo_staff(self) -> tuple[str, str, str]:
        """A member of staff of the demo ledger (made if missing): number, PIN, staff card."""
        ...

    def demo_technician(self) -> tuple[str, str, str]:
        """A technician of the demo ledger (made if missing): number, PIN, staff card."""
        ...


class WalkthroughError(RuntimeError):
    pass


@dataclass
class Driver:
    window: AutomatWindow
    hands: DemoHands
    out: Path
    shots: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    script: str = ""

    def note(self, text: str) -> None:
        """A line for the summary: what the citizen saw that the end state does not say."""
        self.notes.append(" ".join(text.split()))

    def wait(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT_S
        while not condition():
            if time.monotonic() > deadline:
                raise WalkthroughError(f"timed out waiting for {what}")
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.002)

    @property
    def state(self) -> State:
        snap = self.window.snapshot
        return snap.view.state if snap else State.IDLE

    def wait_state(self, state: State) -> None:
        self.wait(lambda: self.state is state, f"state {state.value}")

    def wait_screen(self, screen: object) -> None:
        self.wait(lambda: self.window.stack.currentWidget() is screen, type(screen).__name__)

    def insert(self, kind: str, value_ore: int) -> None:
        """A coin or note, tried again (as a citizen does) while the acceptor is still being
        enabled and hands it back."""
        insert = self.hands.insert_coin if kind == "coin" else self.hands.insert_note
        deadline = time.monotonic() + WAIT_S
        while not insert(value_ore):
            if time.monotonic() > deadline:
                raise WalkthroughError(f"the {kind} acceptor did not take {value_ore} øre")
            retry = time.monotonic() + 0.1  # not faster than a hand
            while time.monotonic() < retry:
                QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
                time.sleep(0.005)

    def click(self, b: QPushButton) -> None:
        if not (b.isVisible() and b.isEnabled()):
            raise WalkthroughError(f"button {b.text()!r} cannot be pressed now")
        b.click()
        QCoreApplication.processEvents()

    def type(self, keypad: Keypad, text: str) -> None:
        for char in text:
            self.click(keypad.keys[char])

    def shot(self, name: str) -> None:
        for _ in range(3):  # and the layouts that new words ask for once laid out (WordsArea)
            QCoreApplication.processEvents()
        target = self.out / f"{len(self.shots) + 1:02d}-{self.script}-{name}.png"
        if not self.window.grab().save(str(target)):
            raise WalkthroughError(f"could not write {target}")
        self.shots.append(target.name)
