"""FBS REST JSON → domain objects. Anything unexpected is one ``FbsError(PROTOCOL)``, except in
the fee list: a fee that cannot be read becomes an unreadable claim (no amount, "ask the staff";
logged with its fee id) and the readable fees are shown as usual.

Where a claim is payable (a documented, configurable rule; FBS only says ``payableByClient``):

1. ``payableByClient: true`` → :attr:`PayableIn.FBS` (pay here, register in FBS).
2. otherwise, a fee whose ``type`` is in ``elsewhere_fee_types``, or whose ``reasonMessage``
   contains one of ``elsewhere_reason_markers`` (case-insensitive; e.g. claims for another library,
   which are never transferred) → :attr:`PayableIn.ELSEWHERE`;
3. otherwise, a fee created before the cut-off date → ELSEWHERE too: FBS will not take it and it
   was never transferred to the debtor system;
4. otherwise → :attr:`PayableIn.DEBTOR` (a new claim: paid here, exported to the debtor system).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from kiosk.domain import BlockKind, BlockReason, Claim, ClaimKind, Material, Patron, PayableIn
from kiosk.fbs.port import FbsError, FbsErrorReason
from kiosk.money import Money, MoneyError

log = logging.getLogger(__name__)


def _protocol(message: str) -> FbsError:
    return FbsError(FbsErrorReason.PROTOCOL, message)


@dataclass(frozen=True, slots=True)
class ClaimClassifier:
    cut_off_date: date | None = None
    elsewhere_fee_types: frozenset[str] = frozenset()
    elsewhere_reason_markers: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        cut_off_date: date | None = None,
        fee_types: Iterable[str] = (),
        reason_markers: Iterable[str] = (),
    ) -> ClaimClassifier:
        return cls(
            cut_off_date,
            frozenset(t.strip().casefold() for t in fee_types),
            tuple(m.casefold() for m in reason_markers if m.strip()),
        )

    def payable_in(
        self, payable_by_client: bool, fee_type: str, reason: str, created: date
    ) -> PayableIn:
        if payable_by_client:
            return PayableIn.FBS
        if fee_type.strip().casefold() in self.elsewhere_fee_types:
            return PayableIn.ELSEWHERE
        folded = reason.casefold()
        if any(marker in folded for marker in self.elsewhere_reason_markers):
            return PayableIn.ELSEWHERE
        if self.cut_off_date is not None and created < self.cut_off_date:
            return PayableIn.ELSEWHERE
        return PayableIn.DEBTOR


# -- field helpers ---------------------------------------------------------------------------
def _obj(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _protocol(f"{what} is not an object")
    return value


def _int(value: Any, what: str) -> int:
    if type(value) is not int:
        raise _protocol(f"{what} is not an integer")
    return value


def _text(value: Any, what: str, *, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise _protocol(f"{what} is not text")
    return str(value)


def _date(value: Any, what: str, *, required: bool = False) -> date | None:
    """ISO date, or the date part of an ISO date-time."""
    if value in (None, "") and not required:
        return None
    if not isinstance(value, str) or len(value) < 10:
        raise _protocol(f"{what} is not a date")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise _protocol(f"{what} is not a date: {value[:40]!r}") from None


def _amount(value: Any, what: str) -> Money:
    """JSON number (kept as text by the client) or decimal string → exact øre."""
    if type(value) is int:
        value = str(value)
    if not isinstance(value, str):
        raise _protocol(f"{what} is not an amount")
    try:
        return Money.parse(str(value))
    except MoneyError as exc:
        raise _protocol(f"{what}: {exc}") from None


# -- patron ----------------------------------------------------------------------------------
def parse_authenticated_patron(data: Any) -> Patron:
    """``AuthenticatedPatronV8/V10`` → :class:`Patron`, or the typed authentication error."""
    reply = _obj(data, "authenticate reply")
    status = reply.get("authenticateStatus")
    if status == "INVALID":
        # FBS does not tell an unknown card from a wrong PIN, and neither do we.
        raise FbsError(FbsErrorReason.WRONG_PIN, "unknown card number or CPR, or wrong PIN")
    if status == "LOANER_LOCKED_OUT":
        raise FbsError(FbsErrorReason.PATRON_LOCKED, "too many wrong PINs")
    if status != "VALID":
        raise _protocol(f"unknown authenticateStatus {str(status)[:40]!r}")
    patron = _obj(reply.get("patron"), "patron")
    patron_id = _int(patron.get("patronId"), "patronId")
    blocks_raw = patron.get("blockStatus") or []
    if not isinstance(blocks_raw, list):
        raise _protocol("blockStatus is not a list")
    blocks = tuple(_block(_obj(b, "blockStatus item")) for b in blocks_raw)
    return Patron(id=str(patron_id), name=_text(patron.get("name"), "name"), blocks=blocks)


def _block(item: Mapping[str, Any]) -> BlockReason:
    code = _text(item.get("blockedReason"), "blockedReason", required=True)
    return BlockReason(
        kind=BlockKind.from_code(code),
        code=code,
        since=_date(item.get("blockedSince"), "blockedSince"),
        message=_text(item.get("message"), "block message"),
    )


# -- fees ------------------------------------------------------------------------------------
def parse_fees(data: Any, classifier: ClaimClassifier) -> list[Claim]:
    """``FeeV2[]`` → open claims (paid and zero-amount fees are left out), oldest first.

    One fee that cannot be read never hides the others: it becomes :meth:`Claim.unreadable`
    and is logged by its fee id (never the patron)."""
    if not isinstance(data, list):
        raise _protocol("fees reply is not a list")
    claims: list[Claim] = []
    for index, item in enumerate(data):
        try:
            claim = parse_fee(item, classifier)
        except FbsError as exc:
            claim = unreadable_fee(item, index, classifier)
            if claim is not None:
                log.warning("fee %s cannot be read, shown as 'ask the staff': %s", claim.id, exc)
        if claim is not None:
            claims.append(claim)
    seen: set[str] = set()
    for claim in claims:
        if claim.id in seen:
            raise _protocol(f"fee {claim.id} listed twice")
        seen.add(claim.id)
    return sorted(claims, key=lambda c: (c.created, c.id))


def parse_fee(item: Any, classifier: ClaimClassifier) -> Claim | None:
    """One ``FeeV2`` → a claim, None when it is paid or zero; FbsError when it cannot be read."""
    fee = _obj(item, "fee")
    fee_id = _int(fee.get("feeId"), "feeId")
    what = f"fee {fee_id}"
    if _date(fee.get("paidDate"), f"{what} paidDate") is not None:
        return None  # paid in full (here, elsewhere, or reported back by the debtor system)
    amount = _amount(fee.get("amount"), f"{what} amount")
    created = _date(fee.get("creationDate"), f"{what} creationDate", required=True)
    assert created is not None
    payable = fee.get("payableByClient")
    if not isinstance(payable, bool):
        raise _protocol(f"{what} payableByClient is not true/false")
    fee_type = _text(fee.get("type"), f"{what} type")
    reason = _text(fee.get("reasonMessage"), f"{what} reasonMessage")
    due = _date(fee.get("dueDate"), f"{what} dueDate")
    materials_raw = fee.get("materials") or []
    if not isinstance(materials_raw, list):
        raise _protocol(f"{what} materials is not a list")
    materials = tuple(_material(_obj(m, f"{what} material")) for m in materials_raw)
    if amount.ore == 0:
        log.info("fee %s has amount 0: nothing to pay, left out", fee_id)
        return None
    return Claim(
        id=str(fee_id),
        kind=ClaimKind.from_fbs(fee_type),
        amount=amount,
        created=created,
        due=due,
        reason=reason,
        materials=materials,
        payable_in=classifier.payable_in(payable, fee_type, reason, created),
    )


def unreadable_fee(item: Any, index: int, classifier: ClaimClassifier) -> Claim | None:
    """What can still be read of a fee :func:`parse_fee` refused, as an unreadable claim: its
    id (``unreadable-N``, N its place in the list, when the feeId is unreadable), kind, reason,
    date and where it would be payable, each only if readable. None if it is surely paid."""
    fee: Mapping[str, Any] = item if isinstance(item, Mapping) else {}
    if _date_or_none(fee.get("paidDate")) is not None:
        return None
    fee_id = fee.get("feeId")
    claim_id = str(fee_id) if type(fee_id) is int else f"unreadable-{index + 1}"
    fee_type = fee.get("type") if isinstance(fee.get("type"), str) else ""
    reason = fee.get("reasonMessage") if isinstance(fee.get("reasonMessage"), str) else ""
    created = _date_or_none(fee.get("creationDate"))
    payable = fee.get("payableByClient")
    payable_in = PayableIn.DEBTOR  # unknown: the cautious guess (see Claim.unreadable)
    if isinstance(payable, bool) and created is not None:
        payable_in = classifier.payable_in(payable, fee_type, reason, created)
    return Claim.unreadable(
        claim_id,
        kind=ClaimKind.from_fbs(fee_type),
        created=created,
        payable_in=payable_in,
        reason=reason,
    )


def _date_or_none(value: Any) -> date | None:
    try:
        return _date(value, "date")
    except FbsError:
        return None


def _material(item: Mapping[str, Any]) -> Material:
    group = item.get("materialGroup")
    group_name = ""
    if group is not None:
        group_name = _text(_obj(group, "materialGroup").get("name"), "materialGroup name")
    return Material(
        item_number=_text(item.get("materialItemNumber"), "materialItemNumber"),
        record_id=_text(item.get("recordId"), "recordId"),
        material_group=group_name,
    )
