"""Bon payloads and short codes: signing, verifying, tampering, typing mistakes."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.bon_codes import CROCKFORD, check_char, new_short_code, normalise_short_code
from kiosk.bons import (
    LOCAL_TIME,
    BonError,
    BonSigner,
    BonTicket,
    BonUsageError,
    bon_book_for,
    expiry_after,
)
from kiosk.clock import FakeClock
from kiosk.config import ConfigError, load_config
from kiosk.money import Money
from kiosk.receipts import as_text, render_bon
from tests.conftest import MINIMAL_CONFIG

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


def ticket(issued_at: datetime, validity_days: int = 90) -> BonTicket:
    expires = expiry_after(issued_at, timedelta(days=validity_days))
    signer = BonSigner("per-installation-secret")
    return BonTicket(
        BON_ID,
        "0A1B2C3D4" + check_char("0A1B2C3D4"),
        signer.payload(BON_ID, 2000, expires),
        Money(2000),
        issued_at,
        expires,
        "staff-17",
        "desk_cash",
    )


@pytest.mark.parametrize(
    ("issued", "last_day"),
    [
        (datetime(2026, 11, 24, 10, 0, tzinfo=UTC), date(2027, 2, 22)),
        # 23:30 UTC on 24 November is already 25 November in Copenhagen
        (datetime(2026, 11, 24, 23, 30, tzinfo=UTC), date(2027, 2, 23)),
        # across the change to summer time
        (datetime(2027, 3, 1, 12, 0, tzinfo=UTC), date(2027, 5, 30)),
    ],
)
def test_a_bon_is_valid_through_a_whole_danish_day(issued: datetime, last_day: date) -> None:
    t = ticket(issued)
    assert t.valid_through == last_day
    local = t.expires_at.astimezone(LOCAL_TIME)
    assert (local.date(), local.hour, local.minute) == (last_day + timedelta(days=1), 0, 0)


def test_the_slip_shows_code_qr_amount_and_last_day_without_internal_words() -> None:
    t = ticket(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    text = as_text(render_bon(t.print_data("Testbiblioteket")))
    assert "0A1B2-C3D4" in text and "20,00 kr." in text
    assert "22.02.2027" in text  # valid through, not the moment it lapses
    assert "desk_cash" not in text and "skranken" in text


def test_a_too_short_signing_key_is_a_config_error_naming_the_key(tmp_path: Path) -> None:
    (tmp_path / "fbs-password").write_text("s3cret-fbs\n")
    (tmp_path / "bon-key").write_text("abc\n")
    path = tmp_path / "kiosk.toml"
    path.write_text(MINIMAL_CONFIG.format(extra=""))
    with pytest.raises(ConfigError) as err:
        bon_book_for(load_config(path), None, FakeClock())  # type: ignore[arg-type]
    assert "bons.signing_key" in str(err.value) and "abc" not in str(err.value)
