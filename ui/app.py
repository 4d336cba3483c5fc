"""Start the Qt application: the citizen's window over the payment session.

``run`` and ``demo`` drive a session of the real core (``demo``: the FBS simulator and the
device emulators). ``--walkthrough DIR`` runs the scripted sessions offscreen on the stop-gap fake
world (:mod:`ui.demo_world`) and exits 0 only if each ended as scripted.
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


def stop_on_signals(app: Any) -> None:
    """systemd stops the automat with SIGTERM: quit the event loop so the core closes cleanly.
    Python runs signal handlers only between bytecodes, so a timer wakes the interpreter."""
    import signal

    from PySide6.QtCore import QTimer

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: app.quit())
    waker = QTimer(app)
    waker.timeout.connect(lambda: None)
    waker.start(250)


def run_automat(config: KioskConfig, *, demo: bool, walkthrough: Path | None = None) -> int:
    if walkthrough is not None or not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    if walkthrough is not None:
        return _walkthrough(app, config, walkthrough)
    return _automat(app, config, demo=demo)


def _automat(app: Any, config: KioskConfig, *, demo: bool) -> int:
    """The automat over the real core: FBS, devices, ledger, receipts (demo: the simulator and
    the emulators), built on the session worker once the attract screen is up."""
    from ui.compose import build_automat, shutdown

    world: dict[str, Any] = {}

    def build() -> PaymentSession:
        from kiosk.app import build_core

        world["core"] = core = build_core(config, demo=demo)
        core.attach_device_listener(window.bridge.device_listener)
        return core.new_session()

    window = build_automat(
        build,
        library_name=config.automat.library_name,
        claims=config.claims,
        cash=config.cash,
        fbs_health=lambda: bool(world["core"].fbs.health().ok),
        receipts_by_core=True,
    )
    window.resize(*WINDOW_SIZE)
    if demo:
        window.show()
    else:
        window.showFullScreen()
    stop_on_signals(app)
    try:
        return app.exec()
    finally:
        shutdown(window)
        window.close()
        window.deleteLater()
        app.processEvents()
        if "core" in world:
            world["core"].close()


def _walkthrough(app: Any, config: KioskConfig, out: Path) -> int:
    """Scripted sessions on the stop-gap fake world, on a throw-away ledger (never the
    configured one: the fakes' payments must not reach a real outbox)."""
    import tempfile

    from ui.compose import build_automat, shutdown
    from ui.walkthrough import run_walkthrough
    from ui.window import IdleSettings

    world: dict[str, Any] = {}
    scratch = tempfile.TemporaryDirectory(prefix="kiosk-walkthrough-")
    config = config.model_copy(
        update={
            "database": config.database.model_copy(
                update={"url": "", "data_dir": Path(scratch.name)}
            )
        }
    )

    def build() -> PaymentSession:
        from ui.demo_world import fake_session

        session, world["hands"] = fake_session(config)
        world["engine"] = session.ledger.engine
        for acceptor in session.devices.acceptors:
            acceptor.sink = window.bridge.device_listener
        return session

    window = build_automat(
        build,
        library_name=config.automat.library_name,
        claims=config.claims,
        cash=config.cash,
        fbs_health=lambda: world["hands"].fbs.health().ok,
        print_receipt=None,  # no printer in the fake world: the receipt is shown on screen
        idle=IdleSettings(service_check_ms=10_000),
    )
    window.resize(*WINDOW_SIZE)
    window.show()
    try:
        if not wait_for_core(window, 60):
            print("kiosk: the core did not start", file=sys.stderr)
            return 1
        return 0 if run_walkthrough(window, world["hands"], out) else 1
    finally:
        shutdown(window)
        window.close()
        window.deleteLater()
        app.processEvents()
        if "engine" in world:
            world["engine"].dispose()
        scratch.cleanup()
