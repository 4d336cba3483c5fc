"""The automat end to end without Qt: the composition root's real objects — the FBS simulator over
REST and SIP2, the device emulators on ptys behind the real drivers, a SQLite ledger — driven
through a citizen session. After each payment the ledger audit is clean."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.ledger.models import OutboxItem
from kiosk.payment.states import State
from tests.integration.test_end_to_end_harness import Automat, write_config


@pytest.fixture(params=["rest", "sip2"])
def automat(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Automat]:
    a = Automat.from_file(write_config(tmp_path, request.param))
    try:
        a.wait_ready()
        yield a
    finally:
        a.close()


@pytest.fixture
def rest_automat(tmp_path: Path) -> Iterator[Automat]:
    a = Automat.from_file(write_config(tmp_path, "rest"))
    try:
        a.wait_ready()
        yield a
    finally:
        a.close()


def outbox(a: Automat, kind: str) -> list:
    with a.core.engine.connect() as conn:
        return list(conn.execute(select(OutboxItem).where(OutboxItem.kind == kind)).all())


def test_old_claims_paid_by_card_are_registered_in_fbs_and_on_the_receipt(automat: Automat):
    automat.log_in("3210000001", "0101")  # Anna Andersen: 50011 20,00 and 50012 30,00, both old
    automat.session.pay()
    automat.emulators.terminal.approve_next()
    automat.session.choose_card()

    assert automat.session.state is State.RECEIPT
    assert automat.emulators.terminal.authorisations[-1][0] == 5000
    order = automat.session.plan.fbs_order_id  # SIP2 sends BK = <order id>-<fee id>
    paid = {f.fee_id: f.paid_by_order for f in automat.sim.fees(1001, include_paid=True)}
    assert set(paid) == {50011, 50012}
    assert all(by and by.startswith(order) for by in paid.values())
    assert automat.session.registrations == {"50011": "registered", "50012": "registered"}
    (slip,) = automat.emulators.printer.wait_for_slips(1)
    text = slip.text
    assert text.count("Betalt i FBS") == 2
    for fee in automat.sim.fees(1001, include_paid=True):
        assert fee.reason[:20] in text
    assert "50,00" in text and "Betalingskort" in text
    assert "4711223344556677" not in text  # the terminal's card number is masked
    automat.session.finish_receipt()
    assert automat.audit_clean()
