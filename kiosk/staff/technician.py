"""What technician mode does for a logged-in :class:`StaffUser` with ``Permission.TECHNICIAN``:
each device's health and last problems, a printer test page, the card terminal's diagnosis and
end-of-day, an FBS connectivity test with its round-trip time, the debtor export now, its last
batches and a batch delivered again, the configuration with secrets hidden, the logs exported for
support (:mod:`kiosk.staff.log_export`), and a restart of the application.

Each call checks the permission first (:class:`NotPermitted`, audited) and writes the audit log
with the staff number and role, as :class:`kiosk.staff.desk.StaffDesk` does. Calls block on the
devices, FBS, the database or the delivery folder: run them on a worker, never the GUI thread.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine

from drivers.base.terminal import MaintenanceResult
from kiosk.clock import Clock, local
from kiosk.config.shown import config_lines, secret_values
from kiosk.cpr import scrub
from kiosk.device_log import DeviceLog, DeviceProblem
from kiosk.ledger.repository import Ledger
from kiosk.receipts import Issued, render_test_page
from kiosk.staff.log_export import (
    ExportTargetError,
    archive_name,
    read_journal,
    summary_lines,
    usb_sticks,
    write_archive,
)
from kiosk.staff.roles import Permission, StaffUser
from kiosk.staff.rules import NotPermitted

#: the exit status of a restart asked for in technician mode: not 0, so systemd restarts the
#: automat under ``Restart=always`` and also under ``on-failure`` (EX_TEMPFAIL, sysexits.h)
RESTART_EXIT_CODE = 75


class NotAvailable(RuntimeError):
    """This automat cannot do it here and now (no printer, no FBS, no ``[debtor]``, no card
    terminal, no USB stick or a full one); ``str()`` is the Danish sentence."""


@dataclass(frozen=True, slots=True)
class ExportTarget:
    """Where the logs may go: a mounted USB stick, or the automat's own support folder."""

    path: Path
    usb: bool


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    name: str
    health: str  # drivers.base.Health value: ok, degraded, down
    problems: tuple[DeviceProblem, ...]  # newest first


@dataclass(frozen=True, slots=True)
class FbsTest:
    ok: bool
    detail: str
    round_trip_ms: float


