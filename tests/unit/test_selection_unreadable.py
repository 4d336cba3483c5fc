"""A claim FBS sent but the automat could not read (issue 13 item 4): shown as "ask the staff",
never selectable or paid, never counted as a known amount in the block explanation, and never
paid past when it may be an older debtor claim (the debtor system settles the oldest first)."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.domain import Claim, LocalStatus, PayableIn, open_total
from kiosk.money import Money
from kiosk.payment.plan import PlannedClaim
from kiosk.payment.selection import Group, Selection, SelectionError, block_outlook
from tests.payment_fakes import claim, debt_blocked_patron

UNREADABLE_FBS = Claim.unreadable("150", created=date(2019, 8, 1), payable_in=PayableIn.FBS)
CLAIMS = [
    claim("101", "20.00", PayableIn.FBS, date(2019, 3, 1)),
    UNREADABLE_FBS,
    claim("201", "30.00", PayableIn.DEBTOR, date(2021, 1, 10)),
    claim("202", "40.00", PayableIn.DEBTOR, date(2022, 5, 10)),
]


def test_an_unreadable_claim_is_shown_for_the_staff_and_never_selectable() -> None:
    selection = Selection(debt_blocked_patron(), CLAIMS)
    views = {v.claim.id: v for v in selection.views}
    assert views["150"].group is Group.ASK_STAFF and not views["150"].selectable
    assert all(views[c].selectable for c in ("101", "201", "202"))
    with pytest.raises(SelectionError):
        selection.toggle("150")
    selection.select_all()
    assert selection.chosen == {"101", "201", "202"}
    assert selection.total == Money(9000)
    assert not UNREADABLE_FBS.is_selectable and not UNREADABLE_FBS.is_readable
    with pytest.raises(ValueError, match="no readable amount"):
        PlannedClaim.of(UNREADABLE_FBS)


def test_an_unknown_amount_is_never_counted_as_known() -> None:
    outlook = block_outlook(debt_blocked_patron(), CLAIMS, CLAIMS[:1], Money.kr(500))
    assert outlook.debt_now == Money(9000)  # what is known; the unreadable one is not 0 kr
    assert outlook.unknown_amounts == 1 and not outlook.amounts_known
    # 20 kr paid leaves 70 kr known, below the 100 kr limit: still nobody can promise that
    assert not outlook.below_limit_now and not outlook.below_limit_when_reported
    readable = [c for c in CLAIMS if c.is_readable]
    known = block_outlook(debt_blocked_patron(), readable, readable[:1], Money.kr(500))
    assert known.amounts_known and known.below_limit_now
    assert open_total(CLAIMS) == Money(9000)


@pytest.mark.parametrize("created", [date(2021, 6, 1), None])
def test_newer_debtor_claims_wait_behind_an_unreadable_one_that_may_be_a_debtor_claim(
    created: date | None,
) -> None:
    """The debtor system would apply the money to the unreadable, older claim first."""
    unreadable = Claim.unreadable("250", created=created)  # where payable: unknown → debtor
    selection = Selection(debt_blocked_patron(), [*CLAIMS, unreadable])
    views = {v.claim.id: v for v in selection.views}
    held = {"202"} if created else {"201", "202"}
    for cid in held:
        assert not views[cid].selectable and views[cid].why_not == "older claim unreadable"
    assert views["101"].selectable
    assert views["201"].selectable is (created is not None)
    selection.select_all()
    assert selection.chosen == {"101", "201", "202"} - held
    if created:
        with pytest.raises(SelectionError):
            selection.toggle("202")


def test_an_unreadable_claim_paid_here_is_still_for_the_staff() -> None:
    waiting = UNREADABLE_FBS.with_status(LocalStatus.PAID_HERE_WAITING)
    (view,) = Selection(debt_blocked_patron(), [waiting]).views
    assert view.group is Group.ASK_STAFF and not view.selectable
