"""The fleet page: every automat with its last heartbeat's age and what it said, in words, for
technicians and administrators; a silent automat reads as silent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from kiosk.clock import FakeClock
from kiosk.heartbeat.beat import write_heartbeat
from tests.console.rig import console_rig
from tests.integration.test_heartbeat_fleet import row

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def test_each_automat_shows_its_state_age_devices_and_backlogs(
    engine: Engine, tmp_path: Path
) -> None:
    rig = console_rig(engine, tmp_path, clock=FakeClock(NOW))
    write_heartbeat(engine, row("hovedbib-1", NOW - timedelta(seconds=20)))
    write_heartbeat(engine, row("filial-2", NOW - timedelta(minutes=10)))  # 3 × 60 s ago and more
    write_heartbeat(engine, row("filial-3", NOW - timedelta(seconds=30), in_service=False,
                                reason="FBS does not answer", fbs_ok=False))
    page = rig.client("technician").get("/fleet")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="automat-hovedbib-1" data-state="ok"' in html
    assert 'id="automat-filial-2" data-state="stale"' in html
    assert 'id="automat-filial-3" data-state="out_of_service"' in html
    assert "for 20 sekunder siden" in html and "for 10 minutter siden" in html
    assert "Intet livstegn" in html and "Ude af drift" in html and "FBS does not answer" in html
    assert "coin_acceptor: <span class=\"bad\">ude</span>" in html
    assert "papir næsten tomt" in html
    assert "2 automater kræver opmærksomhed." in html
    assert 'http-equiv="refresh"' in html


def test_an_automat_known_only_from_its_sessions_is_never_seen(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    from sqlalchemy import insert

    from kiosk.ledger.models import CitizenSession

    rig = console_rig(sqlite_engine, tmp_path, clock=FakeClock(NOW))
    with sqlite_engine.begin() as conn:
        conn.execute(insert(CitizenSession).values(
            id="s-1", automat_id="gammel-1", state="idle", started_at=NOW - timedelta(days=3)))
    html = rig.client("administrator").get("/fleet").get_data(as_text=True)
    assert 'data-state="never_seen"' in html and "Aldrig set" in html and "aldrig" in html


def test_the_page_speaks_english_when_asked(sqlite_engine: Engine, tmp_path: Path) -> None:
    rig = console_rig(sqlite_engine, tmp_path, clock=FakeClock(NOW))
    write_heartbeat(sqlite_engine, row("hovedbib-1", NOW - timedelta(hours=2)))
    client = rig.client("technician")
    client.get("/language/en")
    html = client.get("/fleet").get_data(as_text=True)
    assert "No sign of life" in html and "2 hours ago" in html
