"""Technician mode's core for support: the card terminal's diagnosis and end-of-day through the ZVT
driver and the emulated terminal, the log export (one zip file, no CPR, no secret, nothing left
behind when the target fails) and a debtor batch delivered again; each call permission-checked
and audit-logged."""

from __future__ import annotations

import errno
import logging
import os
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from drivers.base import CardOutcome, Fault, FaultKind
from drivers.zvt import apdu as A
from drivers.zvt.emulator import ZvtEmulator
from drivers.zvt.terminal import ZvtTerminal
from kiosk.clock import FakeClock
from kiosk.config import load_config
from kiosk.debtor.delivery import FolderDelivery
from kiosk.debtor.exporter import Exporter, ExportError
from kiosk.debtor.profile import load_profile
from kiosk.device_log import DeviceLog
from kiosk.devices import DeviceSet
from kiosk.ledger.models import AuditEntry
from kiosk.logs import setup_logging
from kiosk.staff import log_export
from kiosk.staff.roles import Role, StaffUser
from kiosk.staff.rules import NotPermitted
from kiosk.staff.technician import NotAvailable, TechnicianDesk
from tests.integration.test_debtor_export import seed

REPO = Path(__file__).resolve().parents[2]
AUTOMAT = "kbh-01"
CLERK = StaffUser("17", "Sofie Skranke", frozenset({Role.STAFF}))
TECHNICIAN = StaffUser("30", "Tom Tekniker", frozenset({Role.TECHNICIAN}))
CPR = "0101901234"


def audit(engine: Engine, action: str) -> list[tuple[str, str, dict]]:
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEntry).where(AuditEntry.action == action)).all()
    return [(r.actor, r.role, r.details) for r in rows]


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[ZvtEmulator]:
    with ZvtEmulator(directory=tmp_path, prompt_repeat_s=0.1, ack_timeout=2.0) as emu:
        yield emu


@pytest.fixture
def zvt(emulator: ZvtEmulator) -> Iterator[ZvtTerminal]:
    terminal = ZvtTerminal(
        emulator.path, ack_timeout=2.0, transaction_timeout=3.0, reconnect_interval=0.1
    )
    terminal.start(lambda _event: None)
    yield terminal
    terminal.stop()


@pytest.fixture
def desk(sqlite_engine: Engine, zvt: ZvtTerminal, tmp_path: Path) -> TechnicianDesk:
    clock = FakeClock(datetime(2026, 7, 1, 10, 30, tzinfo=UTC))
    config = load_config(REPO / "config" / "demo.toml")
    config = config.model_copy(update={
        "database": config.database.model_copy(update={"data_dir": tmp_path / "data"}),
        "staff": config.staff.model_copy(update={"usb_mount_roots": [tmp_path / "media"]}),
    })  # fmt: skip
    device_log = DeviceLog(clock.now)
    device_log.record(Fault("card_terminal", FaultKind.PROTOCOL, f"patron {CPR} waited"))
    exporter = Exporter(sqlite_engine, AUTOMAT, load_profile(REPO / "config/debtor/opus.toml"),
                        tmp_path / "spool", FolderDelivery(tmp_path / "outgoing"), clock)
    return TechnicianDesk(
        sqlite_engine, clock, AUTOMAT, devices=DeviceSet(terminal=zvt), device_log=device_log,
        exporter=exporter, config=config, library_name="Testbibliotek",
    )


# -- card terminal ----------------------------------------------------------------------------


def test_diagnosis_and_end_of_day_through_the_terminal_audited(
    desk: TechnicianDesk, zvt: ZvtTerminal, sqlite_engine: Engine
) -> None:
    assert zvt.authorise(2500, "pay-1").outcome is CardOutcome.APPROVED
    diagnosis = desk.terminal_diagnosis(TECHNICIAN)
    assert diagnosis.ok and "Forbindelse OK" in diagnosis.lines
    day = desk.terminal_end_of_day(TECHNICIAN)
    assert day.ok and day.total_ore == 2500
    assert audit(sqlite_engine, "terminal_diagnosis") == [("30", "technician", {
        "ok": True, "result_code": None, "message": "", "total_ore": None, "payments": 0})]
    assert audit(sqlite_engine, "terminal_end_of_day")[0][2] == {
        "ok": True, "result_code": 0, "message": "", "total_ore": 2500, "payments": 1}


