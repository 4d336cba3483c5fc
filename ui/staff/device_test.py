"""Technician mode's device tests on screen: coins and notes (each piece shown, never paid or
credited; notes returned unless counted as a test), and the scanner and card reader (what they
read, a CPR only as ``******-****``, and nothing starts). The test itself runs in the session
(``kiosk.staff.device_tests``, through ``SessionBridge.device_test``): it starts when the screen
opens and stops when the technician leaves it, or staff mode ends in any way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP

from kiosk.clock import local
from kiosk.staff.device_tests import CASH, READERS
from ui.bridge import Snapshot
from ui.i18n import translate
from ui.staff.base import StaffHost, StaffScreen
from ui.widgets import button, label, money_text

READING_WORDS = {
    "coin": QT_TRANSLATE_NOOP("StaffDeviceTest", "coin, in the cash box as a test"),
    "note": QT_TRANSLATE_NOOP("StaffDeviceTest", "note, in the cash box as a test"),
    "note_returned": QT_TRANSLATE_NOOP("StaffDeviceTest", "note, given back"),
    "rejected": QT_TRANSLATE_NOOP("StaffDeviceTest", "rejected by the device"),
    "library_card": QT_TRANSLATE_NOOP("StaffDeviceTest", "library card"),
    "health_card": QT_TRANSLATE_NOOP("StaffDeviceTest", "health card"),
    "rfid": QT_TRANSLATE_NOOP("StaffDeviceTest", "card on the reader"),
    "staff_card": QT_TRANSLATE_NOOP("StaffDeviceTest", "staff card, staff number"),
    "unreadable": QT_TRANSLATE_NOOP("StaffDeviceTest", "could not be read"),
}
REFUSALS = {
    "not_permitted": QT_TRANSLATE_NOOP(
        "StaffDeviceTest", "Only a technician or an administrator may test the devices."),
    "no_acceptors": QT_TRANSLATE_NOOP(
        "StaffDeviceTest", "No coin acceptor or note validator works right now."),
}


def t(text: str) -> str:
    return translate("StaffDeviceTest", text)


def reading_lines(readings: tuple[Any, ...]) -> list[str]:
    """Newest first: the time, the device, what it was and what it showed."""
    lines = []
    for r in readings:
        shown = f"{money_text(r.amount)} ({r.shown})" if r.amount.ore else r.shown
        what = t(READING_WORDS.get(r.what, r.what))
        lines.append(f"{local(r.at):%H:%M:%S}  {r.device:<16} {what}  {shown}".rstrip())
    return lines


class DeviceTestScreen(StaffScreen):
    """One test (``kind``: ``CASH`` or ``READERS``); ``leave`` shows the screen to go back to."""

    def __init__(self, mode: StaffHost, kind: str, leave: Callable[[], None]) -> None:
        super().__init__(mode, back=False)
        self.kind = kind
        self.leave = leave
        self.hint = label()
        self.body.addWidget(self.hint)
        self.keep_notes = button(on_click=self._keep_notes_changed)
        self.keep_notes.setCheckable(True)
        self.keep_notes.setVisible(kind == CASH)
        self.body.addWidget(self.keep_notes)
        self.text = self.add_text()
        self.kept = label()
        self.kept.setVisible(kind == CASH)
        self.body.addWidget(self.kept)
        self.stop = button(role="primary", on_click=self.stop_test)
        self.buttons.addWidget(self.stop)
        self.test: Any = None
        self.retranslate()

    def opened(self) -> None:
        super().opened()
        self.keep_notes.setChecked(False)
        self._draw(None)
        self.mode.bridge.device_test("start", self.kind, False)

    def stop_test(self) -> None:
        self.mode.bridge.device_test("stop")
        self.leave()

    def _keep_notes_changed(self) -> None:
        self.mode.bridge.device_test("set_keep_notes", self.keep_notes.isChecked())
        self._say_notes()

    def render(self, snap: Snapshot) -> None:
        super().render(snap)
        test = snap.view.device_test
        if test is not None and test.kind == self.kind:
            self._draw(test)

    def _draw(self, test: Any) -> None:
        refused = test.refused if test is not None else ""
        if refused and (self.test is None or self.test.refused != refused):
            self.say("error", t(REFUSALS.get(refused, refused)))
        self.test = test
        readings = test.readings if test is not None else ()
        lines = reading_lines(readings)
        if not lines and test is not None and test.running:
            lines = [translate("StaffDeviceTest", "Waiting for the devices …")]
        self.text.setText("\n".join(lines))
        kept = test.kept if test is not None else None
        kept_text = translate("StaffDeviceTest", "In the cash box as a test: %1")
        self.kept.setText(kept_text.replace("%1", money_text(kept)))

    def _say_notes(self) -> None:
        if self.keep_notes.isChecked():
            self.say("warn", translate(
                "StaffDeviceTest", "Notes now stay in the cash box and are recorded as a test."))
        else:
            self.say("ok", translate("StaffDeviceTest", "Notes are given back."))

    def retranslate(self) -> None:
        if self.kind == CASH:
            self.title.setText(translate("StaffDeviceTest", "Test coins and notes"))
            self.hint.setText(translate("StaffDeviceTest",
                "Put coins and notes in. Nothing is paid or credited to anyone. A coin stays in"
                " the cash box and is recorded as a technician test; a note is given back unless"
                " you count it as a test."))
        else:
            self.title.setText(translate("StaffDeviceTest", "Test the scanner and card reader"))
            self.hint.setText(translate("StaffDeviceTest",
                "Scan a card or hold one to the reader. What is read is only shown here (a CPR"
                " number hidden); no citizen session and no staff login starts."))
        self.keep_notes.setText(translate("StaffDeviceTest", "Count notes as a test (keep them)"))
        self.stop.setText(translate("StaffDeviceTest", "Stop the test"))
        self._draw(self.test)
        super().retranslate()

    def forget(self) -> None:
        super().forget()
        self.test = None
        self._draw(None)


def device_test_screens(mode: StaffHost, back: Callable[[], None]) -> dict[str, DeviceTestScreen]:
    """Both tests' screens, each leading back with ``back``."""
    return {kind: DeviceTestScreen(mode, kind, back) for kind in (CASH, READERS)}
