"""Ledger-fault episodes, as the running session sees them: the ledger cannot record its own
failure to write, so this is the one figure the metrics count from the session, not the ledger."""

from __future__ import annotations

import threading

from kiosk.payment.session import PaymentSession
from kiosk.payment.states import State
from kiosk.payment.view import SessionView


class SessionWatch:
    """Told every view of each session (on the session worker); read from the scrape thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.episodes = 0  # times a session went out of order since the start
        self.in_fault = False  # out of order now: a money write is held in memory

    def attach(self, session: PaymentSession) -> None:
        session.listeners.append(self.on_view)

    def on_view(self, view: SessionView) -> None:
        in_fault = view.state is State.LEDGER_FAULT
        with self._lock:
            if in_fault and not self.in_fault:
                self.episodes += 1
            self.in_fault = in_fault
