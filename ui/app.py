"""Start the Qt application: the citizen's window over the payment session.

``demo`` runs on the stop-gap fake world (:mod:`ui.demo_world`); ``--walkthrough DIR`` runs the
scripted sessions offscreen and exits 0 only if each ended as scripted. ``run`` needs the real FBS
client and devices from the composition root, which do not exist yet: it says so and exits 1.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from kiosk.app import build_core
from kiosk.config import KioskConfig

WINDOW_SIZE = (1280, 800)


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
    from ui.demo_world import fake_session

    core = build_core(config)
    app = QApplication.instance() or QApplication([])
    session, hands = fake_session(core)
    window = build_automat(
        session,
        library_name=config.automat.library_name,
        claims=config.claims,
        cash=config.cash,
        fbs_health=lambda: session.fbs.health().ok,
        print_receipt=None,  # the receipt printer is wired with the devices (shown on screen)
        idle=IdleSettings(service_check_ms=10_000),
    )
    for acceptor in session.devices.acceptors:
        acceptor.sink = window.bridge.device_listener
    window.resize(*WINDOW_SIZE)
    window.show()
    try:
        if walkthrough is not None:
            from ui.walkthrough import run_walkthrough

            ok = run_walkthrough(window, hands, walkthrough)
            return 0 if ok else 1
        return app.exec()
    finally:
        shutdown(window)
        window.close()
        window.deleteLater()
        app.processEvents()
        core.engine.dispose()
