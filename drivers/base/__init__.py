"""Device interfaces and event types shared by every driver.

Drivers know nothing of the core: amounts are plain ``int`` øre, events are frozen dataclasses
delivered to a listener callback *on the driver's own thread*. Whoever listens (the core) must
return quickly and hand work on; for a credit it records the money durably before acknowledging
anything to the citizen.
"""

from drivers.base.cash import CashAcceptor
from drivers.base.events import (
    Credit,
    DeviceEvent,
    Escrow,
    Fault,
    FaultKind,
    Health,
    HealthChanged,
    Listener,
    Progress,
    Rejected,
)
from drivers.base.terminal import CardOutcome, CardPrompt, CardResult, CardTerminal

__all__ = [
    "CardOutcome",
    "CardPrompt",
    "CardResult",
    "CardTerminal",
    "CashAcceptor",
    "Credit",
    "DeviceEvent",
    "Escrow",
    "Fault",
    "FaultKind",
    "Health",
    "HealthChanged",
    "Listener",
    "Progress",
    "Rejected",
]
