"""Events every device can emit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Health(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"  # works, but needs attention (paper near end, stacker nearly full …)
    DOWN = "down"  # cannot be used now (unplugged, jammed, not answering)


class FaultKind(StrEnum):
    JAM = "jam"
    FRAUD = "fraud"
    STACKER_REMOVED = "stacker_removed"
    STACKER_FULL = "stacker_full"
    LOST_EVENTS = "lost_events"  # more events happened than the device buffer holds
    DEVICE_RESET = "device_reset"
    DISCONNECTED = "disconnected"
    PROTOCOL = "protocol"  # garbage, checksum errors beyond retries
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Credit:
    """Money is in the machine, past the point of no return."""

    device: str
    value_ore: int
    denomination: str  # device id of the coin/note, e.g. "DK200A" or "channel 2"
    kind: str  # "coin" or "note"
    event_ref: str = ""  # device event counter etc., for the ledger


@dataclass(frozen=True, slots=True)
class Escrow:
    """A note is held: the host must call ``accept_escrow()`` or ``return_escrow()`` soon."""

    device: str
    value_ore: int
    denomination: str


@dataclass(frozen=True, slots=True)
class Rejected:
    device: str
    reason: str


@dataclass(frozen=True, slots=True)
class Fault:
    device: str
    kind: FaultKind
    detail: str = ""


@dataclass(frozen=True, slots=True)
class HealthChanged:
    device: str
    health: Health
    detail: str = ""


DeviceEvent = Credit | Escrow | Rejected | Fault | HealthChanged | object
Listener = Callable[[DeviceEvent], None]
