"""``[metrics]``: the Prometheus metrics and ``/healthz`` on a local address (off by default)."""

from __future__ import annotations

from pydantic import Field, field_validator

from kiosk.config.base import Section


def host_and_port(address: str) -> tuple[str, int]:
    """``"127.0.0.1:9464"``, ``"[::1]:9464"`` or ``"localhost:9464"`` → host and port; ValueError
    saying what is wrong otherwise."""
    host, sep, port = address.rpartition(":")
    if not sep or not host:
        raise ValueError('write host and port, e.g. "127.0.0.1:9464"')
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise ValueError('write an IPv6 address in brackets, e.g. "[::1]:9464"')
    if not host or any(c.isspace() for c in host):
        raise ValueError('write host and port, e.g. "127.0.0.1:9464"')
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError("the port must be a number from 0 (any free port) to 65535")
    return host, int(port)


class ListeningSection(Section):
    """A section with an ``address`` to listen on (``host:port``), checked when the file loads."""

    address: str

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        host_and_port(value)
        return value

    @property
    def host(self) -> str:
        return host_and_port(self.address)[0]

    @property
    def port(self) -> int:
        return host_and_port(self.address)[1]


class MetricsSection(ListeningSection):
    """Metrics for Prometheus at ``http://ADDRESS/metrics``, and ``/healthz`` (200 when the
    automat can take a payment, else 503 and why)."""

    enabled: bool = False
    #: where to listen; keep it on loopback or a management network: it names no person, but
    #: says how much money the automat took
    address: str = "127.0.0.1:9464"
    #: the ledger's figures are read at most this often (a scrape in between gets the last read)
    cache_seconds: float = Field(5.0, ge=1, le=300)
