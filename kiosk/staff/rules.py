"""What a staff account and a login may be, and the refusals: PIN and staff-number rules, the
Danish words of a refused login, and the values the accounts' screens and ``kiosk staff`` show."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kiosk.staff.roles import Permission, Role, StaffUser

PIN_DIGITS = (4, 12)
STAFF_NO = re.compile(r"^[0-9]{1,12}$")  # a staff number: digits


class LoginReason(StrEnum):
    """Why a login was refused: the screen's message key."""

    UNKNOWN = "unknown"  # no such staff number or card
    WRONG_PIN = "wrong_pin"
    LOCKED = "locked"  # too many wrong PINs: ``minutes_left``
    REMOVED = "removed"


#: what staff read; an unknown number, a removed account and a wrong PIN read alike, so the
#: automat never tells which staff numbers exist
_LOGIN_WORDS = {
    LoginReason.UNKNOWN: "Forkert medarbejdernummer eller PIN-kode.",
    LoginReason.WRONG_PIN: "Forkert medarbejdernummer eller PIN-kode.",
    LoginReason.REMOVED: "Forkert medarbejdernummer eller PIN-kode.",
}


class LoginRefused(Exception):
    """A login was refused; only the try itself was recorded. ``str()`` is the Danish sentence
    staff read; ``reason`` the screen's key, ``minutes_left`` for a locked account."""

    def __init__(self, reason: LoginReason, minutes_left: int = 0) -> None:
        self.reason = reason
        self.minutes_left = minutes_left
        if reason is LoginReason.LOCKED:
            minutes = "1 minut" if minutes_left == 1 else f"{minutes_left} minutter"
            words = (
                "Kontoen er låst efter for mange forkerte PIN-koder. "
                f"Prøv igen om {minutes}, eller bed en administrator låse den op."
            )
        else:
            words = _LOGIN_WORDS[reason]
        super().__init__(words)


class StaffUsageError(ValueError):
    """An account cannot be changed as asked (bad PIN, taken number …); nothing was changed.
    ``str()`` is one Danish line naming the problem; ``reason`` a key for the screen."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class NotPermitted(Exception):
    """The logged-in user's roles do not grant this; nothing was done (the try is audited)."""

    def __init__(self, user: StaffUser, permission: Permission) -> None:
        super().__init__(
            f"Medarbejder {user.staff_no} har ikke adgang til dette ({permission.value})."
        )
        self.user = user
        self.permission = permission


@dataclass(frozen=True, slots=True)
class Actor:
    """Who the audit log names for a change: a logged-in administrator, or (``kiosk staff``
    before any administrator exists) the operating-system user."""

    id: str
    role: str


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """One account as ``kiosk staff list`` and the administrator's screen show it."""

    staff_no: str
    name: str
    roles: frozenset[Role]
    has_card: bool
    failed_tries: int
    locked_until: datetime | None  # only while the lock lasts
    created_at: datetime
    removed_at: datetime | None


def check_pin(pin: str) -> str:
    """The PIN if it is 4–12 digits; else :class:`StaffUsageError` (never echoing it)."""
    low, high = PIN_DIGITS
    if not (pin.isascii() and pin.isdigit()):
        raise StaffUsageError("pin_not_digits", "PIN-koden må kun bestå af cifre.")
    if not low <= len(pin) <= high:
        raise StaffUsageError("pin_length", f"PIN-koden skal være {low} til {high} cifre.")
    return pin


def check_staff_no(staff_no: str) -> str:
    text = staff_no.strip()
    if not STAFF_NO.match(text):
        raise StaffUsageError(
            "staff_no_format", f"Medarbejdernummeret skal være 1 til 12 cifre, ikke {text[:20]!r}."
        )
    return text


def check_name(name: str) -> str:
    text = " ".join(name.split())
    if not text or len(text) > 64 or not text.isprintable():
        raise StaffUsageError("name", "Navnet skal være 1 til 64 tegn.")
    return text
