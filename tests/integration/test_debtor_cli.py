"""``kiosk export``: --now delivers, --list shows, --redeliver writes the same bytes again."""

from __future__ import annotations

from pathlib import Path

from kiosk.app import open_database
from kiosk.config import load_config
from tests.conftest import BON_KEY, MINIMAL_CONFIG
from tests.integration.test_cli import kiosk
from tests.integration.test_debtor_export import seed

PROFILES = Path(__file__).resolve().parents[2] / "config" / "debtor"


def test_export_now_list_and_redeliver(tmp_path: Path) -> None:
    (tmp_path / "fbs-password").write_text("x\n")
    (tmp_path / "bon-key").write_text(BON_KEY + "\n")
    path = tmp_path / "kiosk.toml"
    path.write_text(
        MINIMAL_CONFIG.format(
            extra=f'[debtor]\nprofile = "{PROFILES}/prisme.toml"\noutput_dir = "outgoing"\n'
        )
    )
    config = load_config(path)
    seed(open_database(config), 3, automat="test-01")

    now = kiosk("export", "--now", "--config", str(path))
    assert now.returncode == 0, now.stderr
    assert "delivered batch 1 #1 delivered: prisme_indbet_test-01_" in now.stdout
    assert "(3 item(s), 60,03 kr.)" in now.stdout
    [file] = (tmp_path / "outgoing").iterdir()
    original = file.read_bytes()
    assert original.count(b"\r\nD;0101901234;") == 3

    again = kiosk("export", "--now", "--config", str(path))
    assert again.stdout.strip() == "nothing to export"

    listed = kiosk("export", "--list", "--config", str(path))
    assert listed.returncode == 0 and file.name in listed.stdout

    file.unlink()
    redo = kiosk("export", "--redeliver", "1", "--actor", "tech-3", "--config", str(path))
    assert redo.returncode == 0, redo.stderr
    assert file.read_bytes() == original

    missing = kiosk("export", "--redeliver", "7", "--config", str(path))
    assert missing.returncode == 1 and "no export batch 7" in missing.stderr
    assert kiosk("audit", "--config", str(path)).returncode == 0


def test_export_without_a_debtor_section_says_so(config_file: Path) -> None:
    result = kiosk("export", "--now", "--config", str(config_file))
    assert result.returncode == 1
    assert "no [debtor] section" in result.stderr
