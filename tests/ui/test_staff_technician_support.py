"""Technician mode's card terminal, log export and batch redelivery through the real window, the
core's ``TechnicianDesk``, the ZVT driver against the emulated terminal on a pty, a real
exporter to a folder and a SQLite ledger: what the technician reads in Danish, what the terminal
received, what landed on the "stick", and each refusal a clear sentence."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from drivers.zvt import apdu as A
from drivers.zvt.emulator import ZvtEmulator
from drivers.zvt.terminal import ZvtTerminal
from kiosk.config import load_config
from kiosk.debtor.delivery import FolderDelivery
from kiosk.debtor.exporter import Exporter
from kiosk.debtor.profile import load_profile
from kiosk.devices import DeviceSet
from kiosk.staff import log_export
from kiosk.staff.technician import TechnicianDesk
from tests.payment_fakes import AUTOMAT, session_rig
from tests.ui.conftest import WAIT_MS
from tests.ui.staff_rig import StaffWorld, open_technician, shown, staff_world
from ui.compose import shutdown
from ui.staff.technician import TechnicianScreen

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[ZvtEmulator]:
    with ZvtEmulator(directory=tmp_path, prompt_repeat_s=0.1, ack_timeout=2.0) as emu:
        yield emu


@pytest.fixture
def staff(
    qtbot: QtBot, sqlite_engine: Engine, tmp_path: Path, emulator: ZvtEmulator
) -> Iterator[StaffWorld]:
    world = staff_world(qtbot, sqlite_engine)
    ui = world.ui
    zvt = ZvtTerminal(emulator.path, ack_timeout=2.0, transaction_timeout=3.0,
                      reconnect_interval=0.1)
    zvt.start(lambda _event: None)
    config = load_config(REPO / "config" / "demo.toml")
    config = config.model_copy(update={
        "database": config.database.model_copy(update={"data_dir": tmp_path / "data"}),
        "staff": config.staff.model_copy(update={"usb_mount_roots": [tmp_path / "media"]}),
    })  # fmt: skip
    world.desk.technician = TechnicianDesk(
        sqlite_engine, ui.rig.clock, AUTOMAT,
        devices=DeviceSet(terminal=zvt, printer=ui.printer), printer=ui.rig.receipts,
        exporter=Exporter(sqlite_engine, AUTOMAT, load_profile(REPO / "config/debtor/opus.toml"),
                          tmp_path / "spool", FolderDelivery(tmp_path / "out"), ui.rig.clock),
        config=config, library_name="Testbibliotek",
    )
    world.desk.technician.read_journal = lambda: "jul 01 kiosk[1]: started\n"  # type: ignore[method-assign]
    yield world
    shutdown(world.w)
    zvt.stop()


def choices(screen: TechnicianScreen) -> list[str]:
    return [b.text() for b in screen.support.choice_buttons]


def test_terminal_diagnosis_and_end_of_day_with_its_totals(
    staff: StaffWorld, emulator: ZvtEmulator
) -> None:
    zvt = staff.desk.technician.devices.terminal
    zvt.authorise(2500, "pay-1")
    zvt.authorise(1230, "pay-2")
    screen = open_technician(staff)
    staff.ui.click(screen.function_buttons["terminal_diagnosis"])
    staff.wait_banner(screen, "linjen virker")
    shown(staff, screen, "Forbindelse OK")
    staff.ui.click(screen.function_buttons["terminal_end_of_day"])
    staff.wait_banner(screen, "Dagsafslutningen på betalingsterminalen er gennemført")
    shown(staff, screen, "I alt: 37,30 kr (2 betalinger)")
    text = screen.text.text()
    assert "Visa: 2 betalinger, 37,30 kr" in text and "Terminalens udskrift:" in text
    assert [a.encode() for a in emulator.received if a.command in (A.DIAGNOSIS, A.END_OF_DAY)] \
        == [bytes.fromhex("06 70 00"), bytes.fromhex("06 50 03 00 00 00")]
    assert staff.audit("terminal_end_of_day")[0]["total_ore"] == 3730


def test_a_terminal_that_does_not_answer_is_said_plainly(
    staff: StaffWorld, emulator: ZvtEmulator
) -> None:
    screen = open_technician(staff)
    emulator.maintenance_plan = "silent"
    staff.ui.click(screen.function_buttons["terminal_end_of_day"])
    staff.wait_banner(screen, "Betalingsterminalen gennemførte ikke dagsafslutningen")
    assert "Prøv igen senere" in staff.banner(screen)
    emulator.port.unplug()
    staff.ui.qtbot.waitUntil(lambda: screen.isEnabled(), timeout=WAIT_MS)
    staff.ui.click(screen.function_buttons["terminal_diagnosis"])
    staff.wait_banner(screen, "Diagnosen af betalingsterminalen mislykkedes")
    assert [a["ok"] for a in staff.audit("terminal_end_of_day")] == [False]


def test_logs_to_a_usb_stick_or_the_automat_and_no_stick_said_so(
    staff: StaffWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = open_technician(staff)
    staff.ui.click(screen.function_buttons["export_logs"])
    staff.wait_banner(screen, "Der er ikke sat noget USB-stik i")
    assert choices(screen) == [f"På automaten ({tmp_path / 'data' / 'support'})"]

    stick = tmp_path / "media" / "KINGSTON"
    stick.mkdir(parents=True)
    monkeypatch.setattr(log_export.os.path, "ismount", lambda p: p == str(stick))
    staff.ui.click(screen.function_buttons["export_logs"])
    staff.wait_banner(screen, "Hvor skal logfilen gemmes?")
    assert choices(screen)[0] == "USB-stik KINGSTON"
    staff.ui.click(screen.support.choice_buttons[0])
    staff.wait_banner(screen, "Logfilen er gemt")
    (written,) = stick.iterdir()
    assert written.name.startswith(f"kiosk-logs-{AUTOMAT}-") and written.suffix == ".zip"
    with zipfile.ZipFile(written) as archive:
        assert "konfiguration.txt" in archive.namelist()
    assert choices(screen) == []


def test_a_stick_pulled_or_full_is_a_clear_message_and_nothing_is_left(
    staff: StaffWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stick = tmp_path / "media" / "KINGSTON"
    stick.mkdir(parents=True)
    monkeypatch.setattr(log_export.os.path, "ismount", lambda p: p == str(stick))
    screen = open_technician(staff)
    staff.ui.click(screen.function_buttons["export_logs"])
    staff.wait_banner(screen, "Hvor skal logfilen gemmes?")
    stick.rmdir()  # pulled out before the technician chose it
    staff.ui.click(screen.support.choice_buttons[0])
    staff.wait_banner(screen, "er USB-stikket taget ud?")

    stick.mkdir()
    staff.ui.click(screen.function_buttons["export_logs"])
    staff.wait_banner(screen, "Hvor skal logfilen gemmes?")

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(log_export.os, "fsync", full)
    staff.ui.click(screen.support.choice_buttons[0])
    staff.wait_banner(screen, "Der er ikke plads til logfilen")
    assert "Intet blev gemt" in staff.banner(screen)
    assert list(stick.iterdir()) == []


def test_a_debtor_batch_chosen_and_delivered_again_after_a_second_touch(
    staff: StaffWorld, tmp_path: Path
) -> None:
    rig = session_rig(staff.ui.engine, clock=staff.ui.rig.clock)
    rig.login()  # a citizen pays every claim by card, the municipality's too
    rig.session.pay()
    rig.session.choose_card()
    rig.session.finish_receipt()
    rig.session.reset()
    screen = open_technician(staff)
    staff.ui.click(screen.function_buttons["debtor"])
    staff.ui.qtbot.waitUntil(lambda: screen.export_now.isVisible(), timeout=WAIT_MS)
    staff.ui.click(screen.export_now)
    staff.wait_banner(screen, "Debitorfiler leveret")
    staff.ui.qtbot.waitUntil(lambda: choices(screen) == ["Send #1 igen"], timeout=WAIT_MS)
    (delivered,) = (tmp_path / "out").iterdir()
    first = delivered.read_bytes()
    delivered.unlink()  # the debtor system lost it

    staff.ui.click(screen.support.choice_buttons[0])
    staff.wait_banner(screen, "en gang til")
    assert not delivered.exists() and staff.audit("debtor_redeliver") == []
    staff.ui.click(screen.support.choice_buttons[0])
    staff.wait_banner(screen, "er leveret igen")
    assert delivered.read_bytes() == first
    assert staff.audit("debtor_redeliver")[0]["file_name"] == delivered.name


def test_staff_see_none_of_it(staff: StaffWorld) -> None:
    staff.logged_in()
    assert not staff.w.staff.menu.entry_buttons["technician"].isVisible()
