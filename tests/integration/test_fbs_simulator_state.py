"""The simulator's shared state: authentication rules, classification and FBS-like payments."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from kiosk.fbs.simulator import seed as S
from kiosk.fbs.simulator.seed import seeded_state
from kiosk.fbs.simulator.state import (
    PAYMENT_BY_OTHER_ORDER,
    PAYMENT_NOT_ALLOWED,
    PAYMENT_REGISTERED,
    YEAR_END_MESSAGE,
    BadPaymentRequest,
    CardReportedLost,
    PatronLockedOut,
    PaymentRefused,
    SimulatorState,
    UnknownPatron,
    WrongPin,
)


@pytest.fixture
def state() -> SimulatorState:
    return seeded_state()


def test_card_number_or_cpr_with_pin(state: SimulatorState) -> None:
    assert state.authenticate("3210000001", "0101").patron_id == S.OLD_ONLY
    assert state.authenticate("010170-1111", "0101").patron_id == S.OLD_ONLY


def test_unknown_and_wrong_pin_then_lockout(state: SimulatorState) -> None:
    with pytest.raises(UnknownPatron):
        state.authenticate("3219999999", "0101")
    with pytest.raises(WrongPin):
        state.authenticate("3210000002", "9999")
    with pytest.raises(WrongPin):
        state.authenticate("3210000002", "9999")
    with pytest.raises(PatronLockedOut):
        state.authenticate("3210000002", "9999")
    with pytest.raises(PatronLockedOut):  # even the right PIN, until unlocked
        state.authenticate("3210000002", "0202")
    state.unlock(S.NEW_ONLY)
    assert state.authenticate("3210000002", "0202").name == "Bo Berg"


def test_a_right_pin_resets_the_failed_attempts(state: SimulatorState) -> None:
    for _ in range(2):
        with pytest.raises(WrongPin):
            state.authenticate("3210000003", "0000")
    state.authenticate("3210000003", "0303")
    with pytest.raises(WrongPin):
        state.authenticate("3210000003", "0000")


def test_seeded_locked_out_patron(state: SimulatorState) -> None:
    with pytest.raises(PatronLockedOut):
        state.authenticate("3210000011", "1111")


def test_lost_card_carries_the_patron_but_cpr_works(state: SimulatorState) -> None:
    with pytest.raises(CardReportedLost) as caught:
        state.authenticate("3210000006", "0606")
    assert caught.value.patron.patron_id == S.CARD_LOST
    assert state.authenticate("0606606666", "0606").blocks[0].code == "O"


def test_payable_follows_the_cut_off_date(state: SimulatorState) -> None:
    for fee in state.fees(S.MIXED):
        assert fee.payable_by_client == (fee.creation_date < state.cut_off_date)
    assert [f.fee_id for f in state.fees(S.MIXED, include_nonpayable=False)] == [50031, 50032]


def test_debtor_paid_claim_is_hidden_unless_paid_ones_are_asked_for(
    state: SimulatorState,
) -> None:
    assert [f.fee_id for f in state.fees(S.DEBTOR_PAID)] == [50102, 50103]
    paid = [f for f in state.fees(S.DEBTOR_PAID, include_paid=True) if f.is_paid]
    assert [f.fee_id for f in paid] == [50101]
    foreign = state.fee(50103)
    assert foreign is not None and foreign.never_transferred and not foreign.payable_by_client


def test_payment_is_idempotent_per_order(state: SimulatorState) -> None:
    first = state.pay(S.OLD_ONLY, "order-1", [50011, 50012])
    again = state.pay(S.OLD_ONLY, "order-1", [50011, 50012])
    assert first == again
    assert {r.payment_status for r in first} == {PAYMENT_REGISTERED}
    assert state.registrations == [("order-1", 50011), ("order-1", 50012)]
    other = state.pay(S.OLD_ONLY, "order-2", [50011])
    assert other[0].payment_status == PAYMENT_BY_OTHER_ORDER
    assert other[0].confirmation_id != first[0].confirmation_id
    assert state.fees(S.OLD_ONLY) == []


def test_debtor_claims_are_not_allowed_and_not_paid(state: SimulatorState) -> None:
    result = state.pay(S.NEW_ONLY, "order-3", [50021])
    assert result[0].payment_status == PAYMENT_NOT_ALLOWED
    assert state.registrations == []
    assert len(state.fees(S.NEW_ONLY)) == 3


def test_debtor_paid_claim_counts_as_paid_by_another_order(state: SimulatorState) -> None:
    assert state.pay(S.DEBTOR_PAID, "o", [50101])[0].payment_status == PAYMENT_BY_OTHER_ORDER


def test_year_end_refuses_and_changes_nothing(state: SimulatorState) -> None:
    state.faults.year_end = True
    with pytest.raises(PaymentRefused, match=YEAR_END_MESSAGE):
        state.pay(S.OLD_ONLY, "order-4", [50011])
    assert state.registrations == [] and len(state.fees(S.OLD_ONLY)) == 2
    state.faults.year_end = False
    assert state.pay(S.OLD_ONLY, "order-4", [50011])[0].payment_status == PAYMENT_REGISTERED


@pytest.mark.parametrize(
    ("order_id", "fee_ids"),
    [("", [50011]), ("o", []), ("o", [50021]), ("o", [999]), ("o", ["50011"])],
)
def test_bad_payment_requests_change_nothing(
    state: SimulatorState, order_id: str, fee_ids: list[object]
) -> None:
    with pytest.raises(BadPaymentRequest):
        state.pay(S.OLD_ONLY, order_id, fee_ids)  # type: ignore[arg-type]
    assert state.registrations == []


def test_order_id_of_another_patron_is_refused(state: SimulatorState) -> None:
    state.pay(S.OLD_ONLY, "shared", [50011])
    with pytest.raises(BadPaymentRequest):
        state.pay(S.MIXED, "shared", [50031])


def test_concurrent_payments_of_one_fee_register_it_once(state: SimulatorState) -> None:
    results: list[str] = []
    barrier = threading.Barrier(8)

    def pay(n: int) -> None:
        barrier.wait(timeout=30)
        results.append(state.pay(S.COMPENSATION, f"o{n}", [50091], today=date(2024, 1, 2))[0][1])

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results).count(PAYMENT_REGISTERED) == 1
    assert len(state.registrations) == 1


def test_sessions_expire(state: SimulatorState) -> None:
    assert state.login("demo", "wrong") is None
    key = state.login("demo", "demo")
    assert state.session_valid(key)
    state.expire_all_sessions()
    assert not state.session_valid(key)
    key = state.login("demo", "demo")
    state.faults.expire_sessions = True
    assert not state.session_valid(key)
