import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import insert

from kiosk.config import load_config
from kiosk.ledger.db import make_engine
from kiosk.ledger.migrate import head_revision
from kiosk.ledger.models import Allocation
from kiosk.ledger.repository import Ledger, TenderEvent
from kiosk.money import Money


def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )


def test_version() -> None:
    result = kiosk("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("kiosk ")


def test_migrate_then_audit_clean_then_unbalanced(config_file: Path) -> None:
    result = kiosk("migrate", "--config", str(config_file))
    assert result.returncode == 0, result.stderr
    assert f"ledger at revision {head_revision()}" in result.stdout
    assert kiosk("audit", "--config", str(config_file)).returncode == 0

    config = load_config(config_file)
    engine = make_engine(config.database_url())
    ledger = Ledger(engine, config.automat.id)
    sid = ledger.open_session()
    ledger.record_tender(TenderEvent(sid, "coin", Money(2000), Money(2000)))
    with engine.begin() as conn:
        conn.execute(
            insert(Allocation).values(
                session_id=sid,
                claim_id="9",
                payable_in="fbs",
                amount_ore=1000,
                created_at=ledger.clock.now(),
            )
        )
    ledger.set_session_state(sid, "done")
    result = kiosk("audit", "--config", str(config_file))
    assert result.returncode == 1
    assert f"session {sid} (done): received 20.00 != settled 10.00" in result.stdout


def test_demo_walkthrough_writes_a_screenshot(config_file: Path, tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    result = kiosk("demo", "--config", str(config_file), "--walkthrough", str(shots))
    assert result.returncode == 0, result.stderr
    pngs = list(shots.glob("*.png"))
    assert pngs and pngs[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
