from datetime import date

import pytest

from kiosk.cpr import Cpr, CprError, century, is_cpr, mask, scrub


@pytest.mark.parametrize(
    ("yy", "digit7", "year"),
    [
        (85, 0, 1985),
        (5, 3, 1905),
        (20, 4, 2020),
        (36, 4, 2036),
        (37, 4, 1937),
        (99, 9, 1999),
        (10, 9, 2010),
        (57, 5, 2057),
        (58, 5, 1858),
        (99, 8, 1899),
        (0, 6, 2000),
    ],
)
def test_century_from_seventh_digit(yy: int, digit7: int, year: int) -> None:
    assert century(yy, digit7) == year


def test_accepts_valid_dates_without_modulus_11() -> None:
    # 010190-1235 fails modulus 11 but is a valid CPR since 2007: it must be accepted.
    cpr = Cpr.parse("010190-1235")
    assert cpr.birth_date == date(1990, 1, 1)
    assert Cpr.parse("0101901235") == cpr


@pytest.mark.parametrize(
    "text",
    [
        "320190-1234",
        "011390-1234",
        "290221-4000",
        "12345",
        "abcdefghij",
        "010190-123",
        "010190--1234",
        "",
    ],
)
def test_refuses_bad_format_or_date(text: str) -> None:
    with pytest.raises(CprError):
        Cpr.parse(text)
    assert not is_cpr(text)


def test_leap_day_depends_on_century() -> None:
    assert Cpr.parse("290200-4000").birth_date == date(2000, 2, 29)  # 2000 is a leap year
    with pytest.raises(CprError):
        Cpr.parse("290200-0000")  # digit 7 = 0: born 1900, not a leap year


def test_masked_everywhere_it_is_shown() -> None:
    cpr = Cpr.parse("311299-1234")
    assert cpr.masked == "311299-****"
    assert "1234" not in repr(cpr) and "1234" not in str(cpr)
    assert mask("3112991234") == "311299-****"
    assert cpr.formatted == "311299-1234"  # only for the debtor export


def test_scrub_masks_cpr_shaped_text_only() -> None:
    assert scrub("cpr 311299-1234 and 3112991234") == "cpr ******-**** and ******-****"
    assert scrub("card LN:3210519784") == "card LN:3210519784"  # day 32: not CPR-shaped
    assert scrub("12345678901234") == "12345678901234"  # longer digit runs are not CPRs
