"""Events every device can emit, and what every device is (:class:`Device`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
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
    """Money is in the machine, past the point of no return.

    ``event_ref`` is where the device itself placed this credit (e.g. ``cctalk:1193046:57``, its
    serial number and event counter). The host stores it with the money and hands the newest one
    back before the next start (:meth:`CashAcceptor.resume_after`), so the driver can tell which
    of the events the device still holds the host never recorded. ``during_restart``: such an
    event, found at start-up: the money came in while no host was listening.
    """

    device: str
    value_ore: int
    denomination: str  # device id of the coin/note, e.g. "DK200A" or "channel 2"
    kind: str  # "coin" or "note"
    event_ref: str = ""
    during_restart: bool = False


@dataclass(frozen=True, slots=True)
class Progress:
    """The device's own position moved without money (a rejected coin, an error, a returned
    note): the host stores ``event_ref`` so that at the next start these events are not taken
    for unrecorded ones. Emitted after the events it covers."""

    device: str
    event_ref: str


@dataclass(frozen=True, slots=True)
class Escrow:
    """A note is held: the host must call ``accept_escrow()`` or ``return_escrow()`` soon.

    ``event_ref``, where the device keeps no record of past events (SSP): the position to store
    *before* accepting. With it stored, a restart that finds the note stacked but its credit
    never recorded (the process died in between) knows what the note was worth."""

    device: str
    value_ore: int
    denomination: str
    event_ref: str = ""


@dataclass(frozen=True, slots=True)
class Rejected:
    """The device refused or gave back money by itself (a bad note, an inhibited coin, a note
    the driver returned undecided). A note returned because the host called ``return_escrow()``
    is not one: that outcome is the caller's own."""

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


DeviceEvent = Credit | Progress | Escrow | Rejected | Fault | HealthChanged | object
Listener = Callable[[DeviceEvent], None]


class Device(ABC):
    """A named device: ``start`` opens it and delivers its events to ``listener`` on the
    driver's own thread, ``stop`` closes it, ``health`` says whether it can be used now."""

    name: str

    @abstractmethod
    def start(self, listener: Listener) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...

    @property
    @abstractmethod
    def health(self) -> Health: ...
