"""Start the Qt application: the citizen's window over the payment session.

``demo`` runs on the stop-gap fake world (:mod:`ui.demo_world`); ``--walkthrough DIR`` runs the
scripted sessions offscreen and exits 0 only if each ended as scripted. ``run`` needs the real FBS
client and devices from the composition root, which do not exist yet: it says so and exits 1.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.config import KioskConfig
    from kiosk.payment.session import PaymentSession

WINDOW_SIZE = (1280, 800)


def wait_for_core(window: Any, timeout_s: float) -> bool:
    """Let the event loop run until the session is attached (it loads after the first paint)."""
    import time

    from PySide6.QtCore import QCoreApplication

    deadline = time.monotonic() + timeout_s
    while window.bridge.session is None and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.005)
    return window.bridge.session is not None


def run_automat(config: KioskConfig, *, demo: bool, walkthrough: Path | None = None) -> int:
    if walkthrough is not None or not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from ui.compose import build_automat, shutdown
    from ui.window import IdleSettings

    if not demo:
        print(
            "kiosk: the real FBS client and devices are not wired into the automat yet; "
            "use 'kiosk demo'",
            file=sys.stderr,
        )
        return 1
    app = QApplication.instance() or QApplication([])
    world: dict[str, Any] = {}

    def build() -> PaymentSession:
        """On the session worker, after the attract screen is up."""
        from kiosk.app import build_core
        from ui.demo_world import fake_session

        world["core"] = core = build_core(config)
        session, world["hands"] = fake_session(core)
        for acceptor in session.devices.acceptors:  # `window` is bound by the time events come
            acceptor.sink = lambda event: window.bridge.device_listener(event)
        return session

    window = build_automat(
        build,
        library_name=config.automat.library_name,
        claims=config.claims,
        cash=config.cash,
        fbs_health=lambda: world["hands"].fbs.health().ok,
        print_receipt=None,  # the receipt printer is wired with the devices (shown on screen)
        idle=IdleSettings(service_check_ms=10_000),
    )
    window.resize(*WINDOW_SIZE)
    window.show()
    try:
        if walkthrough is not None:
            from ui.walkthrough import run_walkthrough

            if not wait_for_core(window, 60):
                print("kiosk: the core did not start", file=sys.stderr)
                return 1
            return 0 if run_walkthrough(window, world["hands"], walkthrough) else 1
        return app.exec()
    finally:
        shutdown(window)
        window.close()
        window.deleteLater()
        app.processEvents()
        if "core" in world:
            world["core"].engine.dispose()
