import contextlib
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.money import Money, MoneyError, total


@pytest.mark.parametrize(
    ("text", "ore"),
    [("175.00", 17500), ("175", 17500), ("0.5", 50), ("0.05", 5), ("20,50", 2050), (" 3.1 ", 310)],
)
def test_parses_fbs_amounts_exactly(text: str, ore: int) -> None:
    assert Money.parse(text) == Money(ore)


@pytest.mark.parametrize(
    ("text", "ore"),
    [
        ("175.000", 17500),
        ("175.5000000000", 17550),
        ("1e2", 10000),
        ("1.755E2", 17550),
        ("17550E-2", 17550),
        ("0.0175e+4", 17500),
        ("1e3", 100000),
        ("-0.00", 0),
    ],
)
def test_every_exact_representation_of_an_amount_is_accepted(text: str, ore: int) -> None:
    """Issue 13 item 4: the REST spec's amount is a double; FBS may write it any of these ways."""
    assert Money.parse(text) == Money(ore)


@pytest.mark.parametrize(
    "text",
    [
        "abc", "", "1.234", "19.999", "175.005", "1.75555E2", "1e-3", "1.", ".5", "1,000.00",
        "1.234,50", "+5", "--1", "NaN", "inf", "1 000", "1e", "1e99999", "1e12", "0x10",
    ],
)  # fmt: skip
def test_refuses_what_is_not_an_exact_amount(text: str) -> None:
    with pytest.raises(MoneyError):
        Money.parse(text)


def test_negative_only_where_allowed() -> None:
    with pytest.raises(MoneyError, match="negative"):
        Money.parse("-5.00")
    assert Money.parse("-5.00", allow_negative=True) == Money(-500)


def test_floats_are_never_money() -> None:
    with pytest.raises(MoneyError):
        Money(1.5)  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        Money(True)  # type: ignore[arg-type]
    assert Money(100) * 3 == Money(300)
    with pytest.raises(TypeError):
        Money(100) * 1.5  # type: ignore[operator]


def test_from_decimal_refuses_fractions_of_an_ore() -> None:
    assert Money.from_decimal(Decimal("175.00")) == Money(17500)
    with pytest.raises(MoneyError):
        Money.from_decimal(Decimal("0.001"))
    with pytest.raises(MoneyError):
        Money.from_decimal("nan")


@pytest.mark.parametrize(
    ("ore", "text"),
    [
        (123450, "1.234,50 kr."),
        (0, "0,00 kr."),
        (5, "0,05 kr."),
        (100000000, "1.000.000,00 kr."),
        (-2050, "-20,50 kr."),
    ],
)
def test_danish_formatting(ore: int, text: str) -> None:
    assert Money(ore).format_da() == text


@pytest.mark.parametrize(
    ("ore", "rounded"),
    [
        (1000, 1000),
        (1001, 1000),
        (1024, 1000),
        (1025, 1050),
        (1074, 1050),
        (1075, 1100),
        (1099, 1100),
        (1050, 1050),
    ],
)
def test_cash_rounding_to_50_ore(ore: int, rounded: int) -> None:
    assert Money(ore).cash_rounded() == Money(rounded)


def test_total() -> None:
    assert total([Money(100), Money(250)]) == Money(350)
    assert total([]) == Money(0)


@given(st.integers(min_value=0, max_value=10**13))
def test_wire_form_round_trips(ore: int) -> None:
    assert Money.parse(Money(ore).to_fbs()) == Money(ore)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_cash_rounding_is_within_25_ore_and_on_50(ore: int) -> None:
    rounded = Money(ore).cash_rounded()
    assert rounded.ore % 50 == 0
    assert abs(rounded.ore - ore) <= 25
    assert Money(ore).cash_rounding_difference() == rounded - Money(ore)


@given(st.integers(min_value=0, max_value=10**12))
def test_danish_format_parses_back(ore: int) -> None:
    text = Money(ore).format_da(suffix="").replace(".", "")
    assert Money.parse(text) == Money(ore)


