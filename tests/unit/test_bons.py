"""Bon payloads and short codes: signing, verifying, tampering, typing mistakes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.bons import (
    CROCKFORD,
    BonError,
    BonSigner,
    BonUsageError,
    check_char,
    new_short_code,
    normalise_short_code,
)

EXPIRY = datetime(2027, 2, 22, 10, 0, tzinfo=UTC)
BON_ID = "3f2b9c1e-8d4a-4e6f-9a1b-2c3d4e5f6a7b"


@pytest.fixture
def signer() -> BonSigner:
    return BonSigner("per-installation-secret")


def test_payload_round_trips(signer: BonSigner) -> None:
    payload = signer.payload(BON_ID, 12550, EXPIRY)
    assert payload.startswith(f"BON1.{BON_ID}.12550.{int(EXPIRY.timestamp())}.")
    assert signer.verify(payload) == (BON_ID, 12550, int(EXPIRY.timestamp()))
    assert signer.verify(f"  {payload}\n") == signer.verify(payload)  # scanner adds a newline


def test_a_raised_amount_is_refused_as_forged(signer: BonSigner) -> None:
    payload = signer.payload(BON_ID, 2000, EXPIRY)
    altered = payload.replace(".2000.", ".20000.")
    with pytest.raises(BonError) as err:
        signer.verify(altered)
    assert err.value.reason == "bon_forged"


def test_a_longer_expiry_is_refused_as_forged(signer: BonSigner) -> None:
    payload = signer.payload(BON_ID, 2000, EXPIRY)
    stamp = str(int(EXPIRY.timestamp()))
    later = str(int(EXPIRY.timestamp()) + 86400 * 365)
    with pytest.raises(BonError, match="bon_forged"):
        signer.verify(payload.replace(stamp, later))


def test_another_installations_key_does_not_verify(signer: BonSigner) -> None:
    other = BonSigner("another-library-key")
    with pytest.raises(BonError, match="bon_forged"):
        signer.verify(other.payload(BON_ID, 2000, EXPIRY))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("BON1.garbage", "bon_forged"),
        ("BON1." + BON_ID + ".0.1800000000." + "A" * 32, "bon_forged"),  # zero amount
        ("BON1." + BON_ID + ".-5.1800000000." + "A" * 32, "bon_forged"),
        ("https://example.org/", "bon_unknown"),
        ("", "bon_unknown"),
    ],
)
def test_malformed_payloads_get_a_reason(signer: BonSigner, text: str, reason: str) -> None:
    with pytest.raises(BonError) as err:
        signer.verify(text)
    assert err.value.reason == reason


@settings(max_examples=150, deadline=None)
@given(
    amount=st.integers(min_value=1, max_value=10**9),
    position=st.integers(min_value=0),
    char=st.sampled_from("0123456789abcdefABCDEFXYZ.-"),
)
def test_any_single_character_change_is_refused(amount: int, position: int, char: str) -> None:
    signer = BonSigner("per-installation-secret")
    payload = signer.payload(str(uuid.UUID(int=amount * 7919)), amount, EXPIRY)
    i = position % len(payload)
    changed = payload[:i] + char + payload[i + 1 :]
    if changed == payload:
        return
    with pytest.raises(BonError) as err:
        signer.verify(changed)
    assert err.value.reason in ("bon_forged", "bon_unknown")


def test_a_short_key_is_refused() -> None:
    with pytest.raises(BonUsageError):
        BonSigner("short")


def test_short_codes_are_ten_keypad_characters_with_a_valid_check() -> None:
    codes = {new_short_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 10 and set(code) <= set(CROCKFORD)
        assert normalise_short_code(code) == code


def test_typed_codes_are_forgiving_about_case_separators_and_lookalikes() -> None:
    body = "0A1B2C3D4"
    code = body + check_char(body)
    typed = code.lower().replace("0", "o").replace("1", "l")
    assert normalise_short_code(f"{typed[:5]}-{typed[5:]}") == code
    assert normalise_short_code(f" {code[:5]} {code[5:]} ") == code


@settings(max_examples=200, deadline=None)
@given(
    body=st.text(alphabet=CROCKFORD, min_size=9, max_size=9),
    position=st.integers(min_value=0, max_value=9),
    replacement=st.sampled_from(CROCKFORD),
)
def test_every_single_mistyped_character_is_caught(
    body: str, position: int, replacement: str
) -> None:
    code = body + check_char(body)
    typo = code[:position] + replacement + code[position + 1 :]
    if typo != code:
        assert normalise_short_code(typo) is None


@settings(max_examples=200, deadline=None)
@given(body=st.text(alphabet=CROCKFORD, min_size=9, max_size=9), position=st.integers(0, 8))
def test_swapped_neighbours_are_caught(body: str, position: int) -> None:
    code = body + check_char(body)
    a, b = code[position], code[position + 1]
    swapped = code[:position] + b + a + code[position + 2 :]
    # Luhn mod 32 misses only the swap of the pair whose values are 0 and 31 ('0' and 'Z')
    if swapped != code and {a, b} != {"0", "Z"}:
        assert normalise_short_code(swapped) is None


@pytest.mark.parametrize("text", ["", "ABC", "ABCDEFGHJKM", "ABCDEFGHJU", "ABCDE*GHJK"])
def test_things_that_cannot_be_codes(text: str) -> None:
    assert normalise_short_code(text) is None
