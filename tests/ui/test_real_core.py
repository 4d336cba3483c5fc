"""The window over the real core in demo mode: the FBS simulator over REST on loopback and the
device emulators on ptys behind the real drivers. A card payment end to end, as a citizen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from kiosk.config import load_config
from kiosk.payment.states import State
from tests.ui.conftest import WAIT_MS
from ui.app import wait_for_core
from ui.compose import build_automat, shutdown

LEFT = Qt.MouseButton.LeftButton
REPO = Path(__file__).resolve().parents[2]


def test_card_payment_over_the_simulator_and_the_emulated_terminal(
    qtbot: QtBot, tmp_path: Path
) -> None:
    config = load_config(REPO / "config" / "demo.toml")
    config = config.model_copy(
        update={"database": config.database.model_copy(update={"data_dir": tmp_path})}
    )
    world: dict[str, Any] = {}

    def build() -> Any:
        from kiosk.app import build_core

        world["core"] = core = build_core(config, demo=True)
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
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    try:
        assert wait_for_core(window, 60)
        window.input_scanned("3210000001")  # Anna Andersen's library card: only old claims
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.pin, timeout=WAIT_MS)
        for digit in "0101":
            qtbot.mouseClick(window.pin.keypad.keys[digit], LEFT)
        qtbot.mouseClick(window.pin.keypad.ok, LEFT)
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.claims, timeout=WAIT_MS)
        assert "Anna Andersen" in window.claims.who.text()
        assert "50,00 kr" in window.claims.pay.text()
        qtbot.mouseClick(window.claims.pay, LEFT)
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.methods, timeout=WAIT_MS)
        assert window.methods.method_buttons["card"].isVisible()
        qtbot.mouseClick(window.methods.method_buttons["card"], LEFT)
        qtbot.waitUntil(
            lambda: window.snapshot is not None and window.snapshot.view.state is State.RECEIPT,
            timeout=60_000,
        )
        assert "50,00 kr" in window.receipt.summary.text()
    finally:
        shutdown(window)
        if "core" in world:
            world["core"].close()
