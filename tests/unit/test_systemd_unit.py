"""The systemd unit in packaging/: what the watchdog and the stops rely on, and
``systemd-analyze verify`` on the file as it is shipped (skipped where systemd is not installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ui.watchdog import TICKS_PER_PERIOD

UNIT = Path(__file__).resolve().parents[2] / "packaging" / "systemd" / "kiosk.service"
SYSTEM_UNITS = Path("/usr/lib/systemd/system")


def service_settings() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    section = ""
    for line in UNIT.read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line.strip("[]")
        elif line and not line.startswith("#") and section == "Service":
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def test_the_unit_waits_for_ready_and_watches_the_automat() -> None:
    service = service_settings()
    assert service["Type"] == ["notify"]
    assert service["NotifyAccess"] == ["all"], "cage is the main process, the automat its child"
    assert service["ExecStart"][0].startswith("/usr/bin/cage ")
    watchdog_s = int(service["WatchdogSec"][0])
    assert 10 <= watchdog_s <= 120
    # the automat pings TICKS_PER_PERIOD times a period: at least two pings may go missing
    assert TICKS_PER_PERIOD >= 3
    assert int(service["TimeoutStartSec"][0]) >= 60


def test_what_the_automat_writes_is_not_every_users() -> None:
    """Debtor files carry CPR numbers and the ledger payments: nothing it writes is readable by
    every local user (the umask) and its state folder is closed to others."""
    service = service_settings()
    assert service["UMask"] == ["0027"]
    assert service["StateDirectoryMode"] == ["0750"]


def test_a_configuration_error_is_not_restarted_in_a_loop() -> None:
    """``ExecCondition`` exiting 1-254 skips the start, and ``Restart=always`` does not restart
    a skip (systemd's service.c: ``return s->result != SERVICE_SKIP_CONDITION``); a failing
    ``ExecStartPre`` would be restarted whatever its status. The condition checks the same
    configuration the automat runs with."""
    service = service_settings()
    assert service["Restart"] == ["always"]
    assert "2" in service["RestartPreventExitStatus"][0].split()  # cage 0.2.0 on passes it on
    assert "ExecStartPre" not in service
    [condition] = service["ExecCondition"]
    [start] = service["ExecStart"]
    kiosk_run = start.split(" -- ", 1)[1].split()
    assert condition.split() == [*kiosk_run[:2], "--check", *kiosk_run[2:]]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None or not SYSTEM_UNITS.is_dir(),
                    reason="systemd-analyze is not installed here")
def test_systemd_analyze_verify_passes(tmp_path: Path) -> None:
    """Verified in a scratch root that has the host's own units and stand-ins for cage and the
    kiosk command at the paths the unit names (verify refuses a command it cannot find)."""
    root = tmp_path / "root"
    shutil.copytree(SYSTEM_UNITS, root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    shutil.copy(UNIT, root / "etc/systemd/system" / UNIT.name)
    for command in ("usr/bin/cage", "opt/kiosk/.venv/bin/kiosk"):
        stand_in = root / command
        stand_in.parent.mkdir(parents=True, exist_ok=True)
        stand_in.write_text("#!/bin/sh\n")
        stand_in.chmod(0o755)
    out = subprocess.run(["systemd-analyze", "verify", f"--root={root}", UNIT.name],
                         capture_output=True, text=True, timeout=60)
    problems = [line for line in (out.stdout + out.stderr).splitlines() if UNIT.name in line]
    assert out.returncode == 0 and not problems, out.stdout + out.stderr