@given(st.text(max_size=20))
def test_parse_never_raises_anything_but_money_error(text: str) -> None:
    with contextlib.suppress(MoneyError):
        Money.parse(text)


def written(coefficient: int, exponent: int, shown_exponent: int | None, mark: str) -> str:
    """``coefficient × 10**exponent`` kroner as decimal text, with ``e<shown_exponent>`` when
    given (the digits before it shifted to match) and ``mark`` as the decimal mark."""
    shift = exponent - (shown_exponent or 0)
    digits = str(coefficient)
    if shift >= 0:
        body = digits + "0" * shift
    else:
        digits = digits.rjust(-shift + 1, "0")
        body = f"{digits[:shift]}{mark}{digits[shift:]}"
    return body if shown_exponent is None else f"{body}{'eE'[coefficient % 2]}{shown_exponent}"


representations = st.tuples(
    st.integers(min_value=0, max_value=6),  # extra trailing zeros
    st.none() | st.integers(min_value=-6, max_value=6),  # the exponent written, if any
    st.sampled_from([".", ","]),
)


@given(st.integers(min_value=0, max_value=10**13), representations, representations)
def test_every_exact_representation_parses_to_the_same_ore(
    ore: int, one: tuple[int, int | None, str], other: tuple[int, int | None, str]
) -> None:
    """175.00, 175.000, 1.755E2, 17550e-2 … are one amount: each parses to the same øre."""
    texts = [
        written(ore * 10**zeros, -2 - zeros, shown, mark) for zeros, shown, mark in (one, other)
    ]
    assert [Money.parse(t) for t in texts] == [Money(ore), Money(ore)], texts


@given(
    st.integers(min_value=0, max_value=10**11),
    st.integers(min_value=1, max_value=4),
    st.data(),
    representations,
)
def test_an_amount_with_a_fraction_of_an_ore_is_refused(
    ore: int, extra: int, data: st.DataObject, how: tuple[int, int | None, str]
) -> None:
    """19.999 is no amount in øre, however it is written: refused, never rounded."""
    below = data.draw(st.integers(min_value=1, max_value=10**extra - 1))
    zeros, shown, mark = how
    coefficient = (ore * 10**extra + below) * 10**zeros
    text = written(coefficient, -2 - extra - zeros, shown, mark)
    with pytest.raises(MoneyError, match="fractions of an øre"):
        Money.parse(text)


def test_errors_name_the_amount_they_refuse() -> None:
    """A clear error (design.md, invariant 7): the refused text is in the message."""
    with pytest.raises(MoneyError, match=r"not an amount: 'abc'"):
        Money.from_decimal("abc")
    with pytest.raises(MoneyError, match=r"not an amount: Decimal\('NaN'\)"):
        Money.from_decimal(Decimal("NaN"))
    with pytest.raises(MoneyError, match=r"fractions of an øre: '0.001'"):
        Money.from_decimal("0.001")
    with pytest.raises(MoneyError, match=r"negative amount not allowed: '-5'"):
        Money.parse("-5")
    with pytest.raises(MoneyError, match="must be text, got int"):
        Money.parse(5)  # type: ignore[arg-type]
    with pytest.raises(MoneyError, match=r"whole øre \(int\), got float"):
        Money(1.0)  # type: ignore[arg-type]


def test_zero_negation_and_whole_kroner() -> None:
    assert Money.zero() == Money(0) and not Money.zero()
    assert -Money(1730) == Money(-1730) and -Money(-50) == Money(50)
    assert (-Money(250)).is_negative and Money(-1).is_negative
    assert not Money(0).is_negative and not Money(1).is_negative
    assert Money.kr(175) == Money(17500)
    assert 3 * Money(50) == Money(150) == Money(50) * 3


def test_wire_form_of_a_negative_amount() -> None:
    """The audit prints a session's difference in this form, and it may be negative."""
    assert Money(-1730).to_fbs() == "-17.30"
    assert Money(-5).to_fbs() == "-0.05"
