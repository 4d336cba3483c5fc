"""Money as an integer number of øre (1 kr = 100 øre). Never a float.

FBS sends amounts as decimal strings (``"175.00"``); :meth:`Money.parse` turns them into øre
exactly or refuses them. Cash is rounded to 50 øre (domain.md, *Money rules*); the exact claim
amount is booked and the rounding difference recorded on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import total_ordering

_AMOUNT = re.compile(r"^(?P<sign>-)?(?P<kr>\d{1,12})(?:[.,](?P<ore>\d{1,2}))?$")


class MoneyError(ValueError):
    """An amount that is not exactly representable in øre, or not allowed here."""


@total_ordering
@dataclass(frozen=True, slots=True)
class Money:
    """An amount in DKK, held as whole øre."""

    ore: int

    def __post_init__(self) -> None:
        if type(self.ore) is not int:  # bool and float are refused: money is exact
            raise MoneyError(f"money must be whole øre (int), got {type(self.ore).__name__}")

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str, *, allow_negative: bool = False) -> Money:
        """Parse an FBS/SIP2 amount string: ``"175.00"``, ``"175"``, ``"0.5"`` (comma also ok).

        Exponents, thousands separators, more than two decimals, blanks and signs other than a
        leading minus (when allowed) are refused.
        """
        if not isinstance(text, str):
            raise MoneyError(f"amount must be text, got {type(text).__name__}")
        match = _AMOUNT.match(text.strip())
        if match is None:
            raise MoneyError(f"not an amount: {text!r}")
        ore = int(match["kr"]) * 100 + int((match["ore"] or "0").ljust(2, "0"))
        if match["sign"]:
            if not allow_negative:
                raise MoneyError(f"negative amount not allowed: {text!r}")
            ore = -ore
        return cls(ore)

    @classmethod
    def from_decimal(cls, value: Decimal | int | str) -> Money:
        """Convert a Decimal number of kroner (e.g. a JSON number parsed as Decimal) exactly."""
        try:
            dec = Decimal(value)
        except (InvalidOperation, TypeError, ValueError) as exc:
            raise MoneyError(f"not an amount: {value!r}") from exc
        if not dec.is_finite():
            raise MoneyError(f"not an amount: {value!r}")
        ore = dec * 100
        if ore != ore.to_integral_value():
            raise MoneyError(f"amount has fractions of an øre: {value!r}")
        return cls(int(ore))

    @classmethod
    def kr(cls, kroner: int) -> Money:
        return cls(kroner * 100)

    @classmethod
    def zero(cls) -> Money:
        return cls(0)

    # -- arithmetic ---------------------------------------------------------------------------
    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.ore + other.ore)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.ore - other.ore)

    def __mul__(self, factor: int) -> Money:
        if type(factor) is not int:
            return NotImplemented
        return Money(self.ore * factor)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.ore)

    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.ore < other.ore

    def __bool__(self) -> bool:
        return self.ore != 0

    @property
    def is_negative(self) -> bool:
        return self.ore < 0

    # -- presentation ---------------------------------------------------------------------------
    def to_fbs(self) -> str:
        """The wire form FBS uses: ``"175.00"``."""
        sign = "-" if self.ore < 0 else ""
        kr, ore = divmod(abs(self.ore), 100)
        return f"{sign}{kr}.{ore:02d}"

    def format_da(self, *, suffix: str = " kr.") -> str:
        """Danish formatting: ``1.234,50 kr.`` (thousands dot, decimal comma)."""
        sign = "-" if self.ore < 0 else ""
        kr, ore = divmod(abs(self.ore), 100)
        grouped = f"{kr:,}".replace(",", ".")
        return f"{sign}{grouped},{ore:02d}{suffix}"

    def __str__(self) -> str:
        return self.format_da()

    # -- cash -----------------------------------------------------------------------------------
    def cash_rounded(self) -> Money:
        """Round to the nearest 50 øre: 1–24 øre down, 25–74 to 50, 75–99 up."""
        sign = -1 if self.ore < 0 else 1
        whole, rest = divmod(abs(self.ore), 100)
        if rest <= 24:
            rest = 0
        elif rest <= 74:
            rest = 50
        else:
            rest = 100
        return Money(sign * (whole * 100 + rest))

    def cash_rounding_difference(self) -> Money:
        """What the citizen pays in cash beyond (positive) or below (negative) the exact amount."""
        return self.cash_rounded() - self


def total(amounts: list[Money] | tuple[Money, ...]) -> Money:
    """Sum of amounts (an empty sequence is zero)."""
    return Money(sum(a.ore for a in amounts))


#: Danish coins and notes in øre.
DKK_COINS: tuple[int, ...] = (50, 100, 200, 500, 1000, 2000)
DKK_NOTES: tuple[int, ...] = (5000, 10000, 20000, 50000, 100000)
