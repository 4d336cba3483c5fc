"""``[heartbeat]``: on by default every 60 s; a bad value is one line naming the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import load_config
from tests.conftest import MINIMAL_CONFIG
from tests.unit.test_config import cli_error

REPO = Path(__file__).resolve().parents[2]


def test_heartbeats_are_on_every_minute_by_default(config_file: Path) -> None:
    section = load_config(config_file).heartbeat
    assert section.enabled and section.interval_s == 60
    example = (REPO / "config" / "kiosk.example.toml").read_text(encoding="utf-8")
    assert "\n[heartbeat]" in example and "\ninterval_s = 60 " in example


@pytest.mark.parametrize(
    ("line", "problem"),
    [("interval_s = 0", "greater than or equal to 1"),
     ("interval_s = 7200", "less than or equal to 3600"),
     ('interval_s = "often"', "valid integer"),
     ("beat = true", "unknown key")],
)
def test_a_bad_heartbeat_key_is_one_line_naming_file_and_key(
    config_file: Path, capsys: pytest.CaptureFixture[str], line: str, problem: str
) -> None:
    config_file.write_text(MINIMAL_CONFIG.format(extra=f"[heartbeat]\n{line}\n"))
    code, lines = cli_error(capsys, "migrate", "--config", str(config_file))
    key = line.split(" ")[0]
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"kiosk: config error: {config_file}: heartbeat.{key}: "), lines
    assert problem in lines[0], lines[0]
