"""FBS REST replies → domain: exact amounts, the classification rule, and nothing but FbsError
for any malformed reply."""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain import PayableIn
from kiosk.fbs.port import FbsError, FbsErrorReason, RegistrationStatus
from kiosk.fbs.rest.adapter import RestFbsPort
from kiosk.fbs.rest.client import loads
from kiosk.fbs.rest.parse import (
    ClaimClassifier,
    parse_authenticated_patron,
    parse_fee,
    parse_fees,
)
from kiosk.fbs.simulator.rest_api import dumps, fee_json
from kiosk.fbs.simulator.state import SimFee

CUT_OFF = date(2020, 9, 1)
CLASSIFIER = ClaimClassifier.of(CUT_OFF, ["interlibrary"], ["andet bibliotek"])


def fee(**changes: Any) -> bytes:
    base = (
        b'{"feeId": 7, "type": "fee", "reasonMessage": "Gebyr", "amount": 175.00,'
        b' "creationDate": "2020-01-02", "payableByClient": true, "materials": []}'
    )
    data = loads(base)
    data.update(changes)
    return dumps(data) if "amount" not in changes else _raw(data)


def _raw(data: dict[str, Any]) -> bytes:
    import json

    amount = data.pop("amount")
    text = json.dumps(data)
    return (text[:-1] + f', "amount": {amount}}}').encode()


def parsed(body: bytes) -> Any:
    return parse_fee(loads(body), CLASSIFIER)


@pytest.mark.parametrize(
    ("literal", "ore"),
    [
        ("175.00", 17500), ("175", 17500), ("0.5", 50), ("312.75", 31275), ('"20.00"', 2000),
        ("175.000", 17500), ("175.5000000000", 17550), ("1e2", 10000), ("1.755E2", 17550),
    ],
)  # fmt: skip
def test_amounts_are_exact(literal: str, ore: int) -> None:
    assert parsed(fee(amount=literal)).amount.ore == ore


@pytest.mark.parametrize("literal", ["19.999", "175.005", "-5.00", '"abc"', "true", "null"])
def test_inexact_or_odd_amounts_are_protocol_errors(literal: str) -> None:
    with pytest.raises(FbsError) as caught:
        parsed(fee(amount=literal))
    assert caught.value.reason is FbsErrorReason.PROTOCOL


def test_zero_and_paid_fees_are_not_open_claims() -> None:
    assert parsed(fee(amount="0.00")) is None
    assert parse_fee(loads(fee(paidDate="2021-01-01")), CLASSIFIER) is None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"payableByClient": True, "creationDate": "2021-01-01"}, PayableIn.FBS),
        ({"payableByClient": False, "creationDate": "2021-01-01"}, PayableIn.DEBTOR),
        ({"payableByClient": False, "creationDate": "2020-08-31"}, PayableIn.ELSEWHERE),
        ({"payableByClient": False, "creationDate": "2021-01-01", "type": "Interlibrary"},
         PayableIn.ELSEWHERE),
        ({"payableByClient": False, "creationDate": "2021-01-01",
          "reasonMessage": "Erstatning til ANDET BIBLIOTEK"}, PayableIn.ELSEWHERE),
        ({"payableByClient": True, "type": "interlibrary"}, PayableIn.FBS),
    ],
)  # fmt: skip
def test_classification_rule(changes: dict[str, Any], expected: PayableIn) -> None:
    assert parse_fee(loads(dumps({**loads(fee()), **changes})), CLASSIFIER).payable_in is expected


def test_without_markers_every_non_payable_new_claim_is_debtor() -> None:
    data = {**loads(fee()), "payableByClient": False, "creationDate": "2021-01-01",
            "reasonMessage": "Erstatning til andet bibliotek"}  # fmt: skip
    assert parse_fee(data, ClaimClassifier()).payable_in is PayableIn.DEBTOR


def test_date_time_values_are_accepted_as_dates() -> None:
    claim = parsed(fee(creationDate="2020-01-02T10:11:12.000+01:00"))
    assert claim.created == date(2020, 1, 2)


def test_duplicate_fee_ids_are_refused() -> None:
    one = loads(fee())
    with pytest.raises(FbsError):
        parse_fees([one, one], CLASSIFIER)


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ({"authenticateStatus": "INVALID"}, FbsErrorReason.WRONG_PIN),
        ({"authenticateStatus": "LOANER_LOCKED_OUT"}, FbsErrorReason.PATRON_LOCKED),
        ({"authenticateStatus": "MAYBE"}, FbsErrorReason.PROTOCOL),
        ({"authenticateStatus": "VALID"}, FbsErrorReason.PROTOCOL),
        ({"authenticateStatus": "VALID", "patron": {"patronId": "12"}}, FbsErrorReason.PROTOCOL),
        ([], FbsErrorReason.PROTOCOL),
    ],
)
def test_authenticate_replies(reply: Any, reason: FbsErrorReason) -> None:
    with pytest.raises(FbsError) as caught:
        parse_authenticated_patron(reply)
    assert caught.value.reason is reason


def test_unknown_block_code_is_other_reason() -> None:
    patron = parse_authenticated_patron(
        {
            "authenticateStatus": "VALID",
            "patron": {"patronId": 5, "name": "X", "blockStatus": [
                {"blockedReason": "Q", "blockedSince": "", "message": "ny kode"}]},
        }
    )  # fmt: skip
    assert patron.blocks[0].kind.value == "?" and patron.blocks[0].code == "Q"


