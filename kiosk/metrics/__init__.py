"""Metrics for Prometheus and ``/healthz`` (``[metrics]``, off by default).

``start_metrics(core)`` is the one hook: ``build_core`` calls it as soon as the FBS port exists
(so every FBS call is timed) when ``[metrics] enabled``. It serves at once; ``/healthz`` says
"starting" until recovery is done. See ``collector.py`` for what is read where.
"""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry
from prometheus_client.process_collector import ProcessCollector

from kiosk.metrics.collector import AutomatCollector, CoreParts
from kiosk.metrics.fbs_calls import FbsCalls, ObservedFbs
from kiosk.metrics.ledger_figures import LedgerReader
from kiosk.metrics.server import MetricsServer
from kiosk.metrics.sessions import SessionWatch

log = logging.getLogger(__name__)


class Metrics:
    """The registry, the collector and the server of one core."""

    def __init__(self, collector: AutomatCollector, registry: CollectorRegistry,
                 server: MetricsServer, ledger: LedgerReader) -> None:
        self.collector = collector
        self.registry = registry
        self.server = server
        self._ledger = ledger

    @property
    def url(self) -> str:
        return self.server.url

    def close(self) -> None:
        self.server.close()
        self.collector.close()
        self._ledger.close()


def start_metrics(core: CoreParts) -> Metrics | None:
    """Time ``core.fbs`` from now on, watch the sessions ``core`` makes, and serve
    ``[metrics] address``. None (logged) when the address cannot be listened on: the automat
    takes payments without its metrics (Prometheus then sees the target down)."""
    assert core.fbs is not None
    section = core.config.metrics
    registry = CollectorRegistry(auto_describe=False)
    calls = FbsCalls()
    core.fbs = ObservedFbs(core.fbs, calls)  # type: ignore[assignment]
    watch = SessionWatch()
    core.session_watchers.append(watch.attach)
    ledger = LedgerReader(core.engine, core.config.automat.id, cache_s=section.cache_seconds)
    collector = AutomatCollector(core, ledger, calls, watch)
    registry.register(collector)  # first: a scrape's FBS probe is in the same scrape's histogram
    calls.register(registry)
    ProcessCollector(registry=registry)  # memory, threads, file descriptors, CPU of this process
    try:
        server = MetricsServer(section.host, section.port, registry, collector.health)
    except OSError as exc:
        log.error("metrics: cannot listen on %s: %s", section.address, exc)
        collector.close()
        ledger.close()
        return None
    log.info("metrics at %s/metrics, health at %s/healthz", server.url, server.url)
    return Metrics(collector, registry, server, ledger)


__all__ = ["Metrics", "start_metrics"]
