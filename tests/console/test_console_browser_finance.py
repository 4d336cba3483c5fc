"""The issue's "Must show" for the finance office, in Chromium: a finance worker logs in to the
served console, picks a period, downloads the CSV and the PDF, and their totals equal the
ledger's (plain SQL over the scripted period of ``tests/finance_world.py``)."""

from __future__ import annotations

import time
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from kiosk.reports import FLEET, fleet_automats
from tests.console.browser import chromium, log_in, needs_browser, served
from tests.console.rig import console_rig
from tests.finance_truth import (
    Truth,
    assert_csv_is_the_ledgers,
    assert_pdf_is_the_ledgers,
    csv_rows,
    pdf_scope,
    pdf_text,
)
from tests.finance_world import PERIOD, A, B, build_world

CSV_NAME = "z-rapport_alle_2026-11-24_2026-11-26.csv"
PDF_NAME = "z-rapport_alle_2026-11-24_2026-11-26.pdf"


def heading_is(driver: object, text: str) -> None:
    """Wait until the page shown is the one headed ``text`` (a click's navigation is not
    finished when the click returns)."""
    WebDriverWait(driver, 15).until(  # type: ignore[arg-type]
        lambda d: any(h.text == text for h in d.find_elements(By.TAG_NAME, "h1"))
    )


def downloaded(folder: Path, name: str, timeout_s: float = 15.0) -> bytes:
    """The file once Chromium has finished it (no ``.crdownload`` beside it)."""
    path = folder / name
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.is_file() and not list(folder.glob("*.crdownload")):
            return path.read_bytes()
        time.sleep(0.1)
    raise AssertionError(f"{name} was not downloaded; the folder has {sorted(folder.iterdir())}")


@needs_browser
def test_a_finance_worker_downloads_the_periods_csv_and_pdf(sqlite_engine, tmp_path: Path) -> None:
    build_world(sqlite_engine, tmp_path)
    rig = console_rig(sqlite_engine, tmp_path, secure=True)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with served(rig.app) as base, chromium(download_dir=str(downloads)) as driver:
        log_in(driver, base, "21", "2468")  # Frida Finans
        heading_is(driver, "Forside")
        driver.find_element(By.LINK_TEXT, "Z-rapport").click()
        heading_is(driver, "Z-rapport")
        Select(driver.find_element(By.ID, "automat")).select_by_value("")  # the whole fleet
        driver.find_element(By.ID, "from").send_keys(PERIOD.first.isoformat())
        driver.find_element(By.ID, "to").send_keys(PERIOD.last.isoformat())
        driver.find_element(By.ID, "show-report").click()
        WebDriverWait(driver, 15).until(lambda d: d.find_elements(By.ID, "shown"))
        heading = driver.find_element(By.ID, "shown").text
        assert heading == "Rapport for alle automater, 2026-11-24 – 2026-11-26"
        driver.find_element(By.ID, "download-csv").click()
        csv_data = downloaded(downloads, CSV_NAME)
        driver.find_element(By.ID, "download-pdf").click()
        pdf_data = downloaded(downloads, PDF_NAME)
    everyone = fleet_automats(sqlite_engine)
    rows = csv_rows(csv_data)
    pdf = pdf_text(pdf_data)
    for automat, automats in ((FLEET, everyone), (A, [A]), (B, [B])):
        truth = Truth(sqlite_engine, automats, PERIOD)
        assert_csv_is_the_ledgers(rows, automat, truth)
        assert_pdf_is_the_ledgers(pdf_scope(pdf, automat), truth)
