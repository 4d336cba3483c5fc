"""Metrics for Prometheus and ``/healthz`` (``[metrics]``, off by default).

``start_metrics(health)`` is the one hook: ``build_core`` calls it with the core's
:class:`~kiosk.metrics.health.AutomatHealth` (built as soon as the FBS port exists, so every FBS
call is timed) when ``[metrics] enabled``. It serves at once; ``/healthz`` says "starting" until
recovery is done. See ``collector.py`` for what is read where.
"""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry
from prometheus_client.process_collector import ProcessCollector

from kiosk.metrics.collector import AutomatCollector
from kiosk.metrics.health import AutomatHealth, watch_core
from kiosk.metrics.server import MetricsServer

log = logging.getLogger(__name__)


class Metrics:
    """The registry, the collector and the server of one core (the health it reads is the
    core's, closed with the core)."""

    def __init__(
        self, collector: AutomatCollector, registry: CollectorRegistry, server: MetricsServer
    ) -> None:
        self.collector = collector
        self.registry = registry
        self.server = server

    @property
    def url(self) -> str:
        return self.server.url

    def close(self) -> None:
        self.server.close()


def start_metrics(health: AutomatHealth) -> Metrics | None:
    """Serve ``[metrics] address`` from ``health``. None (logged) when the address cannot be
    listened on: the automat takes payments without its metrics (Prometheus then sees the
    target down)."""
    section = health.core.config.metrics
    registry = CollectorRegistry(auto_describe=False)
    collector = AutomatCollector(health)
    registry.register(collector)  # first: a scrape's FBS probe is in the same scrape's histogram
    health.calls.register(registry)
    ProcessCollector(registry=registry)  # memory, threads, file descriptors, CPU of this process
    try:
        server = MetricsServer(section.host, section.port, registry, health.healthz)
    except OSError as exc:
        log.error("metrics: cannot listen on %s: %s", section.address, exc)
        return None
    log.info("metrics at %s/metrics, health at %s/healthz", server.url, server.url)
    return Metrics(collector, registry, server)


__all__ = ["AutomatHealth", "Metrics", "start_metrics", "watch_core"]
