"""The composition root: builds the object graph from the configuration."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine

from kiosk.bons import BonBook, bon_book_for
from kiosk.clock import Clock, SystemClock
from kiosk.config import KioskConfig
from kiosk.ledger.db import make_engine
from kiosk.ledger.migrate import upgrade
from kiosk.ledger.repository import Ledger

log = logging.getLogger(__name__)


@dataclass
class Core:
    config: KioskConfig
    engine: Engine
    ledger: Ledger
    clock: Clock
    bons: BonBook


def open_database(config: KioskConfig, *, migrate: bool = True) -> Engine:
    engine = make_engine(config.database_url())
    if migrate:
        upgrade(engine)
    return engine


def build_core(config: KioskConfig, clock: Clock | None = None) -> Core:
    """Open (and migrate) the ledger; later issues add FBS, devices and the payment flow here."""
    clock = clock or SystemClock()
    engine = open_database(config)
    log.info("ledger ready at %s", engine.url.render_as_string(hide_password=True))
    ledger = Ledger(engine, config.automat.id, clock)
    return Core(config, engine, ledger, clock, bon_book_for(config, engine, clock))
