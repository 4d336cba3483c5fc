"""Who is at the automat: any input (scanner, magstripe, PC/SC card, keypad) → an identifier.

The result is what ``FbsPort.authenticate(identifier, pin)`` takes (a card number, or a CPR as ten
digits) and its kind. A CPR is validated with :class:`kiosk.cpr.Cpr` (format, date, century — no
modulus 11) and leaves this module only inside :class:`Identification`, whose ``display`` and
``repr`` show it masked (``DDMMYY-****``). Bad input raises :class:`IdentificationError` with a
reason code the UI can translate; the message never repeats the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from drivers.base.reader import IdentifierRead, IdSource
from kiosk.cpr import Cpr, CprError


class IdKind(StrEnum):
    LIBRARY_CARD = "library_card"  # scanned barcode or a library card's stripe
    HEALTH_CARD = "health_card"  # sundhedskort stripe: the CPR
    CPR_TYPED = "cpr_typed"
    CARD_TYPED = "card_typed"
    RFID = "rfid"  # contactless card read by the PC/SC reader


class IdErrorReason(StrEnum):
    EMPTY = "empty"
    INVALID_CPR = "invalid_cpr"
    INVALID_CARD = "invalid_card"
    UNKNOWN_SOURCE = "unknown_source"


class IdentificationError(ValueError):
    def __init__(self, reason: IdErrorReason, message: str) -> None:
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Identification:
    kind: IdKind
    identifier: str = field(repr=False)  # for FbsPort.authenticate only
    cpr: Cpr | None = field(default=None, repr=False)

    @property
    def display(self) -> str:
        """What the UI may show: a CPR masked, a card number as printed on the card."""
        return self.cpr.masked if self.cpr else self.identifier

    def __repr__(self) -> str:
        shown = self.cpr.masked if self.cpr else f"<{len(self.identifier)} chars>"
        return f"Identification({self.kind.value}, {shown})"

    __str__ = __repr__


#: A typed CPR: ten digits, or DDMMYY-SSSS.
_CPR_SHAPE = re.compile(r"^\d{6}-?\d{4}$")


class Identifier:
    """``card_pattern`` is what a library card number may look like (FBS agencies differ)."""

    def __init__(self, card_pattern: str = r"^[0-9A-Za-z-]{4,32}$") -> None:
        self._card = re.compile(card_pattern)

    def from_event(self, event: IdentifierRead) -> Identification:
        if event.source is IdSource.BARCODE:
            return self.from_barcode(event.value)
        if event.source is IdSource.MAGSTRIPE:
            return self.from_magstripe(event.value)
        if event.source is IdSource.RFID:
            return self.from_rfid(event.value)
        raise IdentificationError(IdErrorReason.UNKNOWN_SOURCE, "unknown reader source")

    def from_barcode(self, value: str) -> Identification:
        """A scanned library card (barcodes are card numbers, never read as a CPR)."""
        return Identification(IdKind.LIBRARY_CARD, self._card_number(value))

    def from_magstripe(self, value: str) -> Identification:
        """A valid CPR from a stripe is a health card; anything else a library card's stripe."""
        value = _nonempty(value)
        if _CPR_SHAPE.match(value):
            try:
                cpr = Cpr.parse(value)
            except CprError:
                pass
            else:
                return Identification(IdKind.HEALTH_CARD, cpr.digits, cpr)
        return Identification(IdKind.LIBRARY_CARD, self._card_number(value))

    def from_rfid(self, card_number: str) -> Identification:
        return Identification(IdKind.RFID, self._card_number(card_number))

    def typed_cpr(self, text: str) -> Identification:
        text = _nonempty(text)
        try:
            cpr = Cpr.parse(text)
        except CprError as exc:
            raise IdentificationError(IdErrorReason.INVALID_CPR, str(exc)) from None
        return Identification(IdKind.CPR_TYPED, cpr.digits, cpr)

    def typed_card(self, text: str) -> Identification:
        return Identification(IdKind.CARD_TYPED, self._card_number(text))

    def typed(self, text: str) -> Identification:
        """Keypad entry without saying which: a valid CPR is a CPR; ``DDMMYY-SSSS`` with a dash
        must be one; ten digits that are no valid CPR are taken as a card number."""
        text = _nonempty(text)
        if "-" in text and _CPR_SHAPE.match(text):
            return self.typed_cpr(text)
        if _CPR_SHAPE.match(text):
            try:
                return self.typed_cpr(text)
            except IdentificationError:
                pass
        return self.typed_card(text)

    def _card_number(self, value: str) -> str:
        value = _nonempty(value)
        if not self._card.match(value):
            raise IdentificationError(
                IdErrorReason.INVALID_CARD, "not a card number this library issues"
            )
        return value


def _nonempty(text: str) -> str:
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text:
        raise IdentificationError(IdErrorReason.EMPTY, "nothing was entered or read")
    return text
