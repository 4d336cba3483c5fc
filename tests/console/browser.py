"""The console in a real browser: the application under waitress (as ``kiosk console`` serves it)
on a free loopback port, and Debian's chromium driven through its chromium-driver by Selenium.
Nothing downloads a browser: without /usr/bin/chromium and /usr/bin/chromedriver the tests skip
(``.ci/run`` installs both)."""

from __future__ import annotations

import re
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest
from flask import Flask

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def browser_available() -> bool:
    return shutil.which("chromium") is not None and shutil.which("chromedriver") is not None


needs_browser = pytest.mark.skipif(
    not browser_available(), reason="Debian's chromium and chromium-driver are not installed"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """The app under waitress on ``http://localhost:PORT`` until the block ends."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=free_port(), threads=4)
    thread = threading.Thread(target=server.run, name="console-under-test", daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=5)


@contextmanager
def chromium(download_dir: str | None = None) -> Iterator[object]:
    """A headless Chromium under Selenium (the system's driver: Selenium Manager never runs)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000", "--lang=da"):
        options.add_argument(arg)
    if download_dir is not None:
        options.add_experimental_option(
            "prefs", {"download.default_directory": download_dir,
                      "download.prompt_for_download": False},
        )
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    # a click that submits a form returns before the next page is there: finding an element
    # waits up to this long for it (a busy CI machine made the log-in tests flicker)
    driver.implicitly_wait(10)
    try:
        yield driver
    finally:
        driver.quit()


def log_in(driver: object, base: str, staff_no: str, pin: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/login")  # type: ignore[attr-defined]
    driver.find_element(By.ID, "staff_no").send_keys(staff_no)  # type: ignore[attr-defined]
    driver.find_element(By.ID, "pin").send_keys(pin)  # type: ignore[attr-defined]
    driver.find_element(By.CSS_SELECTOR, "form.stack button").click()  # type: ignore[attr-defined]
    from selenium.webdriver.support.ui import WebDriverWait

    def left_login_or_refused(d: object) -> bool:
        return "/login" not in d.current_url or bool(  # type: ignore[attr-defined]
            d.find_elements(By.ID, "login-error"))  # type: ignore[attr-defined]

    WebDriverWait(driver, 20).until(left_login_or_refused)


def wait_for_address(driver: object, pattern: str) -> re.Match[str]:
    """The page's address once it matches ``pattern`` (a click's navigation may still be on
    its way when the click returns; a busy machine shows it)."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    with suppress(TimeoutException):  # then the assertion below names the address it has
        WebDriverWait(driver, 20).until(
            lambda d: re.search(pattern, d.current_url)  # type: ignore[attr-defined]
        )
    found = re.search(pattern, driver.current_url)  # type: ignore[attr-defined]
    assert found is not None, driver.current_url  # type: ignore[attr-defined]
    return found
