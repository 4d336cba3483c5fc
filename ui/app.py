"""Start the Qt application: the citizen's window over the payment session.

``run`` and ``demo`` drive a session of the real core (``demo``: the FBS simulator and the
device emulators, with the simulator panel beside the automat). ``--walkthrough DIR`` builds the
same demo core on a fresh ledger inside ``DIR``, plays the scripted sessions offscreen with hands
on the emulators, audits the ledger, and exits 0 only if every session ended as scripted and the
audit is clean.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.clock import Clock
    from kiosk.config import KioskConfig
    from kiosk.payment.session import PaymentSession
    from ui.watchdog import ServiceWatchdog
    from ui.window import AutomatWindow, IdleSettings

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


def stop_on_signals(app: Any, on_stop: Callable[[], None] = lambda: None) -> None:
    """systemd stops the automat with SIGTERM: ``on_stop`` (STOPPING=1), then quit the event loop
    so the core closes as ``close_automat`` does: what the session worker holds is written, the
    session in payment stays open in the ledger for recovery at the next start, exactly as after
    a crash. Python runs signal handlers only between bytecodes, so a timer wakes the
    interpreter (and runs them on the GUI thread)."""
    import signal

    from PySide6.QtCore import QTimer

    def stop(*_: object) -> None:
        on_stop()
        app.quit()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    waker = QTimer(app)
    waker.timeout.connect(lambda: None)
    waker.start(250)


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


DEMO_HINT = (
    "kiosk: no display for the demo window. Run the scripted sessions instead:\n"
    '  make demo ARGS="--walkthrough DIR"   (screenshots and a summary in DIR)\n'
    "or start it headless on purpose with QT_QPA_PLATFORM=offscreen."
)


def run_automat(config: KioskConfig, *, demo: bool, walkthrough: Path | None = None) -> int:
    from ui.qt_platform import install_message_handler, uses_xcb, xcb_problem

    if walkthrough is None and demo and not has_display() and not os.environ.get("QT_QPA_PLATFORM"):
        print(DEMO_HINT, file=sys.stderr)
        return 2
    if walkthrough is not None or not has_display():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if uses_xcb():  # before Qt, which would abort with a core dump over a missing library
        problem = xcb_problem()
        if problem is not None:
            print(problem, file=sys.stderr)
            return 2
    from PySide6.QtWidgets import QApplication

    restore_messages = install_message_handler()
    try:
        app = QApplication.instance() or QApplication([])
        if walkthrough is not None:
            return _walkthrough(app, config, walkthrough)
        return _automat(app, config, demo=demo)
    finally:
        restore_messages()


def idle_settings(config: KioskConfig) -> IdleSettings:
    """The ``[ui]`` section as the window's timers."""
    from ui.window import IdleSettings

    ui = config.ui
    return IdleSettings(
        idle_ms=ui.idle_seconds * 1000,
        countdown_s=ui.countdown_seconds,
        end_screen_ms=ui.end_screen_seconds * 1000,
        staff_idle_ms=config.staff.idle_logout_s * 1000,
    )


def automat_over_core(
    config: KioskConfig,
    *,
    demo: bool,
    idle: IdleSettings | None = None,
    clock: Clock | None = None,
) -> tuple[AutomatWindow, dict[str, Any]]:
    """The window over a core built on the session worker after the first paint. ``world``
    gets ``"core"`` once it is built; printer answers reach the receipt and end screens.
    ``clock``: the core's clock (the walkthrough's can move to the next day)."""
    from kiosk.memory import tune_malloc
    from ui.compose import build_automat
    from ui.screens.finish import PrintStatusRelay

    tune_malloc()  # before the session worker and the core's threads start
    world: dict[str, Any] = {}

    def build() -> PaymentSession:
        from kiosk.app import build_core

        world["core"] = core = build_core(config, clock, demo=demo)
        if core.receipts is not None:
            core.receipts.on_issued = relay
        core.attach_device_listener(window.bridge.device_listener)
        return core.new_session()

    window = build_automat(
        build,
        library_name=config.automat.library_name,
        claims=config.claims,
        cash=config.cash,
        fbs_health=lambda: bool(world["core"].fbs.health().ok),
        idle=idle or idle_settings(config),
        staff_desk=lambda: world["core"].staff_desk if "core" in world else None,
    )
    relay = PrintStatusRelay(window.receipt, window.ended)
    if config.ui.larger_text:
        window.toggle_large_text()
    return window, world


