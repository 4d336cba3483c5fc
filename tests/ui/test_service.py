"""Out of service when FBS does not answer or no payment device works; back when they do."""

from __future__ import annotations

from drivers.base import Health
from tests.ui.conftest import UiWorld


def test_out_of_service_when_fbs_is_down_and_back_when_it_answers(ui: UiWorld) -> None:
    ui.window.fbs_health = lambda: not ui.fbs.down
    ui.fbs.down = True
    ui.window.check_service()
    ui.wait_screen(ui.window.out_of_service)
    assert "Ude af drift" in ui.window.out_of_service.title.text()
    ui.fbs.down = False
    ui.window.check_service()
    ui.wait_screen(ui.window.attract)


def test_out_of_service_when_every_payment_device_is_down(ui: UiWorld) -> None:
    ui.window.fbs_health = lambda: True
    ui.terminal._health = Health.DOWN
    ui.coins._health = Health.DOWN
    ui.window.check_service()
    ui.qtbot.waitUntil(lambda: ui.window.service.methods == ("cash", "bon"), timeout=15_000)
    assert ui.window.stack.currentWidget() is ui.window.attract  # the note validator still works
    ui.notes._health = Health.DOWN
    ui.window.check_service()
    ui.wait_screen(ui.window.out_of_service)


def test_only_healthy_methods_are_offered(ui: UiWorld) -> None:
    ui.terminal._health = Health.DOWN
    ui.login()
    ui.wait_screen(ui.window.claims)
    ui.click(ui.window.claims.pay)
    ui.wait_screen(ui.window.methods)
    buttons = ui.window.methods.method_buttons
    assert not buttons["card"].isVisible()
    assert buttons["cash"].isVisible() and buttons["bon"].isVisible()