def test_a_terminal_not_answering_is_a_result_saying_so(
    desk: TechnicianDesk, emulator: ZvtEmulator, sqlite_engine: Engine
) -> None:
    emulator.maintenance_plan = "silent"
    result = desk.terminal_end_of_day(TECHNICIAN)
    assert not result.ok and "stopped answering" in result.message
    assert audit(sqlite_engine, "terminal_end_of_day")[0][2]["ok"] is False


def test_no_terminal_or_one_without_maintenance_is_not_available(
    desk: TechnicianDesk,
) -> None:
    desk.devices = DeviceSet()
    with pytest.raises(NotAvailable, match="ingen betalingsterminal"):
        desk.terminal_diagnosis(TECHNICIAN)

    class PlainTerminal:
        def diagnosis(self) -> None:
            raise NotImplementedError

    desk.devices = DeviceSet(terminal=PlainTerminal())  # type: ignore[arg-type]
    with pytest.raises(NotAvailable, match="kan ikke"):
        desk.terminal_diagnosis(TECHNICIAN)


def test_staff_may_not_use_the_terminal_export_logs_or_redeliver(
    desk: TechnicianDesk, emulator: ZvtEmulator, sqlite_engine: Engine, tmp_path: Path
) -> None:
    for call in (
        lambda: desk.terminal_diagnosis(CLERK),
        lambda: desk.terminal_end_of_day(CLERK),
        lambda: desk.export_targets(CLERK),
        lambda: desk.export_logs(CLERK, tmp_path),
        lambda: desk.redeliver_batch(CLERK, 1),
    ):
        with pytest.raises(NotPermitted):
            call()
    assert len(audit(sqlite_engine, "staff_not_permitted")) == 5
    assert not [a for a in emulator.received if a.command in (A.DIAGNOSIS, A.END_OF_DAY)]
    assert list(tmp_path.glob("kiosk-logs-*")) == []


# -- log export -------------------------------------------------------------------------------


@pytest.fixture
def logged(desk: TechnicianDesk) -> Iterator[None]:
    handler = setup_logging("INFO")
    secret = desk.config.fbs.rest.password.get()  # type: ignore[union-attr]
    logging.getLogger("kiosk.test").warning("patron %s; password %s", CPR, secret)
    desk.read_journal = lambda: f"jul 01 kiosk[1]: login {CPR} with {secret}\n"  # type: ignore[method-assign]
    yield
    logging.getLogger().removeHandler(handler)


