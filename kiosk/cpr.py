"""Danish CPR numbers: validation (format, date, century) and masking.

Modulus 11 is deliberately *not* checked: since 2007 valid CPR numbers without a valid check digit
are issued (domain.md, *CPR numbers*).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_CPR = re.compile(r"^(\d{2})(\d{2})(\d{2})-?(\d{4})$")

#: Anything CPR-shaped inside text: a plausible DDMMYY, optional dash, four digits, not part of a
#: longer run of digits. Used by the log filter, so it errs on the side of masking.
CPR_IN_TEXT = re.compile(r"(?<!\d)(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}[- ]?\d{4}(?!\d)")


class CprError(ValueError):
    """Not a valid CPR number (the message never repeats the number)."""


def century(yy: int, digit7: int) -> int:
    """The full year of birth from the two-digit year and the 7th digit."""
    if digit7 <= 3:
        return 1900 + yy
    if digit7 in (4, 9):
        return 2000 + yy if yy <= 36 else 1900 + yy
    # 5..8
    return 2000 + yy if yy <= 57 else 1800 + yy


@dataclass(frozen=True, slots=True)
class Cpr:
    """A validated CPR number. ``repr`` and ``str`` show only the masked form."""

    digits: str  # ten digits, no dash

    @classmethod
    def parse(cls, text: str) -> Cpr:
        match = _CPR.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise CprError("a CPR number has the form DDMMYY-SSSS")
        dd, mm, yy, serial = match.groups()
        year = century(int(yy), int(serial[0]))
        try:
            date(year, int(mm), int(dd))
        except ValueError as exc:
            raise CprError("the CPR number does not start with a valid date") from exc
        return cls(dd + mm + yy + serial)

    @property
    def birth_date(self) -> date:
        yy = int(self.digits[4:6])
        return date(century(yy, int(self.digits[6])), int(self.digits[2:4]), int(self.digits[0:2]))

    @property
    def masked(self) -> str:
        return mask(self.digits)

    @property
    def formatted(self) -> str:
        """``DDMMYY-SSSS`` — for the debtor export only, never for screens, logs or receipts."""
        return f"{self.digits[:6]}-{self.digits[6:]}"

    def __repr__(self) -> str:
        return f"Cpr({self.masked})"

    __str__ = __repr__


def is_cpr(text: str) -> bool:
    try:
        Cpr.parse(text)
    except CprError:
        return False
    return True


def mask(cpr: str) -> str:
    """``DDMMYY-****`` from a CPR with or without dash."""
    digits = cpr.replace("-", "").strip()
    return f"{digits[:6]}-****"


def scrub(text: str) -> str:
    """Replace everything CPR-shaped in free text by ``******-****`` (used for logs)."""
    return CPR_IN_TEXT.sub("******-****", text)
