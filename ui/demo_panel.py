"""The simulator panel beside the demo automat: a person's hands on the emulators and the FBS
simulator (coins, notes, a patron's card or health card, the card terminal, the printer's paper,
a jammed note, FBS down) and a librarian issuing a bon.

Only in demo mode. Every action runs on the panel's own worker thread (emulators write to ptys
and the bon book writes to the ledger); its outcome comes back to the GUI thread as a line of
text through a queued signal, so the automat's screen never waits for the panel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.money import Money
from ui.demo_world import COINS_ORE, NOTES_ORE, SEED_CITIZENS, CoreHands

log = logging.getLogger(__name__)


def _kr(ore: int) -> str:
    return str(Money(ore)).replace(" kr.", " kr")


class DemoPanel(QWidget):
    """``core`` returns the demo core once it is built (``None`` while it is starting)."""

    _done = Signal(str)  # worker → GUI: what the last action did

    def __init__(self, core: Callable[[], Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Demo: simulator panel")
        self._core = core
        self._hands: CoreHands | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-panel")
        self._closed = False
        self.buttons: dict[str, QPushButton] = {}
        self.pending: list[Future[Any]] = []

        root = QVBoxLayout(self)
        root.addWidget(self._group("Coins", [(f"coin {_kr(v)}", _kr(v), self._coin(v))
                                             for v in COINS_ORE]))  # fmt: skip
        root.addWidget(self._group("Notes", [(f"note {_kr(v)}", _kr(v), self._note(v))
                                             for v in NOTES_ORE]))  # fmt: skip
        root.addWidget(self._patron_group())
        root.addWidget(
            self._group(
                "Devices",
                [
                    ("decline", "Decline next card", lambda h: h.decline_next_card()),
                    ("jam", "Jam a note", lambda h: h.jam_note()),
                    ("unjam", "Clear the jam", lambda h: h.clear_jam()),
                    ("paper ok", "Paper OK", lambda h: h.set_paper("ok")),
                    ("paper near_end", "Paper near end", lambda h: h.set_paper("near_end")),
                    ("paper out", "Paper out", lambda h: h.set_paper("out")),
                ],
            )
        )
        root.addWidget(
            self._group(
                "FBS and staff",
                [
                    ("fbs down", "FBS down", lambda h: h.set_fbs_down(True)),
                    ("fbs up", "FBS up", lambda h: h.set_fbs_down(False)),
                    ("bon", "Issue a 50 kr bon", self._issue_bon),
                ],
            )
        )
        self.status = QLabel("Insert money once the automat asks for it.")
        self.status.setWordWrap(True)
        root.addWidget(self.status)
        root.addStretch(1)
        self._done.connect(self._show)

    # -- layout --------------------------------------------------------------------------------
    def _group(
        self, title: str, actions: list[tuple[str, str, Callable[[CoreHands], Any]]]
    ) -> QGroupBox:
        box = QGroupBox(title)
        grid = QGridLayout(box)
        for i, (key, text, action) in enumerate(actions):
            b = QPushButton(text)
            b.clicked.connect(lambda _=False, k=key, a=action: self.run(k, a))
            self.buttons[key] = b
            grid.addWidget(b, i // 3, i % 3)
        return box

    def _patron_group(self) -> QGroupBox:
        box = QGroupBox("Patron (seed of the FBS simulator)")
        grid = QGridLayout(box)
        self.patron = QComboBox()
        for c in SEED_CITIZENS:
            self.patron.addItem(f"{c.name} — {c.shows} — PIN {c.pin}", c)
        grid.addWidget(self.patron, 0, 0, 1, 2)
        for col, (key, text, action) in enumerate(
            [
                ("scan card", "Scan library card", lambda h: h.scan(self._citizen().card)),
                (
                    "swipe health card",
                    "Swipe health card",
                    lambda h: h.swipe_health_card(self._citizen().cpr),
                ),
            ]
        ):
            b = QPushButton(text)
            b.clicked.connect(lambda _=False, k=key, a=action: self.run(k, a))
            self.buttons[key] = b
            grid.addWidget(b, 1, col)
        return box

    def _citizen(self) -> Any:
        return self.patron.currentData()

    # -- actions -------------------------------------------------------------------------------
    @staticmethod
    def _coin(value: int) -> Callable[[CoreHands], str]:
        return lambda h: "" if h.insert_coin(value) else f"the acceptor refused {_kr(value)}"

    @staticmethod
    def _note(value: int) -> Callable[[CoreHands], str]:
        return lambda h: "" if h.insert_note(value) else f"the validator refused {_kr(value)}"

    @staticmethod
    def _issue_bon(hands: CoreHands) -> str:
        ticket = hands.issue_bon(5000)
        return f"bon issued: {ticket.short_code_display} (scan it: {ticket.qr_payload})"

    def hands(self) -> CoreHands | None:
        if self._hands is None:
            core = self._core()
            if core is not None:
                self._hands = CoreHands(core)
        return self._hands

    def run(self, key: str, action: Callable[[CoreHands], Any]) -> Future[Any] | None:
        """Do ``action`` with the hands on the panel's worker; report the outcome."""
        hands = self.hands()
        if hands is None or self._closed:
            self.status.setText("The automat is still starting.")
            return None
        # the patron is read now, on the GUI thread, not from the worker
        if key in ("scan card", "swipe health card"):
            c = self._citizen()
            action = (
                (lambda h: h.scan(c.card))
                if key == "scan card"
                else (lambda h: h.swipe_health_card(c.cpr))
            )

        def work() -> None:
            try:
                outcome = action(hands)
                text = outcome if isinstance(outcome, str) and outcome else f"{key}: done"
            except Exception as exc:  # a demo action must never take the automat down
                log.warning("demo panel %s failed: %s", key, exc)
                text = f"{key}: {exc}"
            if not self._closed:
                self._done.emit(text)

        future = self._pool.submit(work)
        self.pending = [f for f in self.pending if not f.done()] + [future]
        return future

    @Slot(str)
    def _show(self, text: str) -> None:
        self.status.setText(text)

    def shutdown(self) -> None:
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)