def test_the_logs_go_into_one_zip_named_by_automat_and_danish_time(
    desk: TechnicianDesk, logged: None, tmp_path: Path, sqlite_engine: Engine
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    written = desk.export_logs(TECHNICIAN, stick)
    assert written.name == "kiosk-logs-kbh-01-20260701-123000.zip"  # 10:30 UTC is 12:30 here
    assert sorted(p.name for p in stick.iterdir()) == [written.name]
    with zipfile.ZipFile(written) as archive:
        texts = {name: archive.read(name).decode() for name in archive.namelist()}
    assert set(texts) == {"oversigt.txt", "enheder.txt", "konfiguration.txt", "log/journal.txt",
                          "log/denne-koersel.txt"}
    everything = "\n".join(texts.values())
    config = desk.config
    for secret in (config.fbs.rest.password.get(), config.bons.signing_key.get()):  # type: ignore[union-attr]
        assert secret not in everything
    assert CPR not in everything and "010190-1234" not in everything
    assert "******-****" in texts["log/journal.txt"] and "‹skjult›" in texts["log/journal.txt"]
    assert "patron ******-**** waited" in texts["enheder.txt"]
    assert "Automat: kbh-01 (Testbibliotek)" in texts["oversigt.txt"]
    assert "01.07.2026 12:30:00 (dansk tid) af personalenummer 30" in texts["oversigt.txt"]
    assert "bons.signing_key = ‹skjult›" in texts["konfiguration.txt"]
    assert audit(sqlite_engine, "logs_exported")[0][2]["file"] == written.name


def test_the_targets_are_the_mounted_sticks_then_the_automats_own_folder(
    desk: TechnicianDesk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    media = tmp_path / "media"
    assert [t.usb for t in desk.export_targets(TECHNICIAN)] == [False]  # no /media at all
    (media / "tom" / "KINGSTON").mkdir(parents=True)
    (media / "tom" / "not-mounted").mkdir()
    (media / "SANDISK").mkdir()
    mounted = {str(media / "tom" / "KINGSTON"), str(media / "SANDISK")}
    monkeypatch.setattr(log_export.os.path, "ismount", lambda p: p in mounted)
    targets = desk.export_targets(TECHNICIAN)
    assert [(t.path, t.usb) for t in targets] == [
        (media / "SANDISK", True), (media / "tom" / "KINGSTON", True),
        (tmp_path / "data" / "support", False),
    ]
    written = desk.export_logs(TECHNICIAN, targets[-1].path)  # created when first used
    assert written.parent == tmp_path / "data" / "support"


def test_a_stick_that_is_gone_is_named_and_nothing_is_written(
    desk: TechnicianDesk, tmp_path: Path, sqlite_engine: Engine
) -> None:
    with pytest.raises(NotAvailable, match=r"findes ikke .*taget ud"):
        desk.export_logs(TECHNICIAN, tmp_path / "media" / "KINGSTON")
    assert not (tmp_path / "media").exists()
    assert "findes ikke" in audit(sqlite_engine, "logs_export_failed")[0][2]["error"]


@pytest.mark.parametrize(("code", "words"), [
    (errno.ENOSPC, "ikke plads"), (errno.EROFS, "kan ikke skrives"),
    (errno.EACCES, "kan ikke skrives"), (errno.EIO, "taget ud"),
])  # fmt: skip
def test_a_full_or_unwritable_target_leaves_nothing_behind(
    desk: TechnicianDesk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, words: str
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()

    def fail(fd: int) -> None:  # the data went out, the stick could not keep it
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(log_export.os, "fsync", fail)
    with pytest.raises(NotAvailable, match=words) as refused:
        desk.export_logs(TECHNICIAN, stick)
    assert "Intet blev gemt" in str(refused.value)
    assert list(stick.iterdir()) == []


def test_a_target_that_is_a_file_is_refused(desk: TechnicianDesk, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(NotAvailable, match="findes ikke"):
        desk.export_logs(TECHNICIAN, tmp_path / "a-file")


# -- a debtor batch delivered again ----------------------------------------------------------


def test_a_delivered_batch_is_delivered_again_and_audited(
    desk: TechnicianDesk, tmp_path: Path, sqlite_engine: Engine
) -> None:
    seed(sqlite_engine, 2)
    (batch,) = desk.export_debtor_now(TECHNICIAN)
    delivered = tmp_path / "outgoing" / batch.file_name
    first = delivered.read_bytes()
    delivered.unlink()  # the debtor system lost it
    again = desk.redeliver_batch(TECHNICIAN, batch.id)
    assert again.file_name == batch.file_name and delivered.read_bytes() == first
    assert audit(sqlite_engine, "debtor_redeliver")[0][:2] == ("30", "technician")
    with pytest.raises(ExportError, match="no export batch 99"):
        desk.redeliver_batch(TECHNICIAN, 99)
    assert audit(sqlite_engine, "debtor_redeliver_refused")[0][2]["batch_id"] == 99
