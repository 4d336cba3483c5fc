"""Money as an integer number of øre (1 kr = 100 øre). Never a float.

FBS sends amounts as decimal numbers (``"175.00"`` over SIP2; a JSON number, "double" in its REST
spec, so ``175.000``, ``1.755E2`` or ``1e2`` are the same amounts); :meth:`Money.parse` is the one
rule that turns every exact representation into øre and refuses the rest. Cash is rounded to
50 øre (domain.md, *Money rules*); the exact claim amount is booked and the rounding difference
recorded on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext
from functools import total_ordering

#: A decimal number: digits, an optional fraction after ``.`` or ``,``, an optional exponent.
#: No blanks inside, no thousands separators, no ``+``, no ``.5`` or ``5.``; bounded so that
#: parsing stays cheap whatever FBS sends.
_AMOUNT = re.compile(
    r"^(?P<sign>-)?(?P<int>\d{1,40})(?:[.,](?P<frac>\d{1,40}))?(?:[eE](?P<exp>[+-]?\d{1,4}))?$"
)
#: 12 digits of kroner, as before: nothing FBS owes is larger.
_MAX_ORE = 10**14 - 1


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
        """Parse an FBS/SIP2 amount: every exact representation of an amount in kroner.

        ``"175.00"``, ``"175"``, ``"0.5"``, ``"20,50"`` (comma as the decimal mark), and what a
        JSON number (the REST spec's "double") may look like: ``"175.000"``, ``"175.5000000000"``,
        ``"1e2"``, ``"1.755E2"``. Refused: a fraction of an øre (``"19.999"``), thousands
        separators (``"1.234,50"``, ``"1,000.00"``), blanks inside, ``+``, ``.5``/``5.``, more
        than 12 digits of kroner, and a minus unless ``allow_negative`` (``-0`` is zero).
        The value goes through :class:`~decimal.Decimal`, never a float.
        """
        if not isinstance(text, str):
            raise MoneyError(f"amount must be text, got {type(text).__name__}")
        match = _AMOUNT.match(text.strip())
        if match is None:
            raise MoneyError(f"not an amount: {text[:40]!r}")
        number = f"{match['int']}.{match['frac'] or '0'}E{match['exp'] or '0'}"
        with localcontext() as exact:  # wide enough for every matched text: nothing rounds
            exact.prec = 200
            ore = Decimal(number).scaleb(2)
        if ore != ore.to_integral_value():
            raise MoneyError(f"amount has fractions of an øre: {text[:40]!r}")
        if ore > _MAX_ORE:
            raise MoneyError(f"amount too large: {text[:40]!r}")
        value = int(ore)
        if match["sign"] and value:
            if not allow_negative:
                raise MoneyError(f"negative amount not allowed: {text[:40]!r}")
            value = -value
        return cls(value)

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
