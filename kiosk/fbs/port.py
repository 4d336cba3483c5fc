"""``FbsPort``: the one way the rest of the product talks to FBS.

Adapters (REST, SIP2 over TCP or FBS's HTTPS envelope; FBS 2.0 later) implement it. Every failure
is an :class:`FbsError` with a reason code the UI can show; a payment counts as registered only
when FBS said so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from kiosk.domain import Claim, Patron


class FbsErrorReason(StrEnum):
    UNAVAILABLE = "unavailable"  # connection refused, dropped, HTTP 5xx
    TIMEOUT = "timeout"
    CLIENT_AUTH = "client_auth"  # the automat's own credentials were refused
    PROTOCOL = "protocol"  # malformed or unexpected reply
    UNKNOWN_PATRON = "unknown_patron"
    WRONG_PIN = "wrong_pin"
    PATRON_LOCKED = "patron_locked"  # too many PIN attempts (LOANER_LOCKED_OUT)
    REFUSED = "refused"  # FBS refused a payment (e.g. no account period at year end)


class FbsError(Exception):
    def __init__(self, reason: FbsErrorReason, message: str = "") -> None:
        self.reason = reason
        self.message = message
        super().__init__(f"{reason.value}: {message}" if message else reason.value)


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    REGISTERED_BY_OTHER_ORDER = "registered_by_other_order"  # already paid: do not pay again
    REFUSED = "refused"  # FBS said no, with a reason: keep the money allocated, follow up
    NOT_REGISTERED = "not_registered"  # anything else: not registered, safe to retry


@dataclass(frozen=True, slots=True)
class FeeRegistration:
    fee_id: str
    status: RegistrationStatus
    confirmation_id: str = ""
    message: str = ""

    @property
    def settled(self) -> bool:
        """FBS now shows the fee as paid (by us, or already before)."""
        return self.status in (
            RegistrationStatus.REGISTERED,
            RegistrationStatus.REGISTERED_BY_OTHER_ORDER,
        )


@dataclass(frozen=True, slots=True)
class FbsHealth:
    ok: bool
    detail: str = ""
    latency_ms: float | None = None


class FbsPort(Protocol):
    def authenticate(self, identifier: str, pin: str) -> Patron:
        """A card number or CPR with its PIN → the patron with block reasons.

        Raises FbsError (UNKNOWN_PATRON, WRONG_PIN, PATRON_LOCKED, or a transport reason)."""
        ...

    def claims(self, patron: Patron) -> list[Claim]:
        """Every open claim, including those not payable here, classified by ``payable_in``."""
        ...

    def register_payment(
        self, patron: Patron, claims: Sequence[Claim], order_id: str
    ) -> list[FeeRegistration]:
        """Register whole fees as paid. ``order_id`` is the idempotency key: repeating the call
        with the same key must never pay twice."""
        ...

    def health(self) -> FbsHealth: ...
