"""The window over the real core in demo mode, wired as ``kiosk demo`` wires it: the FBS simulator
over REST on loopback and the device emulators on ptys behind the real drivers. A card payment
end to end, as a citizen, to the receipt on the emulated printer."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from kiosk.config import load_config
from kiosk.payment.states import State
from tests.ui.conftest import WAIT_MS
from ui.app import automat_over_core, close_automat, fresh_data_dir, wait_for_core

LEFT = Qt.MouseButton.LeftButton
REPO = Path(__file__).resolve().parents[2]


def test_card_payment_over_the_simulator_and_the_emulated_terminal(
    qtbot: QtBot, tmp_path: Path
) -> None:
    config = fresh_data_dir(load_config(REPO / "config" / "demo.toml"), tmp_path / "data")
    window, world = automat_over_core(config, demo=True)
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
        # the core's receipt service printed it on the emulated printer, and the screen knows
        qtbot.waitUntil(lambda: window.receipt.printed is True, timeout=60_000)
        printer, ref = world["core"].devices.emulators.printer, window.snapshot.view.transaction_ref
        # the emulator reads the bytes on its own thread: the slip may come after the answer
        qtbot.waitUntil(lambda: any(ref in slip.text for slip in printer.slips), timeout=WAIT_MS)
    finally:
        close_automat(window, world)
