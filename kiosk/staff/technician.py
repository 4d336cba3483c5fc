"""What technician mode does for a logged-in :class:`StaffUser` with ``Permission.TECHNICIAN``:
each device's health and last problems, a printer test page, an FBS connectivity test with its
round-trip time, the debtor export now and its last batches, the configuration with secrets
hidden, and a restart of the application.

Each call checks the permission first (:class:`NotPermitted`, audited) and writes the audit log
with the staff number and role, as :class:`kiosk.staff.desk.StaffDesk` does. Calls block on the
devices, FBS, the database or the delivery folder: run them on a worker, never the GUI thread.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine

from kiosk.clock import Clock
from kiosk.config.shown import config_lines
from kiosk.device_log import DeviceLog, DeviceProblem
from kiosk.ledger.repository import Ledger
from kiosk.receipts import Issued, render_test_page
from kiosk.staff.roles import Permission, StaffUser
from kiosk.staff.rules import NotPermitted

#: the exit status of a restart asked for in technician mode: not 0, so systemd restarts the
#: automat under ``Restart=always`` and also under ``on-failure`` (EX_TEMPFAIL, sysexits.h)
RESTART_EXIT_CODE = 75


class NotAvailable(RuntimeError):
    """This automat has no such thing to test (no printer, no FBS, no ``[debtor]``); ``str()``
    is the Danish sentence."""


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
