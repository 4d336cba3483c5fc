"""The issue's first "Must show", in Chromium: a desk worker logs in to the served console,
issues a bon and opens its print page; the printed page (Chromium's own PDF, with the page's
``@page`` size) is 80 mm or A4 wide, the QR code as the browser draws it decodes to a bon that
verifies, and a citizen then pays with that bon at a demo automat (``build_core(demo=True)``:
the FBS simulator, emulated devices) on the same PostgreSQL."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from pyzbar.pyzbar import decode
from selenium.webdriver.common.by import By
from sqlalchemy import Engine, select, text

from kiosk.bons import BonBook, BonSigner
from kiosk.clock import FakeClock
from kiosk.config import load_config
from kiosk.ledger.audit import run_audit
from kiosk.ledger.models import Bon, CitizenSession, Tender
from kiosk.money import Money
from kiosk.payment.states import State
from tests.conftest import BON_KEY
from tests.console.browser import chromium, log_in, needs_browser, served, wait_for_address
from tests.console.rig import console_rig
from tests.integration.test_end_to_end_harness import CONFIG, FBS_REST, Automat

MM = 72 / 25.4  # PDF points per millimetre
DEMO_AUTOMAT = "demo-01"


def printed_width_mm(driver: object) -> float:
    """The page as Chromium prints it, at the size its stylesheet asks for."""
    pdf = driver.execute_cdp_cmd(  # type: ignore[attr-defined]
        "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True}
    )
    page = PdfReader(BytesIO(base64.b64decode(pdf["data"]))).pages[0]
    return float(page.mediabox.width) / MM


def demo_automat(engine: Engine, folder: Path) -> Automat:
    """A demo automat whose ledger is the console's PostgreSQL schema, with the fleet's bon key."""
    with engine.connect() as conn:
        schema = conn.scalar(text("SELECT current_schema()"))
    url = engine.url.update_query_dict({"options": f"-csearch_path={schema}"})
    folder.mkdir()
    (folder / "fbs-password").write_text("demo\n")
    (folder / "bon-key").write_text(BON_KEY + "\n")
    config = CONFIG.format(fbs=FBS_REST, extra="").replace(
        'data_dir = "data"',
        f'data_dir = "data"\nurl = "{url.render_as_string(hide_password=False)}"',
    ).replace('id = "e2e-01"', f'id = "{DEMO_AUTOMAT}"')
    (folder / "kiosk.toml").write_text(config)
    return Automat(load_config(folder / "kiosk.toml"))


@pytest.mark.postgres
@needs_browser
def test_a_desk_bon_printed_from_the_browser_pays_at_a_demo_automat(
    postgres_engine: Engine, tmp_path: Path
) -> None:
    now = FakeClock(datetime.now(UTC))  # the automat's clock is the system's
    rig = console_rig(postgres_engine, tmp_path, secure=True, clock=now)
    with served(rig.app) as base, chromium() as driver:
        log_in(driver, base, "17", "4711")
        driver.get(f"{base}/desk/bon")
        driver.find_element(By.ID, "amount").send_keys("50,00")
        driver.find_element(By.ID, "note").send_keys("Kontant for Anna Andersens gebyrer")
        driver.find_element(By.CSS_SELECTOR, "form.stack button").click()
        found = wait_for_address(driver, r"/desk/bon/([0-9a-f-]{36})$")
        assert driver.find_element(By.CSS_SELECTOR, "[data-print]").is_displayed()  # script ran
        qr = driver.find_element(By.CSS_SELECTOR, "img.qr")
        drawn = decode(Image.open(BytesIO(qr.screenshot_as_png)))
        assert len(drawn) == 1
        payload = drawn[0].data.decode("ascii")
        assert printed_width_mm(driver) == pytest.approx(80, abs=0.5)
        driver.find_element(By.LINK_TEXT, "A4-papir").click()
        wait_for_address(driver, r"\?paper=a4$")
        assert printed_width_mm(driver) == pytest.approx(210, abs=0.5)
        code = driver.find_element(  # the short code in large type, to be typed by hand
            By.XPATH, "//p[contains(@class, 'large')][starts-with(normalize-space(.), 'Kode: ')]"
        ).text

    book = BonBook(postgres_engine, BonSigner(BON_KEY), rig.clock, "anywhere")
    ticket = book.verify(payload)
    assert (ticket.id, ticket.amount, ticket.issuer) == (found.group(1), Money.kr(50), "17")
    assert code == f"Kode: {ticket.short_code_display}"

    automat = demo_automat(postgres_engine, tmp_path / "automat")
    try:
        s = automat.session
        s.start()
        s.identify("3210000001")  # Anna Andersen: two old fees, 20,00 and 30,00
        s.enter_pin("0101")
        s.pay()
        s.redeem_bon(payload)  # the QR code as the automat's scanner reads it
        assert s.state is State.RECEIPT, s.message
        session_id = s.session_id
        s.finish_receipt()
    finally:
        automat.close()
    with postgres_engine.connect() as conn:
        bon = conn.execute(select(Bon).where(Bon.id == ticket.id)).one()
        tenders = conn.execute(select(Tender).where(Tender.session_id == session_id)).all()
        session = conn.execute(select(CitizenSession).where(CitizenSession.id == session_id)).one()
    assert (bon.state, bon.redeemed_session_id) == ("redeemed", session_id)
    assert [(t.kind, t.state, t.amount_ore, t.device, t.reference) for t in tenders] == [
        ("bon", "received", 5000, DEMO_AUTOMAT, ticket.id)]
    assert (session.automat_id, session.state) == (DEMO_AUTOMAT, "done")
    report = run_audit(postgres_engine)
    assert report.clean and not report.open_sessions