def test_payment_statuses() -> None:
    reply = [
        {"orderId": "o", "feeId": 1, "paymentStatus": "paymentRegistered", "confirmationId": "c"},
        {"orderId": "o", "feeId": 2, "paymentStatus": "somethingNew", "confirmationId": "c"},
        {"orderId": "o", "feeId": 3, "paymentStatus": "paymentNotAllowedByClient"},
    ]
    results = RestFbsPort._registrations(reply, "o", [1, 2, 3, 4])
    assert [r.status for r in results] == [
        RegistrationStatus.REGISTERED,
        RegistrationStatus.NOT_REGISTERED,  # unknown status: not registered, safe to retry
        RegistrationStatus.REFUSED,
        RegistrationStatus.NOT_REGISTERED,  # not in the reply
    ]
    with pytest.raises(FbsError):
        RestFbsPort._registrations([{**reply[0], "orderId": "other"}], "o", [1])


# -- properties -------------------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.sampled_from(["2020-01-01", "VALID", "fee", "175.00"]),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(
        st.sampled_from(["feeId", "amount", "creationDate", "payableByClient", "materials",
                         "patron", "patronId", "authenticateStatus", "blockStatus", "type",
                         "paidDate", "paymentStatus", "orderId", "x"]),
        inner, max_size=8),
    max_leaves=20,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_any_json_gives_a_result_or_one_fbs_error(value: Any) -> None:
    for parse in (
        lambda v: parse_fees(v, CLASSIFIER),
        parse_authenticated_patron,
        lambda v: RestFbsPort._registrations(v, "o", [1, 2]),
    ):
        with contextlib.suppress(FbsError):
            parse(value)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=64))
def test_any_bytes_give_json_or_a_protocol_error(body: bytes) -> None:
    try:
        loads(body)
    except FbsError as exc:
        assert exc.reason is FbsErrorReason.PROTOCOL


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=10**11))
def test_simulator_amounts_round_trip_exactly(ore: int) -> None:
    sim = SimFee(1, 1, "fee", "r", ore, date(2020, 1, 1), None, True)
    claim = parse_fee(loads(dumps(fee_json(sim))), CLASSIFIER)
    assert claim is not None and claim.amount.ore == ore


# -- one unreadable fee hides no other (issue 13 item 4) -------------------------------------
@pytest.mark.parametrize(
    ("literal", "changes", "claim_id"),
    [
        ("19.999", {}, "8"),
        ("175.005", {"reasonMessage": "Erstatning"}, "8"),
        ("-25.00", {}, "8"),
        ('"1.234,50"', {}, "8"),
        ("null", {}, "8"),
        ("175.00", {"creationDate": "i går"}, "8"),
        ("175.00", {"payableByClient": "ja"}, "8"),
        ("175.00", {"feeId": "otte"}, "unreadable-2"),
    ],
)
def test_an_unreadable_fee_is_for_the_staff_and_the_others_are_shown(
    literal: str, changes: dict[str, Any], claim_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    good = loads(fee())
    odd = loads(fee(amount=literal))
    odd.update({"feeId": 8, **changes})
    claims = parse_fees([good, odd], CLASSIFIER)
    readable = [c for c in claims if c.is_readable]
    (unreadable,) = [c for c in claims if not c.is_readable]
    assert [(c.id, c.amount.ore) for c in readable] == [("7", 17500)]
    assert unreadable.id == claim_id and unreadable.amount is None
    assert not unreadable.is_selectable
    assert f"fee {claim_id} cannot be read" in caplog.text


def test_an_unreadable_fee_keeps_what_can_be_read() -> None:
    odd = loads(fee(amount="19.999"))
    odd.update(feeId=8, reasonMessage="Andet bibliotek", payableByClient=False)
    (claim,) = parse_fees([odd], CLASSIFIER)
    assert claim.reason == "Andet bibliotek" and claim.created == date(2020, 1, 2)
    assert claim.payable_in is PayableIn.ELSEWHERE  # classified like any other fee
    unknown = loads(fee(amount="19.999"))
    unknown.update(payableByClient=None)
    (claim,) = parse_fees([unknown], CLASSIFIER)
    assert claim.payable_in is PayableIn.DEBTOR  # unknown: the cautious guess


def test_a_paid_fee_is_left_out_even_when_its_amount_is_unreadable() -> None:
    paid = loads(fee(amount="19.999"))
    paid["paidDate"] = "2021-01-01"
    assert parse_fees([paid], CLASSIFIER) == []


@pytest.mark.parametrize(
    ("literal", "kept"),
    [("12345", "12345"), ('"CONF-7"', "CONF-7"), ("1.5E3", "1.5E3"), ("true", ""), ("null", "")],
)
def test_a_numeric_confirmation_id_is_kept_as_text(literal: str, kept: str) -> None:
    """Issue 13 item 6: a numeric confirmationId was dropped (it is not in the public spec)."""
    reply = loads(
        b'[{"orderId": "o", "feeId": 1, "paymentStatus": "paymentRegistered", '
        b'"confirmationId": ' + literal.encode() + b"}]"
    )
    (result,) = RestFbsPort._registrations(reply, "o", [1])
    assert result.status is RegistrationStatus.REGISTERED and result.confirmation_id == kept