class TechnicianDesk:
    #: the log export's reader of the systemd journal (tests give their own)
    read_journal = staticmethod(read_journal)

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        automat_id: str,
        *,
        devices: Any = None,  # kiosk.devices.DeviceSet (all() → drivers with name and health)
        device_log: DeviceLog | None = None,
        printer: Any = None,  # ReceiptService: print_document
        fbs: Any = None,  # FbsPort: health()
        exporter: Any = None,  # kiosk.debtor.exporter.Exporter, with [debtor]
        config: BaseModel | None = None,
        library_name: str = "",
    ) -> None:
        self.clock = clock
        self.automat_id = automat_id
        self.devices = devices
        self.device_log = device_log or DeviceLog(clock.now)
        self.printer = printer
        self.fbs = fbs
        self.exporter = exporter
        self.config = config
        self.library_name = library_name
        self.ledger = Ledger(engine, automat_id, clock)

    def _allowed(self, user: StaffUser) -> str:
        role = user.role_for(Permission.TECHNICIAN)
        if role is None:
            self.ledger.audit(user.staff_no, user.main_role.value, "staff_not_permitted",
                              permission=Permission.TECHNICIAN.value)
            raise NotPermitted(user, Permission.TECHNICIAN)
        return role.value

    def _audit(self, user: StaffUser, role: str, action: str, **details: Any) -> None:
        self.ledger.audit(user.staff_no, role, action, **details)

    # -- devices ---------------------------------------------------------------------------
    def device_status(self, user: StaffUser) -> list[DeviceStatus]:
        role = self._allowed(user)
        drivers = self.devices.all() if self.devices is not None else []
        shown = [
            DeviceStatus(d.name, _health(d), tuple(self.device_log.problems(d.name)))
            for d in drivers
        ]
        self._audit(user, role, "technician_devices_viewed",
                    health={s.name: s.health for s in shown})
        return shown

    def print_test_page(self, user: StaffUser) -> Issued:
        role = self._allowed(user)
        if self.printer is None:
            raise NotAvailable("Automaten har ingen kvitteringsprinter.")
        page = render_test_page(self.library_name, self.automat_id, self.clock.now())
        issued: Issued = self.printer.print_document(page)
        self._audit(user, role, "printer_test_page", printed=issued.printed,
                    outcome=issued.result.outcome.value)
        return issued

    # -- FBS ---------------------------------------------------------------------------------
    def test_fbs(self, user: StaffUser) -> FbsTest:
        """FBS's cheapest call (``FbsPort.health``: a REST client login, SIP2 99/98) timed from
        here to its answer."""
        role = self._allowed(user)
        if self.fbs is None:
            raise NotAvailable("Automaten har ingen forbindelse til FBS opsat.")
        started = time.perf_counter()
        try:
            health = self.fbs.health()
            ok, detail = bool(health.ok), str(health.detail or "")
        except Exception as exc:  # a port that raises instead of answering is down, too
            ok, detail = False, str(exc)
        took = (time.perf_counter() - started) * 1000
        result = FbsTest(ok, detail, took)
        self._audit(user, role, "fbs_tested", ok=ok, round_trip_ms=round(took, 1))
        return result

    # -- card terminal -----------------------------------------------------------------------
    @property
    def has_card_terminal(self) -> bool:
        return getattr(self.devices, "terminal", None) is not None

    def terminal_diagnosis(self, user: StaffUser) -> MaintenanceResult:
        """The terminal checks its line to the acquirer (ZVT ``06 70``); blocks up to the
        terminal's transaction timeout."""
        return self._terminal(user, "diagnosis")

    def terminal_end_of_day(self, user: StaffUser) -> MaintenanceResult:
        """The terminal sends the day's turnover to the acquirer (ZVT ``06 50``) and reports
        its totals if it has them."""
        return self._terminal(user, "end_of_day")

    def _terminal(self, user: StaffUser, what: str) -> MaintenanceResult:
        role = self._allowed(user)
        terminal = getattr(self.devices, "terminal", None)
        if terminal is None:
            raise NotAvailable("Automaten har ingen betalingsterminal.")
        try:
            result: MaintenanceResult = getattr(terminal, what)()
        except NotImplementedError:
            raise NotAvailable("Betalingsterminalen kan ikke det fra automaten.") from None
        except Exception as exc:  # a driver that raises did not do it either
            result = MaintenanceResult(False, str(exc))
        result = dataclasses.replace(result, lines=tuple(scrub(line) for line in result.lines))
        self._audit(user, role, f"terminal_{what}", ok=result.ok, result_code=result.result_code,
                    message=result.message[:200], total_ore=result.total_ore,
                    payments=sum(s.count for s in result.schemes))
        return result

    # -- debtor export -----------------------------------------------------------------------
    @property
    def has_debtor_export(self) -> bool:
        return self.exporter is not None

    def debtor_batches(self, user: StaffUser, limit: int = 10) -> list[Any]:
        role = self._allowed(user)
        batches = self._exporter().batches(limit)
        self._audit(user, role, "debtor_batches_viewed", batches=len(batches))
        return batches

    def export_debtor_now(self, user: StaffUser) -> list[Any]:
        """One export run now (``Exporter.run``: unfinished batches first, then what is
        pending); its ``ExportError`` is one line for the screen."""
        role = self._allowed(user)
        try:
            done = self._exporter().run()
        except Exception as exc:
            self._audit(user, role, "debtor_export_run", ok=False, error=str(exc)[:200])
            raise
        self._audit(user, role, "debtor_export_run", ok=True, batches=[b.id for b in done])
        return done

    def redeliver_batch(self, user: StaffUser, batch_id: int) -> Any:
        """Put a delivered batch's file at the target again (``Exporter.redeliver``: the same
        bytes; it writes the audit entry ``debtor_redeliver``); a refusal is audited here."""
        role = self._allowed(user)
        try:
            return self._exporter().redeliver(batch_id, actor=user.staff_no, role=role)
        except NotAvailable:
            raise
        except Exception as exc:
            self._audit(user, role, "debtor_redeliver_refused", batch_id=batch_id,
                        error=str(exc)[:200])
            raise

    def _exporter(self) -> Any:
        if self.exporter is None:
            raise NotAvailable("Automaten har ingen eksport til debitorsystemet ([debtor]).")
        return self.exporter

    # -- configuration and restart ---------------------------------------------------------------
    def configuration(self, user: StaffUser) -> list[str]:
        role = self._allowed(user)
        if self.config is None:
            raise NotAvailable("Konfigurationen kendes ikke her.")
        self._audit(user, role, "configuration_viewed")
        return config_lines(self.config)

    # -- log export for support ---------------------------------------------------------------
    @property
    def support_dir(self) -> Path | None:
        """The automat's own folder for an export when no USB stick is at hand."""
        database = getattr(self.config, "database", None)
        return None if database is None else Path(database.data_dir) / "support"

    def export_targets(self, user: StaffUser) -> list[ExportTarget]:
        """The mounted USB sticks (``[staff] usb_mount_roots``), then the support folder."""
        role = self._allowed(user)
        staff = getattr(self.config, "staff", None)
        roots = staff.usb_mount_roots if staff is not None else []
        targets = [ExportTarget(p, True) for p in usb_sticks(roots)]
        if self.support_dir is not None:
            targets.append(ExportTarget(self.support_dir, False))
        self._audit(user, role, "log_export_targets", usb=sum(t.usb for t in targets))
        return targets

    def export_logs(self, user: StaffUser, target_dir: Path) -> Path:
        """One zip file in ``target_dir`` with the logs, the devices' last problems, the
        configuration and a summary, no CPR and no secret in it; nothing left if it fails."""
        role = self._allowed(user)
        folder = Path(target_dir)
        try:
            if folder == self.support_dir:
                folder.mkdir(parents=True, exist_ok=True)
            if not folder.is_dir():
                raise ExportTargetError(
                    f"{folder} findes ikke (er USB-stikket taget ud?). Intet blev gemt.")
            now = self.clock.now()
            files = self._support_files(user, now)
            written = write_archive(folder, archive_name(self.automat_id, now), files,
                                    secret_values(self.config) if self.config else ())
        except (ExportTargetError, OSError) as exc:
            why = str(exc) if isinstance(exc, ExportTargetError) else (
                f"{folder} kan ikke bruges: {exc.strerror or exc}. Intet blev gemt.")
            self._audit(user, role, "logs_export_failed", target=str(folder), error=why[:200])
            raise NotAvailable(why) from None
        self._audit(user, role, "logs_exported", target=str(folder), file=written.name,
                    size=written.stat().st_size)
        return written

    def _support_files(self, user: StaffUser, now: Any) -> dict[str, str]:
        from kiosk.logs import recent_lines

        drivers = self.devices.all() if self.devices is not None else []
        devices: list[str] = []
        for d in drivers:
            devices.append(f"{d.name}: {_health(d)}")
            devices += [f"    {local(p.at):%d.%m.%Y %H:%M:%S}  {p.what}  {p.detail}"
                        for p in self.device_log.problems(d.name)]
        return {
            "oversigt.txt": "\n".join(summary_lines(
                self.automat_id, self.library_name, now, user.staff_no, self.config,
                {d.name: _health(d) for d in drivers})) + "\n",
            "enheder.txt": "\n".join(devices or ["Ingen enheder er sat op."]) + "\n",
            "konfiguration.txt": "\n".join(
                config_lines(self.config) if self.config else ["Konfigurationen kendes ikke."]
            ) + "\n",
            "log/journal.txt": self.read_journal(),
            "log/denne-koersel.txt": "\n".join(recent_lines()) + "\n",
        }

    def restart(self, user: StaffUser) -> int:
        """Audit the restart and return the exit status the front end quits with
        (:data:`RESTART_EXIT_CODE`); systemd starts the automat again."""
        role = self._allowed(user)
        self._audit(user, role, "restart_requested", exit_code=RESTART_EXIT_CODE)
        return RESTART_EXIT_CODE


def _health(device: Any) -> str:
    try:
        return str(device.health.value)
    except Exception:  # a driver that cannot say is not usable
        return "down"


def technician_for(core: Any) -> TechnicianDesk:
    """The technician desk over a built :class:`kiosk.app.Core`."""
    return TechnicianDesk(
        core.engine, core.clock, core.config.automat.id,
        devices=core.devices, device_log=core.device_log, printer=core.receipts, fbs=core.fbs,
        exporter=core.exporter, config=core.config, library_name=core.config.automat.library_name,
    )
