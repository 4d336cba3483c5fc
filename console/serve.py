"""``kiosk console``: the application under waitress, a production WSGI server in pure Python
(docs/architecture.md says why), on ``[console] address``."""

from __future__ import annotations

import logging

from kiosk.config import KioskConfig

log = logging.getLogger(__name__)


def run_console(config: KioskConfig) -> int:
    from waitress import serve

    from console.app import create_app
    from kiosk.app import open_database

    app = create_app(config, open_database(config))
    console = config.console
    log.info("fleet console on http://%s (put the reverse proxy with TLS in front)",
             console.address)
    serve(app, host=console.host, port=console.port, threads=console.threads,
          ident="kiosk-console", clear_untrusted_proxy_headers=False)
    return 0
