"""``/metrics`` (prometheus_client's WSGI app) and ``/healthz`` on one small threaded WSGI
server (the standard library's ``wsgiref``) in a daemon thread."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app

log = logging.getLogger(__name__)

Health = Callable[[], tuple[bool, str]]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a slow client never holds up the automat's exit


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Every scrape would be a line in the journal."""


def health_app(health: Health, metrics: Callable[..., Iterable[bytes]]) -> Callable[..., Any]:
    """``/healthz``: 200 ``ok``, or 503 and the one-line reason; everything else: ``metrics``."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/healthz":
            return metrics(environ, start_response)
        try:
            ok, reason = health()
        except Exception as exc:  # a bug here must still answer, and say so
            log.exception("healthz failed")
            ok, reason = False, f"health check failed: {exc}"
        body = ("ok" if ok else reason).encode("utf-8") + b"\n"
        start_response(
            "200 OK" if ok else "503 Service Unavailable",
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return app


class MetricsServer:
    """Listens on ``host:port`` (port 0: any free one, see :attr:`port`) until :meth:`close`."""

    def __init__(self, host: str, port: int, registry: CollectorRegistry, health: Health) -> None:
        app = health_app(health, make_wsgi_app(registry))
        server_class = _Server6 if ":" in host else _Server
        self._httpd = make_server(host, port, app, server_class, handler_class=_Quiet)
        self.host = host
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="metrics-http", daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
