"""The one place the UI is wired to a session: give it a session (or a function that builds one)
and the settings its screens show.

``ui.app.automat_over_core`` passes a function that builds the core (``kiosk.app.build_core``)
and returns ``core.new_session()``; the core's ``ReceiptService`` prints after settlement and
tells the receipt and end screens each printer answer through ``ui.screens.finish.
PrintStatusRelay``. The UI tests build the same session over in-memory fakes
(``tests/payment_fakes.session_rig``).
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

START_DELAY_MS = 30


def build_automat(
    session: PaymentSession | Callable[[], PaymentSession],
    *,
    library_name: str,
    claims: ClaimsSection,
    cash: CashSection,
    fbs_health: Callable[[], bool] | None = None,
    idle: IdleSettings | None = None,
    languages: Languages | None = None,
    staff_desk: Callable[[], Any] | None = None,
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
        staff_desk=staff_desk,
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
