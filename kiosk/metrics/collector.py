"""The automat's metrics, read when Prometheus asks: the ledger's figures (cached, time-bounded),
the drivers' own health and paper state, FBS's round trips, the periodic workers' counts, and
whether the automat can take a payment (``kiosk.service``, the rule of the out-of-service
screen), which ``/healthz`` answers too. Nothing here runs on, or waits for, the GUI thread."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, Protocol

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from drivers.base import Health
from drivers.base.printer import PaperStatus
from kiosk.clock import Clock
from kiosk.config import KioskConfig
from kiosk.devices import DeviceSet
from kiosk.fbs.port import FbsPort
from kiosk.metrics.bounded import BoundedCall
from kiosk.metrics.fbs_calls import FbsCalls
from kiosk.metrics.ledger_figures import METHODS, LedgerReader
from kiosk.metrics.sessions import SessionWatch
from kiosk.payment.parts import Devices
from kiosk.payment.session import PaymentSession
from kiosk.service import ServiceStatus

#: an FBS answer this recent says whether FBS answers (the screen asks every 30 s, the outbox
#: whenever it sends); older, the metrics ask FBS's health themselves
FBS_FRESH_S = 90.0
#: a paper state other than OK is asked again at most this often, so a refill clears the alert
#: without waiting for the next receipt
PAPER_RECHECK_S = 60.0
#: how long a scrape waits for FBS's health or the printer's paper status
PROBE_TIMEOUT_S = 2.0


class CoreParts(Protocol):
    """What the metrics read of a :class:`kiosk.app.Core` (named here, not imported: the core
    imports the metrics)."""

    config: KioskConfig
    engine: Engine
    clock: Clock
    fbs: FbsPort | None
    devices: DeviceSet
    outbox_worker: Any
    export_scheduler: Any
    purge_scheduler: Any
    session_watchers: list[Callable[[PaymentSession], None]]


def _age_s(now: datetime, since: datetime | None) -> float:
    return 0.0 if since is None else max(0.0, (now - since).total_seconds())


class AutomatCollector(Collector):
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

    # -- the rule ------------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        """Built and recovered (the workers exist only after recovery)."""
        return self.core.outbox_worker is not None and self.core.fbs is not None

    def fbs_answers(self) -> bool:
        answered = self.calls.answered(FBS_FRESH_S)
        if answered is None:
            self._fbs_probe.get()
            answered = self.calls.answered(FBS_FRESH_S)
        return bool(answered)

    def service(self) -> ServiceStatus | None:
        """Whether the automat can take a payment now (None: still starting)."""
        if not self.ready:
            return None
        devices = self.core.devices
        methods = Devices(acceptors=devices.acceptors, terminal=devices.terminal).payment_methods()
        _, ledger_read = self.ledger.current()
        return ServiceStatus(
            self.fbs_answers(), tuple(methods), ledger_read and not self.watch.in_fault
        )

    def health(self) -> tuple[bool, str]:
        """``/healthz``: (in service, the reason it is not, in one line)."""
        status = self.service()
        if status is None:
            return False, "starting: the core is not built and recovered yet"
        return status.in_service, status.reason

    def paper(self) -> PaperStatus | None:
        printer = self.core.devices.printer
        if printer is None:
            return None
        paper = printer.last_paper
        if paper is not None and paper is not PaperStatus.OK:
            checked, ok = self._paper_probe.get()
            if ok and checked is not None:
                paper = checked
        return paper

    # -- the metrics ---------------------------------------------------------------------------
    def collect(self) -> Iterator[Metric]:
        core = self.core
        from kiosk import __version__

        info = GaugeMetricFamily(
            "kiosk_build_info", "this automat and the software's version",
            labels=["automat_id", "version"],
        )
        info.add_metric([core.config.automat.id, __version__], 1)
        yield info
        yield from self._service()
        yield from self._ledger(core.clock.now())
        yield from self._devices()
        yield from self._workers()
        faults = CounterMetricFamily(
            "kiosk_ledger_fault_episodes",
            "times a session went out of order because the ledger refused a money write "
            "(since the start)",
        )
        faults.add_metric([], self.watch.episodes)
        yield faults
        yield GaugeMetricFamily(
            "kiosk_ledger_fault", "1 while a session is out of order holding money the ledger "
            "has not taken", value=int(self.watch.in_fault),
        )

    def _service(self) -> Iterator[Metric]:
        status = self.service()
        yield GaugeMetricFamily(
            "kiosk_ready", "1 once the core is built and recovery is done", value=int(self.ready)
        )
        yield GaugeMetricFamily(
            "kiosk_in_service", "1 when the automat can take a payment (FBS answers, a card "
            "terminal or cash acceptor works, the ledger takes writes): the out-of-service rule",
            value=int(status is not None and status.in_service),
        )
        yield GaugeMetricFamily(
            "kiosk_fbs_up", "1 when FBS answered its last call",
            value=int(status is not None and status.fbs_ok),
        )

    def _ledger(self, now: datetime) -> Iterator[Metric]:
        figures, ok = self.ledger.current()
        yield GaugeMetricFamily(
            "kiosk_ledger_read_ok", "1 when the last read of the ledger's figures succeeded in "
            "time (else the figures are the last ones read)", value=int(ok),
        )
        yield GaugeMetricFamily(
            "kiosk_ledger_read_seconds", "how long the last read of the figures took",
            value=self.ledger.read_seconds,
        )
        sessions = CounterMetricFamily(
            "kiosk_sessions", "ended citizen sessions in the ledger, by outcome",
            labels=["outcome"],
        )
        for outcome in ("done", "cancelled", "timed_out", "recovered"):
            sessions.add_metric([outcome], figures.sessions.get(outcome, 0))
        yield sessions
        payments = CounterMetricFamily(
            "kiosk_payments", "sessions that received money by each method", labels=["method"]
        )
        ore = CounterMetricFamily(
            "kiosk_payments_ore", "øre received by each method (coins and notes are cash)",
            labels=["method"],
        )
        for method in METHODS:
            payments.add_metric([method], figures.payments.get(method, 0))
            ore.add_metric([method], figures.payments_ore.get(method, 0))
        yield payments
        yield ore
        yield GaugeMetricFamily(
            "kiosk_fbs_outbox_pending", "FBS registrations not sent yet (the outbox backlog)",
            value=figures.fbs_pending,
        )
        yield GaugeMetricFamily(
            "kiosk_fbs_outbox_oldest_age_seconds",
            "age of the oldest FBS registration not sent yet (0: none)",
            value=_age_s(now, figures.fbs_oldest_pending),
        )
        yield GaugeMetricFamily(
            "kiosk_fbs_follow_up_items", "FBS registrations FBS refused, waiting for staff "
            "(kiosk followup list)", value=figures.fbs_follow_up,
        )
        yield GaugeMetricFamily(
            "kiosk_debtor_pending_items", "debtor items not in a delivered file yet",
            value=figures.debtor_pending,
        )
        yield GaugeMetricFamily(
            "kiosk_debtor_oldest_pending_age_seconds",
            "age of the oldest debtor item not in a delivered file yet (0: none)",
            value=_age_s(now, figures.debtor_oldest_pending),
        )
        if figures.last_export is not None:
            yield GaugeMetricFamily(
                "kiosk_debtor_last_export_timestamp_seconds",
                "when the newest debtor file was delivered (Unix time)",
                value=figures.last_export.timestamp(),
            )

    def _devices(self) -> Iterator[Metric]:
        health = GaugeMetricFamily(
            "kiosk_device_health", "1 for each device's health now (ok, degraded, down)",
            labels=["device", "health"],
        )
        for name, now in self.core.devices.health().items():
            for state in Health:
                health.add_metric([name, state.value], int(now is state))
        yield health
        paper = self.paper()
        if self.core.devices.printer is not None:
            family = GaugeMetricFamily(
                "kiosk_printer_paper", "1 for the paper state the printer last reported "
                "(ok, near_end, out, no_answer; all 0 before the first check)", labels=["state"],
            )
            for state in PaperStatus:
                family.add_metric([state.value], int(paper is state))
            yield family

    def _workers(self) -> Iterator[Metric]:
        runs = CounterMetricFamily(
            "kiosk_worker_runs", "rounds of each background worker", labels=["worker"]
        )
        failures = CounterMetricFamily(
            "kiosk_worker_failures", "rounds that failed (e.g. the ledger refused), retried at "
            "the next interval", labels=["worker"],
        )
        core = self.core
        for worker in (core.outbox_worker, core.export_scheduler, core.purge_scheduler):
            if worker is not None:
                runs.add_metric([worker.name], worker.runs)
                failures.add_metric([worker.name], worker.failures)
        yield runs
        yield failures
