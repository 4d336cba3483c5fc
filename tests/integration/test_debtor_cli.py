"""``kiosk export``: --now delivers, --list shows, --redeliver writes the same bytes again."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kiosk import cli
from kiosk.app import open_database
from kiosk.config import KioskConfig, load_config
from kiosk.ledger import db
from tests.conftest import BON_KEY, MINIMAL_CONFIG
from tests.fs_faults import full_folder, read_only_folder
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


def export_setup(tmp_path: Path, items: int = 3) -> tuple[Path, KioskConfig]:
    """A configuration exporting to ``outgoing`` with ``items`` pending debtor items."""
    (tmp_path / "fbs-password").write_text("x\n")
    (tmp_path / "bon-key").write_text(BON_KEY + "\n")
    path = tmp_path / "kiosk.toml"
    path.write_text(
        MINIMAL_CONFIG.format(
            extra=f'[debtor]\nprofile = "{PROFILES}/prisme.toml"\noutput_dir = "outgoing"\n'
        )
    )
    config = load_config(path)
    engine = open_database(config)
    seed(engine, items, automat="test-01")
    engine.dispose()
    return path, config


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def delivered_after_the_fault(path: Path, tmp_path: Path) -> None:
    """Nothing was lost: the next run delivers the items once, and the ledger audits clean."""
    again = kiosk("export", "--now", "--config", str(path))
    assert again.returncode == 0, again.stderr
    assert "delivered batch 1 #1 delivered" in again.stdout
    [file] = (tmp_path / "outgoing").iterdir()
    assert file.read_bytes().count(b"\r\nD;0101901234;") == 3
    assert kiosk("audit", "--config", str(path)).returncode == 0


@pytest.mark.parametrize("folder", ["data/debtor-spool", "outgoing"], ids=["spool", "delivery"])
def test_an_unwritable_export_folder_is_one_line_and_exit_1(tmp_path: Path, folder: str) -> None:
    """The spool (every file kept locally) and the delivery folder are reported alike."""
    path, _ = export_setup(tmp_path)
    target = tmp_path / folder
    with read_only_folder(target):
        result = kiosk("export", "--now", "--config", str(path))
    assert result.returncode == 1, result.stderr
    line = one_line(result)
    where = "the spool folder " if folder.endswith("spool") else ""
    assert line.startswith(f"kiosk: export: cannot write in {where}{target}: "), line
    assert line.endswith(("Read-only file system", "Permission denied")), line
    delivered_after_the_fault(path, tmp_path)


@pytest.mark.parametrize("folder", ["data/debtor-spool", "outgoing"], ids=["spool", "delivery"])
def test_a_full_export_disk_is_one_line_and_exit_1(tmp_path: Path, folder: str) -> None:
    """A real full file system (a filled tmpfs) under the spool or the delivery folder."""
    path, _ = export_setup(tmp_path)
    target = tmp_path / folder
    with full_folder(target):
        result = kiosk("export", "--now", "--config", str(path))
    assert result.returncode == 1, result.stderr
    where = "the spool folder " if folder.endswith("spool") else ""
    assert one_line(result) == (
        f"kiosk: export: cannot write in {where}{target}: No space left on device"
    )
    delivered_after_the_fault(path, tmp_path)


def test_a_full_ledger_during_the_export_is_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """SQLite's own "database or disk is full" (SQLITE_FULL): every connection of the export
    may not grow the file (``max_page_count`` clamps to the current size), and assigning the
    pending items to a batch needs new pages."""
    path, config = export_setup(tmp_path, items=600)
    monkeypatch.setattr(db, "SQLITE_PRAGMAS", (*db.SQLITE_PRAGMAS, "PRAGMA max_page_count = 1"))
    code = cli.main(["export", "--now", "--config", str(path)])
    lines = capsys.readouterr().err.splitlines()
    assert code == 1
    ledger = config.database.data_dir / "kiosk.sqlite3"
    assert lines == [
        f"kiosk: export: ledger {ledger}: database or disk is full (nothing is lost: the next run"
        " finishes what this one started)"
    ]
    monkeypatch.undo()
    assert cli.main(["export", "--now", "--config", str(path)]) == 0
    assert "delivered batch 1 #1 delivered" in capsys.readouterr().out
    assert cli.main(["audit", "--config", str(path)]) == 0
