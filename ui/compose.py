"""The one place the UI is wired to a built core: give it a session and its collaborators.

The lead's composition root (``kiosk/app.py`` + demo mode) calls :func:`build_automat` with the
real FBS client and devices, or the simulator and emulators; tests and the walkthrough pass fakes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer

from kiosk.config.model import CashSection, ClaimsSection
from ui.bridge import SessionBridge
from ui.i18n import Languages
from ui.window import AutomatWindow, IdleSettings

if TYPE_CHECKING:
    from kiosk.payment.session import PaymentSession
    from kiosk.payment.view import SessionView

START_DELAY_MS = 30


def build_automat(
    session: PaymentSession | Callable[[], PaymentSession],
    *,
    library_name: str,
    claims: ClaimsSection,
    cash: CashSection,
    fbs_health: Callable[[], bool] | None = None,
    print_receipt: Callable[[SessionView], Any] | None = None,
    receipts_by_core: bool = False,
    idle: IdleSettings | None = None,
    languages: Languages | None = None,
) -> AutomatWindow:
    """Run ``session`` on a session worker behind a bridge and build the window over it.

    ``session`` may be a function that builds it: it then runs on the session worker after the
    window is up, so the attract screen shows before the ledger and FBS client are ready.

    Device owners deliver events with ``window.bridge.device_listener`` (any thread); scanners and
    card readers call ``window.input_scanned(text)`` through a queued signal or
    ``QMetaObject.invokeMethod``. Call :func:`shutdown` when done.
    """
    bridge = SessionBridge()
    if not callable(session):
        bridge.attach(session)
    window = AutomatWindow(
        bridge,
        library_name=library_name,
        claims=claims,
        cash=cash,
        languages=languages or Languages(),
        idle=idle or IdleSettings(),
        fbs_health=fbs_health,
        print_receipt=print_receipt,
        receipts_by_core=receipts_by_core,
    )
    if callable(session):
        # load the core once the first screen is painted, not in a race with painting it
        factory = session

        def load() -> None:
            bridge.attach_later(factory)
            window.check_service()  # queued behind the load on the session worker

        QTimer.singleShot(START_DELAY_MS, load)
    return window


def shutdown(window: AutomatWindow) -> None:
    window.idle.stop()
    window.service_timer.stop()
    window.end_timer.stop()
    window.bridge.close()
