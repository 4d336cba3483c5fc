"""BMP ``60`` "individual totals": what an end-of-day's status information (``04 0F``) says the
day held, per card scheme.

The value (after its LLLVAR length) is the day's first and last receipt number (2 BCD bytes
each), then for each scheme in the specification's order a count (1 byte, binary) and a
turnover (6 BCD bytes, øre): girocard (the old "ec-card"), JCB, Eurocard (Mastercard), Amex,
Visa, Diners, and the rest. A terminal that reports fewer schemes sends fewer groups.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.base.terminal import SchemeTotal
from drivers.zvt.apdu import bcd_decode, bcd_encode
from drivers.zvt.errors import ZvtProtocolError

SCHEMES = ("girocard", "JCB", "Mastercard", "American Express", "Visa", "Diners", "other")
GROUP = 7  # count byte + 6 BCD bytes


@dataclass(frozen=True, slots=True)
class DayTotals:
    receipt_from: int
    receipt_to: int
    schemes: tuple[SchemeTotal, ...]  # every scheme the terminal listed, zeros included


def parse_totals(value: bytes) -> DayTotals:
    if len(value) < 4 or (len(value) - 4) % GROUP or len(value) > 4 + GROUP * len(SCHEMES):
        raise ZvtProtocolError(f"individual totals of {len(value)} bytes do not add up")
    schemes = tuple(
        SchemeTotal(name, value[at], bcd_decode(value[at + 1 : at + GROUP]))
        for name, at in zip(SCHEMES, range(4, len(value), GROUP), strict=False)
    )
    return DayTotals(bcd_decode(value[:2]), bcd_decode(value[2:4]), schemes)


def encode_totals(totals: DayTotals) -> bytes:
    """The BMP's value, for the emulator: every scheme, in the specification's order."""
    by_name = {s.scheme: s for s in totals.schemes}
    out = bcd_encode(totals.receipt_from, 2) + bcd_encode(totals.receipt_to, 2)
    for name in SCHEMES:
        scheme = by_name.get(name, SchemeTotal(name, 0, 0))
        out += bytes([scheme.count]) + bcd_encode(scheme.amount_ore, 6)
    return out
