"""The device factory and ``kiosk doctor``: what the configuration asks for is what gets built,
emulated devices are real drivers on pty paths, and a device that is not there is reported down."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.base import Health
from kiosk.cli import main
from kiosk.config import load_config
from kiosk.config.devices import DevicesSection
from kiosk.devices import DeviceSetupError, build_devices
from tests.integration.test_end_to_end_harness import wait_for, write_config


def test_disabled_devices_are_absent_and_emulated_ones_use_the_emulators_path(tmp_path: Path):
    devices = DevicesSection.model_validate(
        {"coin_acceptor": {"emulated": True}, "scanner": {"emulated": True}}
    )
    built = build_devices(devices)
    try:
        assert built.note_validator is None and built.terminal is None and built.printer is None
        assert [a.name for a in built.acceptors] == ["coin_acceptor"]
        assert built.emulators.notes is None and built.emulators.terminal is None
        built.start(lambda _event: None)
        wait_for(lambda: built.health() == {"coin_acceptor": Health.OK, "scanner": Health.OK})
    finally:
        built.stop()
    assert not Path(built.emulators.coin.path).exists()  # the emulators were stopped too


def test_a_serial_device_without_a_port_is_a_setup_error_and_starts_nothing(tmp_path: Path):
    devices = DevicesSection.model_validate(
        {"coin_acceptor": {"emulated": True}, "card_terminal": {"enabled": True}}
    )
    with pytest.raises(DeviceSetupError, match="card_terminal"):
        build_devices(devices)


def test_ccTalk_note_validator_is_emulated_with_danish_notes(tmp_path: Path):
    devices = DevicesSection.model_validate(
        {"note_validator": {"emulated": True, "protocol": "cctalk"}}
    )
    built = build_devices(devices)
    try:
        built.start(lambda _event: None)
        wait_for(lambda: built.note_validator.health is Health.OK)
    finally:
        built.stop()


def test_doctor_reports_everything_up_in_demo(tmp_path: Path, capsys: pytest.CaptureFixture):
    assert main(["doctor", "--demo", "--config", str(write_config(tmp_path))]) == 0
    out = capsys.readouterr().out
    for name in ("fbs (rest)", "coin_acceptor", "note_validator", "card_terminal", "printer"):
        assert f"ok   {name}: " in out


def test_doctor_exits_1_when_a_device_or_fbs_is_down(tmp_path: Path, capsys):
    path = write_config(tmp_path)
    text = path.read_text()
    text = text[: text.index("[devices.coin_acceptor]")]
    path.write_text(text + f'[devices.scanner]\nport = "{tmp_path / "no-such-tty"}"\n')
    load_config(path)  # valid configuration: the scanner is simply not plugged in
    assert main(["doctor", "--wait", "0.5", "--config", str(path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL scanner: down" in out
    assert "FAIL fbs (rest): " in out  # nothing listens at the configured FBS address
