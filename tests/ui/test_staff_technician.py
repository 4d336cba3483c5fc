"""Technician mode through the real window and the core's ``TechnicianDesk`` on a SQLite ledger:
device health with the last faults the core's event relay saw, a printer test page, the FBS
test with its round-trip time, the debtor export now and its batches (a real exporter to a
folder), the configuration with no secret shown, and the restart asked for (not done); staff
cannot open it; every call in the audit log."""

from __future__ import annotations

import configparser
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from drivers.base import Fault, FaultKind, Health, HealthChanged
from kiosk.app import EventRelay
from kiosk.config import load_config
from kiosk.debtor.delivery import FolderDelivery
from kiosk.debtor.exporter import Exporter
from kiosk.debtor.profile import load_profile
from kiosk.devices import DeviceSet
from kiosk.staff.roles import Role, StaffUser
from kiosk.staff.rules import NotPermitted
from kiosk.staff.technician import RESTART_EXIT_CODE, TechnicianDesk
from tests.payment_fakes import AUTOMAT, session_rig
from tests.ui.conftest import WAIT_MS
from tests.ui.staff_rig import StaffWorld, open_technician, shown, staff_world
from ui.compose import shutdown

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def staff(qtbot: QtBot, sqlite_engine: Engine, tmp_path: Path) -> Iterator[StaffWorld]:
    world = staff_world(qtbot, sqlite_engine)
    ui = world.ui
    relay = EventRelay()
    relay.log.now = ui.rig.clock.now
    relay.attach(lambda _event: None)
    world.relay = relay  # type: ignore[attr-defined]
    config = load_config(REPO / "config" / "demo.toml")
    world.desk.technician = TechnicianDesk(
        sqlite_engine, ui.rig.clock, AUTOMAT,
        devices=DeviceSet(coin_acceptor=ui.coins, note_validator=ui.notes, printer=ui.printer),
        device_log=relay.log, printer=ui.rig.receipts, fbs=ui.fbs,
        exporter=Exporter(sqlite_engine, AUTOMAT, load_profile(REPO / "config/debtor/opus.toml"),
                          tmp_path / "spool", FolderDelivery(tmp_path / "out"), ui.rig.clock),
        config=config, library_name="Testbibliotek",
    )
    world.config = config  # type: ignore[attr-defined]
    yield world
    shutdown(world.w)


def test_device_health_and_the_last_faults_the_relay_saw(staff: StaffWorld) -> None:
    relay = staff.relay  # type: ignore[attr-defined]
    relay(Fault("coins", FaultKind.JAM, "coin stuck in the entry"))
    relay(HealthChanged("coins", Health.DOWN, "not answering"))
    staff.ui.coins._health = Health.DOWN
    screen = open_technician(staff)
    staff.ui.click(screen.function_buttons["devices"])
    shown(staff, screen, "coins: ude af drift")
    text = screen.text.text()
    assert "notes: virker" in text and "printer: virker" in text
    lines = text.splitlines()
    at = lines.index("coins: ude af drift")
    assert "health: down – not answering" in lines[at + 1]  # newest first
    assert "jam – coin stuck in the entry" in lines[at + 2]
    assert staff.audit("technician_devices_viewed")[0]["health"]["coins"] == "down"


def test_printer_test_page_and_fbs_round_trip(staff: StaffWorld) -> None:
    screen = open_technician(staff)
    staff.ui.click(screen.function_buttons["test_page"])
    staff.wait_banner(screen, "Testsiden blev udskrevet")
    (page,) = staff.ui.printer.texts("test_page")
    assert "TESTSIDE" in page and "Æ Ø Å" in page
    staff.ui.click(screen.function_buttons["fbs"])
    staff.wait_banner(screen, "FBS svarede på")
    assert "Svartid:" in screen.text.text()
    staff.ui.fbs.down = True
    staff.ui.click(screen.function_buttons["fbs"])
    staff.wait_banner(screen, "FBS svarede ikke")
    assert staff.audit("printer_test_page") == [{"printed": True, "outcome": "printed"}]
    assert [e["ok"] for e in staff.audit("fbs_tested")] == [True, False]


def test_debtor_export_now_and_its_batches(staff: StaffWorld, tmp_path: Path) -> None:
    rig = session_rig(staff.ui.engine, clock=staff.ui.rig.clock)
    rig.login()  # a citizen pays every claim by card, the municipality's too
    rig.session.pay()
    rig.session.choose_card()
    rig.session.finish_receipt()
    rig.session.reset()
    screen = open_technician(staff)
    staff.ui.click(screen.function_buttons["debtor"])
    shown(staff, screen, "Ingen debitorfiler endnu")
    staff.ui.click(screen.export_now)
    staff.wait_banner(screen, "Debitorfiler leveret")
    shown(staff, screen, "#1")
    assert "delivered" in screen.text.text()
    assert len(list((tmp_path / "out").iterdir())) == 1
    (run,) = staff.audit("debtor_export_run")
    assert run["ok"] is True and len(run["batches"]) == 1
    staff.ui.click(screen.export_now)  # nothing more to send
    staff.wait_banner(screen, "Intet ventede")


def test_the_configuration_shows_no_secret(staff: StaffWorld) -> None:
    screen = open_technician(staff)
    staff.ui.click(screen.function_buttons["config"])
    shown(staff, screen, "bons.signing_key = ‹skjult›")
    text = screen.text.text()
    config = staff.config  # type: ignore[attr-defined]
    assert config.bons.signing_key.get() not in text
    assert config.fbs.rest.password.get() not in text
    assert "devices.card_terminal.password = ‹skjult›" in text
    assert "automat.id = demo-01" in text
    assert staff.audit("configuration_viewed") == [{}]


def test_restart_asks_twice_then_quits_with_a_code_systemd_restarts_on(
    staff: StaffWorld,
) -> None:
    asked: list[int] = []
    staff.w.staff.quit_app = asked.append
    screen = open_technician(staff)
    staff.ui.click(screen.function_buttons["restart"])
    staff.wait_banner(screen, "igen for at genstarte")
    assert asked == [] and staff.audit("restart_requested") == []
    staff.ui.click(screen.function_buttons["restart"])
    staff.ui.qtbot.waitUntil(lambda: asked == [RESTART_EXIT_CODE], timeout=WAIT_MS)
    assert staff.audit("restart_requested") == [{"exit_code": RESTART_EXIT_CODE}]
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(REPO / "packaging" / "systemd" / "kiosk.service")
    service = unit["Service"]
    restart = service.get("Restart")
    prevented = service.get("RestartPreventExitStatus", "").split()
    assert restart in ("always", "on-failure", "on-abnormal")  # a non-zero exit restarts
    assert str(RESTART_EXIT_CODE) not in prevented and RESTART_EXIT_CODE != 0


def test_staff_cannot_open_technician_functions(staff: StaffWorld) -> None:
    staff.logged_in()
    assert not staff.w.staff.menu.entry_buttons["technician"].isVisible()
    clerk = StaffUser("17", "Sofie Skranke", frozenset({Role.STAFF}))
    with pytest.raises(NotPermitted):
        staff.desk.technician.restart(clerk)
    assert staff.audit("staff_not_permitted") == [{"permission": "technician"}]
    assert staff.audit("restart_requested") == []
