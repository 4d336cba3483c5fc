"""The ``[ui]`` section reaches the window: idle warning, countdown, end screen, larger text."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.config import ConfigError, load_config
from tests.conftest import MINIMAL_CONFIG
from ui.app import automat_over_core, close_automat, idle_settings


def write(tmp_path: Path, extra: str) -> Path:
    (tmp_path / "fbs-password").write_text("pw\n")
    (tmp_path / "bon-key").write_text("bon-key-for-the-demo-ui-config-tests\n")
    path = tmp_path / "kiosk.toml"
    path.write_text(MINIMAL_CONFIG.format(extra=extra))
    return path


def test_ui_section_sets_the_timers(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            "[ui]\nidle_seconds = 90\ncountdown_seconds = 10\nend_screen_seconds = 5\n",
        )
    )
    idle = idle_settings(config)
    assert (idle.idle_ms, idle.countdown_s, idle.end_screen_ms) == (90_000, 10, 5_000)


def test_defaults_without_the_section(tmp_path: Path) -> None:
    idle = idle_settings(load_config(write(tmp_path, "")))
    assert (idle.idle_ms, idle.countdown_s, idle.end_screen_ms) == (60_000, 20, 15_000)


def test_a_typo_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="idle_seconds"):
        load_config(write(tmp_path, "[ui]\nidle_seconds = 2\n"))


def test_larger_text_by_default_and_the_window_uses_the_timers(
    qtbot: QtBot, tmp_path: Path
) -> None:
    config = load_config(write(tmp_path, "[ui]\nlarger_text = true\nend_screen_seconds = 7\n"))
    window, world = automat_over_core(config, demo=False)
    qtbot.addWidget(window)
    try:
        assert window.theme.large_text
        assert window.end_timer.interval() == 7_000
    finally:
        close_automat(window, world)
