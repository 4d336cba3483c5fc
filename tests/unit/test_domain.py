from datetime import date

import pytest

from kiosk.cpr import Cpr
from kiosk.domain import (
    BlockKind,
    BlockReason,
    Claim,
    ClaimKind,
    LocalStatus,
    Patron,
    PayableIn,
    open_total,
)
from kiosk.money import Money


def claim(cid: str, ore: int, payable: PayableIn = PayableIn.FBS, **kw: object) -> Claim:
    return Claim(
        id=cid,
        kind=ClaimKind.FEE,
        amount=Money(ore),
        created=date(2019, 5, 1),
        payable_in=payable,
        **kw,
    )  # type: ignore[arg-type]


def test_unknown_fbs_codes_become_other() -> None:
    assert ClaimKind.from_fbs("compensation") is ClaimKind.COMPENSATION
    assert ClaimKind.from_fbs("weird") is ClaimKind.OTHER
    assert ClaimKind.from_fbs(None) is ClaimKind.OTHER
    assert BlockKind.from_code("E") is BlockKind.DEBT_LIMIT
    assert BlockKind.from_code("Z") is BlockKind.OTHER
    assert BlockKind.from_code("?") is BlockKind.OTHER


def test_claims_paid_here_or_elsewhere_cannot_be_selected() -> None:
    assert claim("1", 2000).is_selectable
    assert not claim("2", 2000, PayableIn.ELSEWHERE).is_selectable
    waiting = claim("3", 2000, PayableIn.DEBTOR).with_status(LocalStatus.PAID_HERE_WAITING)
    assert not waiting.is_selectable
    assert open_total([claim("1", 2000), waiting]) == Money(2000)


def test_a_claim_has_a_positive_amount() -> None:
    with pytest.raises(ValueError):
        claim("1", 0)


def test_patron_never_shows_its_cpr() -> None:
    patron = Patron(
        id="42",
        name="Åse Ødegård",
        cpr=Cpr.parse("010190-1234"),
        blocks=(BlockReason(BlockKind.DEBT_LIMIT, "E"),),
    )
    assert "1234" not in repr(patron)
    assert patron.masked_cpr == "010190-****"
    assert patron.blocked_for_debt and patron.is_blocked
