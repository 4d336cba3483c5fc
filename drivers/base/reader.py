"""Identification devices (barcode/magstripe scanner, PC/SC card reader): interface and events.

A reader reports what it read as raw text; the core (``kiosk.identification``) decides what it
means (library card, health card with a CPR, RFID card number). Because a value can be a CPR
number, events never show it in ``repr`` (and so never in a log line).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from drivers.base.events import Device


class IdSource(StrEnum):
    BARCODE = "barcode"
    MAGSTRIPE = "magstripe"  # the 10-digit field of a track, or the primary field when none
    RFID = "rfid"  # card number derived from a contactless card's UID


def hide(value: str) -> str:
    """A value for logs: its length only, so a CPR or card number never leaks."""
    return f"<{len(value)} chars>"


@dataclass(frozen=True, slots=True)
class IdentifierRead:
    device: str
    source: IdSource
    value: str = field(repr=False)

    def __repr__(self) -> str:
        return f"IdentifierRead({self.device!r}, {self.source.value}, {hide(self.value)})"


@dataclass(frozen=True, slots=True)
class ReadRejected:
    """A line or card that could not be read (garbled, partial, unknown card): ask again."""

    device: str
    reason: str


@dataclass(frozen=True, slots=True)
class CardPresent:
    """A card lies on the reader (before its number is known) — the UI may show progress."""

    device: str


@dataclass(frozen=True, slots=True)
class CardRemoved:
    device: str


class IdentificationReader(Device):
    """Owns its device and a thread; delivers events to ``listener`` on that thread."""