def close_automat(window: Any, world: dict[str, Any]) -> None:
    from PySide6.QtCore import QCoreApplication

    from ui.compose import shutdown

    shutdown(window)
    window.close()
    window.deleteLater()
    QCoreApplication.processEvents()
    if "core" in world:
        world["core"].close()


def service_watchdog(app: Any, window: AutomatWindow) -> ServiceWatchdog:
    """READY=1 once the core is loaded under the attract screen, then WATCHDOG=1 from the event
    loop while the session worker answers (``ui.watchdog``); nothing without systemd."""
    from kiosk.sd_notify import ServiceNotifier
    from ui.watchdog import ServiceWatchdog

    watchdog = ServiceWatchdog(ServiceNotifier.from_environment(), window.bridge.worker, app)
    window.bridge.loaded.connect(watchdog.ready)
    return watchdog


def _automat(app: Any, config: KioskConfig, *, demo: bool) -> int:
    """The automat over the real core: FBS, devices, ledger, receipts (demo: the simulator and
    the emulators, and the simulator panel), built on the session worker once the attract
    screen is up."""
    window, world = automat_over_core(config, demo=demo)
    window.resize(*WINDOW_SIZE)
    panel = None
    if demo:
        from ui.demo_panel import DemoPanel

        window.show()
        panel = DemoPanel(lambda: world.get("core"))
        panel.move(window.x() + WINDOW_SIZE[0] + 16, window.y())
        panel.show()
    else:
        window.showFullScreen()
    watchdog = service_watchdog(app, window)
    stop_on_signals(app, watchdog.stopping)
    try:
        return app.exec()
    finally:
        watchdog.stopping()
        if panel is not None:
            panel.shutdown()
            panel.close()
        close_automat(window, world)


def fresh_data_dir(config: KioskConfig, data: Path) -> KioskConfig:
    """``config`` on an empty SQLite ledger in ``data`` (an old one is removed first), with the
    debtor files written there too: a walkthrough never touches the configured database."""
    import shutil

    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    update: dict[str, Any] = {
        "database": config.database.model_copy(update={"url": "", "data_dir": data})
    }
    if config.debtor is not None:
        update["debtor"] = config.debtor.model_copy(update={"output_dir": data / "debtor-outgoing"})
    return config.model_copy(update=update)


def _walkthrough(app: Any, config: KioskConfig, out: Path) -> int:
    """The scripted sessions over the demo core, on a fresh ledger in ``out/data``, with a clock
    the scripts can move to the next day."""
    from kiosk.clock import OffsetClock
    from kiosk.ledger.audit import run_audit
    from ui.demo_world import CoreHands
    from ui.walkthrough import run_walkthrough
    from ui.window import IdleSettings

    out.mkdir(parents=True, exist_ok=True)
    config = fresh_data_dir(config, out / "data")
    window, world = automat_over_core(
        config, demo=True, idle=IdleSettings(service_check_ms=600_000), clock=OffsetClock()
    )
    window.resize(*WINDOW_SIZE)
    window.show()
    try:
        if not wait_for_core(window, 60):
            print("kiosk: the core did not start", file=sys.stderr)
            return 1
        core = world["core"]
        ok = run_walkthrough(window, CoreHands(core), out, audit=lambda: run_audit(core.engine))
        return 0 if ok else 1
    finally:
        close_automat(window, world)
