"""A member of staff logs in to the served console in Chromium with the production cookie
settings (``Secure``, ``__Host-`` prefix: a browser keeps them for http://localhost), sees only
their functions, and the keyboard reaches the form first (the skip link, then the fields)."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.console.browser import chromium, log_in, needs_browser, served
from tests.console.rig import console_rig


@needs_browser
def test_log_in_and_out_in_a_real_browser(sqlite_engine, tmp_path: Path) -> None:
    rig = console_rig(sqlite_engine, tmp_path, secure=True)
    with served(rig.app) as base, chromium() as driver:
        driver.get(f"{base}/")
        assert driver.current_url.startswith(f"{base}/login")
        active = driver.switch_to.active_element
        assert active.get_attribute("id") == "staff_no"  # autofocus on the first field
        log_in(driver, base, "17", "4711")
        assert driver.find_element(By.TAG_NAME, "h1").text == "Forside"
        cookie = driver.get_cookie("__Host-kiosk-console")
        assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        assert driver.switch_to.active_element.text == "Gå til indholdet"
        driver.find_element(By.CSS_SELECTOR, "form.inline button").click()
        assert driver.current_url.startswith(f"{base}/login")
        assert "Du er logget ud." in driver.page_source
