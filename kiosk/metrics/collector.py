"""The automat's metrics, read when Prometheus asks: the ledger's figures (cached, time-bounded),
the drivers' own health and paper state, FBS's round trips, the periodic workers' counts, and
whether the automat can take a payment (``kiosk.service``, the rule of the out-of-service
screen), all through the core's :class:`~kiosk.metrics.health.AutomatHealth`, which
``/healthz`` and the heartbeat read too. Nothing here runs on, or waits for, the GUI thread."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from drivers.base import Health
from drivers.base.printer import PaperStatus
from kiosk.ledger.tallies import METHODS
from kiosk.metrics.health import AutomatHealth


def _age_s(now: datetime, since: datetime | None) -> float:
    return 0.0 if since is None else max(0.0, (now - since).total_seconds())


class AutomatCollector(Collector):
    def __init__(self, automat: AutomatHealth) -> None:
        self.automat = automat
        self.core = automat.core
        self.ledger = automat.ledger
        self.watch = automat.watch

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
        status = self.automat.service()
        yield GaugeMetricFamily(
            "kiosk_ready", "1 once the core is built and recovery is done",
            value=int(self.automat.ready),
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
        for name, now in self.automat.devices().items():
            for state in Health:
                health.add_metric([name, state.value], int(now is state))
        yield health
        paper = self.automat.paper()
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
