"""Identification: every input becomes an identifier for FBS and a kind; CPR only masked."""

from __future__ import annotations

import logging

import pytest

from drivers.base.reader import IdentifierRead, IdSource
from kiosk.identification import (
    Identification,
    IdentificationError,
    Identifier,
    IdErrorReason,
    IdKind,
)

CPR = "0707614285"
ids = Identifier()


def test_health_card_swipe_gives_the_cpr_masked() -> None:
    ident = ids.from_event(IdentifierRead("scanner", IdSource.MAGSTRIPE, CPR))
    assert ident.kind is IdKind.HEALTH_CARD
    assert ident.identifier == CPR
    assert ident.display == "070761-****"
    assert CPR not in repr(ident) and CPR not in str(ident) and "4285" not in repr(ident)


def test_library_card_stripe_that_is_no_cpr() -> None:
    ident = ids.from_magstripe("12345678")
    assert (ident.kind, ident.identifier, ident.cpr) == (IdKind.LIBRARY_CARD, "12345678", None)


def test_ten_digit_stripe_with_impossible_date_is_a_library_card() -> None:
    ident = ids.from_magstripe("9913001234")
    assert ident.kind is IdKind.LIBRARY_CARD


def test_barcode_is_a_library_card_even_when_cpr_shaped() -> None:
    ident = ids.from_event(IdentifierRead("scanner", IdSource.BARCODE, CPR))
    assert ident.kind is IdKind.LIBRARY_CARD and ident.cpr is None


def test_rfid_card_number() -> None:
    ident = ids.from_event(IdentifierRead("pcsc", IdSource.RFID, "3735928559"))
    assert (ident.kind, ident.identifier) == (IdKind.RFID, "3735928559")


@pytest.mark.parametrize("text", ["070761-4285", "0707614285", " 070761-4285 "])
def test_typed_cpr(text: str) -> None:
    ident = ids.typed(text)
    assert ident.kind is IdKind.CPR_TYPED
    assert ident.identifier == CPR
    assert ident.display == "070761-****"


def test_typed_cpr_without_modulus_11_is_accepted() -> None:
    # 010180-0001 fails modulus 11 but is a valid CPR since 2007
    assert ids.typed_cpr("010180-0001").identifier == "0101800001"


@pytest.mark.parametrize("text", ["320161-4285", "071361-4285", "07076-14285", "abc"])
def test_typed_invalid_cpr_is_refused_without_echo(text: str) -> None:
    with pytest.raises(IdentificationError) as err:
        ids.typed_cpr(text)
    assert err.value.reason is IdErrorReason.INVALID_CPR
    assert text not in str(err.value)


def test_auto_typed_dash_form_must_be_a_valid_cpr() -> None:
    with pytest.raises(IdentificationError) as err:
        ids.typed("321361-4285")
    assert err.value.reason is IdErrorReason.INVALID_CPR


def test_auto_typed_card_number() -> None:
    assert ids.typed("A1234567").kind is IdKind.CARD_TYPED
    assert ids.typed("9913001234").kind is IdKind.CARD_TYPED  # ten digits, no valid date


@pytest.mark.parametrize("text", ["", "   ", "ab", "a b c d", "x" * 40, "12;34"])
def test_bad_card_numbers_are_refused(text: str) -> None:
    with pytest.raises(IdentificationError) as err:
        ids.typed_card(text)
    assert err.value.reason in (IdErrorReason.EMPTY, IdErrorReason.INVALID_CARD)


def test_card_pattern_is_configurable() -> None:
    digits_only = Identifier(card_pattern=r"^\d{8,14}$")
    assert digits_only.typed_card("12345678").identifier == "12345678"
    with pytest.raises(IdentificationError):
        digits_only.typed_card("AB123456")


def test_identification_never_logs_the_cpr(caplog: pytest.LogCaptureFixture) -> None:
    ident: Identification = ids.typed(CPR)
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("identified %s %r", ident, ident)
    assert CPR not in caplog.text
