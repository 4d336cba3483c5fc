"""Start the Qt application. Until the citizen UI lands, this shows a placeholder window."""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.app import build_core
from kiosk.config import KioskConfig


def run_automat(config: KioskConfig, *, demo: bool, walkthrough: Path | None = None) -> int:
    if walkthrough is not None or not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from ui.placeholder import PlaceholderWindow

    core = build_core(config)
    app = QApplication.instance() or QApplication([])
    window = PlaceholderWindow(config.automat.library_name, demo=demo)
    window.resize(1280, 800)
    if walkthrough is not None:
        walkthrough.mkdir(parents=True, exist_ok=True)
        window.show()
        app.processEvents()
        target = walkthrough / "00-placeholder.png"
        if not window.grab().save(str(target)):
            print(f"kiosk: could not write {target}")
            return 1
        print(f"walkthrough: wrote {target}")
        core.engine.dispose()
        return 0
    window.show()
    return app.exec()
