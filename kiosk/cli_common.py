"""What every ``kiosk`` subcommand shares: where the configuration is by default, the exit code
of a configuration error, and loading the configuration before a command runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.config import KioskConfig, load_config
from kiosk.logs import setup_logging
from kiosk.preflight import check_storage

DEFAULT_CONFIG = Path("/etc/kiosk/kiosk.toml")
EXIT_CONFIG = 2


def load_for_command(args: argparse.Namespace, *, storage: bool = False) -> KioskConfig:
    """The configuration; with ``storage``, also the pre-flight of the data folder and the
    ledger (:mod:`kiosk.preflight`), before the command (or the window) starts."""
    config = load_config(args.config)
    setup_logging(config.logging.level)
    if storage:
        check_storage(config)
    return config
