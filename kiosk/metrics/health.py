"""The automat's health as everything that reports it reads it: the Prometheus collector,
``/healthz`` and the heartbeat in the ledger (``kiosk.heartbeat``). One object per core, built by
``build_core`` (:func:`watch_core`) as soon as the FBS port exists, so every FBS call is timed.

It reads, never computes anew: whether the automat can take a payment is ``kiosk.service``'s
rule; the ledger's figures are :class:`LedgerReader`'s (cached, time-bounded); device health is
each driver's own; FBS's last answer and round trip are :class:`FbsCalls`'; ledger-fault
episodes are the :class:`SessionWatch`'s. A slow FBS or printer is asked through a
:class:`BoundedCall`, so no reader waits more than ``PROBE_TIMEOUT_S`` for either. Nothing here
runs on, or waits for, the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import Engine

from drivers.base import Health
from drivers.base.printer import PaperStatus
from kiosk.clock import Clock
from kiosk.config import KioskConfig
from kiosk.devices import DeviceSet
from kiosk.fbs.port import FbsPort
from kiosk.metrics.bounded import BoundedCall
from kiosk.metrics.fbs_calls import FbsCalls, ObservedFbs
from kiosk.metrics.ledger_figures import LedgerReader
from kiosk.metrics.sessions import SessionWatch
from kiosk.payment.parts import Devices
from kiosk.payment.session import PaymentSession
from kiosk.service import ServiceStatus

#: an FBS answer this recent says whether FBS answers (the screen asks every 30 s, the outbox
#: whenever it sends); older, the health asks FBS itself
FBS_FRESH_S = 90.0
#: a paper state other than OK is asked again at most this often, so a refill clears the alert
#: without waiting for the next receipt
PAPER_RECHECK_S = 60.0
#: how long a reader waits for FBS's health or the printer's paper status
PROBE_TIMEOUT_S = 2.0


class CoreParts(Protocol):
    """What the health reads of a :class:`kiosk.app.Core` (named here, not imported: the core
    imports this)."""

    config: KioskConfig
    engine: Engine
    clock: Clock
    fbs: FbsPort | None
    devices: DeviceSet
    outbox_worker: Any
    export_scheduler: Any
    purge_scheduler: Any
    session_watchers: list[Callable[[PaymentSession], None]]


class AutomatHealth:
    def __init__(
        self, core: CoreParts, ledger: LedgerReader, calls: FbsCalls, watch: SessionWatch
    ) -> None:
        self.core = core
        self.ledger = ledger
        self.calls = calls
        self.watch = watch
        self._fbs_probe = BoundedCall(
            self._ask_fbs, every_s=FBS_FRESH_S / 3, timeout_s=PROBE_TIMEOUT_S, name="fbs-health"
        )
        self._paper_probe = BoundedCall(
            self._ask_paper, every_s=PAPER_RECHECK_S, timeout_s=PROBE_TIMEOUT_S, name="paper"
        )

    def _ask_fbs(self) -> bool:
        assert self.core.fbs is not None
        return self.core.fbs.health().ok  # timed and remembered by ObservedFbs

    def _ask_paper(self) -> PaperStatus:
        assert self.core.devices.printer is not None
        return self.core.devices.printer.paper_status()

    def close(self) -> None:
        self._fbs_probe.close()
        self._paper_probe.close()
        self.ledger.close()

    @property
    def ready(self) -> bool:
        """Built and recovered (the workers exist only after recovery)."""
        return self.core.outbox_worker is not None and self.core.fbs is not None

    def fbs_answers(self, *, ask: bool = True) -> bool:
        """FBS's last answer if it is recent; else (``ask``) FBS is asked, or (not ``ask``: a
        stopping automat does not wait for FBS) it does not count as answering."""
        answered = self.calls.answered(FBS_FRESH_S)
        if answered is None and ask:
            self._fbs_probe.get()
            answered = self.calls.answered(FBS_FRESH_S)
        return bool(answered)

    def service(self, *, ask: bool = True) -> ServiceStatus | None:
        """Whether the automat can take a payment now (None: still starting)."""
        if not self.ready:
            return None
        devices = self.core.devices
        methods = Devices(acceptors=devices.acceptors, terminal=devices.terminal).payment_methods()
        _, ledger_read = self.ledger.current()
        return ServiceStatus(
            self.fbs_answers(ask=ask), tuple(methods), ledger_read and not self.watch.in_fault
        )

    def healthz(self) -> tuple[bool, str]:
        """``/healthz``: (in service, the reason it is not, in one line)."""
        status = self.service()
        if status is None:
            return False, "starting: the core is not built and recovered yet"
        return status.in_service, status.reason

    def devices(self) -> dict[str, Health]:
        """Each driver's health now."""
        return self.core.devices.health()

    def paper(self, *, ask: bool = True) -> PaperStatus | None:
        """The printer's paper as last reported, asked again (``ask``) while it is not OK (None:
        no printer, or not checked yet)."""
        printer = self.core.devices.printer
        if printer is None:
            return None
        paper = printer.last_paper
        if ask and paper is not None and paper is not PaperStatus.OK:
            checked, ok = self._paper_probe.get()
            if ok and checked is not None:
                paper = checked
        return paper


def watch_core(core: CoreParts) -> AutomatHealth:
    """Time ``core.fbs`` from now on (call before anything else holds the port), watch the
    sessions ``core`` makes, and read the ledger's figures beside its writers."""
    assert core.fbs is not None
    calls = FbsCalls()
    core.fbs = ObservedFbs(core.fbs, calls)  # type: ignore[assignment]
    watch = SessionWatch()
    core.session_watchers.append(watch.attach)
    ledger = LedgerReader(
        core.engine, core.config.automat.id, cache_s=core.config.metrics.cache_seconds
    )
    return AutomatHealth(core, ledger, calls, watch)
