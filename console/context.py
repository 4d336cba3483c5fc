"""What every page works with: the configuration, the ledger, the clock and the staff accounts,
built once per application (``fleet()`` inside a request)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Engine

from kiosk.clock import Clock
from kiosk.config import KioskConfig
from kiosk.staff.accounts import StaffBook, staff_book_for


@dataclass(frozen=True)
class Fleet:
    config: KioskConfig
    engine: Engine
    clock: Clock
    staff: StaffBook

    @property
    def console_id(self) -> str:
        """The name the audit log and the bons issued here carry (``[automat] id`` of the
        console's configuration file)."""
        return self.config.automat.id

    @classmethod
    def build(cls, config: KioskConfig, engine: Engine, clock: Clock) -> Fleet:
        return cls(config, engine, clock, staff_book_for(config, engine, clock))


def fleet() -> Fleet:
    return current_app.extensions["kiosk_fleet"]  # type: ignore[no-any-return]
