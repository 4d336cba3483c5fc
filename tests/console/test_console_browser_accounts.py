"""An administrator adds a staff account in Chromium (the role boxes, the PIN twice, the keyboard
reaching every field), and the new account logs in with that PIN."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.console.browser import chromium, log_in, needs_browser, served
from tests.console.rig import console_rig


@needs_browser
def test_an_administrator_adds_an_account_that_then_logs_in(sqlite_engine, tmp_path: Path) -> None:
    rig = console_rig(sqlite_engine, tmp_path, secure=True)
    with served(rig.app) as base, chromium() as driver:
        log_in(driver, base, "50", "9182")
        driver.find_element(By.LINK_TEXT, "Medarbejderkonti").click()
        assert driver.find_element(By.TAG_NAME, "h1").text == "Medarbejderkonti"
        form = driver.find_element(By.ID, "add-account")
        form.find_element(By.ID, "staff_no").send_keys("61")
        form.find_element(By.ID, "name").send_keys("Kim Kasse")
        form.find_element(By.CSS_SELECTOR, "label[for=role-technician]").click()  # the label
        form.find_element(By.ID, "pin").send_keys("314159")
        form.find_element(By.ID, "pin_again").send_keys("314159")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        # the answer to the form, not the page it was sent from (CI read that once, under load)
        done = "Kontoen 61 (Kim Kasse) er oprettet."
        WebDriverWait(driver, 10).until(lambda d: done in d.page_source)
        assert "314159" not in driver.page_source
        driver.find_element(By.CSS_SELECTOR, "form.inline button").click()  # log out
        log_in(driver, base, "61", "314159")
        assert driver.find_element(By.TAG_NAME, "h1").text == "Forside"
        assert "Kim Kasse (61)" in driver.page_source
        assert "Tømninger af kasser" in driver.page_source  # a technician's function
        assert "Medarbejderkonti" not in driver.page_source
