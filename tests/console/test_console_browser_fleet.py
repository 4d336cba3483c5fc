"""Must show (issue 16): a technician sees an automat go stale when its heartbeats stop. A real
automat (``build_core``, the FBS simulator, the device emulators) writes its heartbeat every
second to the ledger the console reads; in Chromium the technician finds it in service, then the
writer dies without a last word and, three intervals later (real time: the console's clock is the
system's, as the automat's is), the page says no sign of life."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from selenium.webdriver.common.by import By

from kiosk.clock import SystemClock
from kiosk.heartbeat import fleet_status
from kiosk.ledger.db import make_engine
from tests.console.browser import chromium, log_in, needs_browser, served
from tests.console.rig import ACCOUNTS, console_rig
from tests.integration.test_end_to_end_harness import Automat, wait_for
from tests.integration.test_heartbeat import automat, ledger_url  # noqa: F401 (fixtures)

ROW = "automat-e2e-01"


@needs_browser
def test_a_technician_sees_an_automat_go_stale(
    automat: Automat, ledger_url: str, tmp_path: Path  # noqa: F811
) -> None:
    engine = make_engine(ledger_url)
    heart = automat.core.heartbeat
    assert heart is not None and heart.interval_s == 1
    heart.start()
    wait_for(lambda: bool(fleet_status(engine, datetime.now(UTC))), timeout=20)
    rig = console_rig(engine, tmp_path / "console", clock=SystemClock())
    staff_no, _, _, pin = ACCOUNTS["technician"]
    try:
        with served(rig.app) as base, chromium() as driver:
            log_in(driver, base, staff_no, pin)
            driver.find_element(By.LINK_TEXT, "Automater").click()
            row = driver.find_element(By.ID, ROW)
            assert row.get_attribute("data-state") == "ok"
            assert "I drift" in row.text

            heart.stop(last_word=False)  # the automat dies: no stopped heartbeat
            time.sleep(3.5)  # three intervals and a half without a heartbeat
            driver.refresh()
            row = driver.find_element(By.ID, ROW)
            assert row.get_attribute("data-state") == "stale"
            assert "Intet livstegn" in row.text
            assert "sekunder siden" in row.text
    finally:
        engine.dispose()
