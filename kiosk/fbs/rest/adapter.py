"""``RestFbsPort``: :class:`~kiosk.fbs.port.FbsPort` over the FBS REST "external" API."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from urllib.parse import quote

from kiosk.domain import Claim, Patron
from kiosk.fbs.port import (
    FbsError,
    FbsErrorReason,
    FbsHealth,
    FeeRegistration,
    RegistrationStatus,
)
from kiosk.fbs.rest.client import HttpRefused, RestClient
from kiosk.fbs.rest.parse import ClaimClassifier, parse_authenticated_patron, parse_fees

_STATUSES = {
    "paymentRegistered": RegistrationStatus.REGISTERED,
    "paymentRegisteredByDifferentOrderId": RegistrationStatus.REGISTERED_BY_OTHER_ORDER,
    "paymentNotAllowedByClient": RegistrationStatus.REFUSED,
}


def _fee_id(claim: Claim) -> int:
    if not claim.id.isascii() or not claim.id.isdigit():
        raise FbsError(FbsErrorReason.PROTOCOL, f"claim id {claim.id!r} is not an FBS feeId")
    return int(claim.id)


def _confirmation_id(value: Any) -> str:
    """FBS's ``confirmationId`` as text: a string, or a JSON number as it was written (the
    client keeps fractions as their literal text); anything else (true, null, objects) is none."""
    if isinstance(value, str) or type(value) is int:
        return str(value)[:100]
    return ""


def _patron_path(patron: Patron) -> str:
    if not patron.id:
        raise FbsError(FbsErrorReason.UNKNOWN_PATRON, "patron has no id")
    return f"/patron/{quote(patron.id, safe='')}"


class RestFbsPort:
    def __init__(self, client: RestClient, classifier: ClaimClassifier | None = None) -> None:
        self.client = client
        self.classifier = classifier or ClaimClassifier()

    @classmethod
    def from_settings(
        cls, settings: Any, agency_id: str, cut_off_date: date | None = None
    ) -> RestFbsPort:
        """From ``[fbs.rest]`` (:class:`kiosk.config.fbs.RestSettings`)."""
        client = RestClient(
            settings.base_url,
            agency_id,
            settings.username,
            settings.password.get(),
            verify_tls=settings.verify_tls,
            timeout_s=settings.timeout_s,
            retries=settings.retries,
            backoff_s=settings.backoff_s,
        )
        classifier = ClaimClassifier.of(
            cut_off_date, settings.elsewhere_fee_types, settings.elsewhere_reason_markers
        )
        return cls(client, classifier)

    def close(self) -> None:
        self.client.close()

    def authenticate(self, identifier: str, pin: str) -> Patron:
        identifier = identifier.strip() if isinstance(identifier, str) else ""
        if not identifier or not isinstance(pin, str) or not pin:
            raise FbsError(FbsErrorReason.WRONG_PIN, "card number or CPR and PIN are required")
        body = {"libraryCardNumber": identifier.replace("-", ""), "pincode": pin}
        try:
            data = self.client.call("POST", "/patrons/authenticate", body=body, idempotent=False)
        except HttpRefused as exc:
            raise FbsError(FbsErrorReason.PROTOCOL, f"authenticate refused: {exc}") from None
        return parse_authenticated_patron(data)

    def claims(self, patron: Patron) -> list[Claim]:
        params = {"includepaid": "false", "includenonpayable": "true"}
        try:
            data = self.client.call(
                "GET", _patron_path(patron) + "/fees", params=params, idempotent=True
            )
        except HttpRefused as exc:
            if exc.status == 404:
                raise FbsError(FbsErrorReason.UNKNOWN_PATRON, exc.message) from None
            raise FbsError(FbsErrorReason.PROTOCOL, f"fees refused: {exc}") from None
        return parse_fees(data, self.classifier)

    def register_payment(
        self, patron: Patron, claims: Sequence[Claim], order_id: str
    ) -> list[FeeRegistration]:
        """POST the payment; repeating it with the same ``order_id`` is what FBS makes safe, so
        timeouts and 5xx are retried. A 4xx refusal (e.g. no account period at year end) is
        ``FbsError(REFUSED)`` with FBS's message."""
        if not claims:
            return []
        if not order_id or not order_id.strip():
            raise FbsError(FbsErrorReason.PROTOCOL, "an orderId is required")
        fee_ids = [_fee_id(c) for c in claims]
        body = {"orderId": order_id, "feeIds": fee_ids}
        try:
            data = self.client.call(
                "POST", _patron_path(patron) + "/payment", body=body, idempotent=True
            )
        except HttpRefused as exc:
            raise FbsError(FbsErrorReason.REFUSED, exc.message) from None
        return self._registrations(data, order_id, fee_ids)

    @staticmethod
    def _registrations(data: Any, order_id: str, fee_ids: list[int]) -> list[FeeRegistration]:
        if not isinstance(data, list):
            raise FbsError(FbsErrorReason.PROTOCOL, "payment reply is not a list")
        answered: dict[int, Mapping[str, Any]] = {}
        for item in data:
            if not isinstance(item, Mapping) or type(item.get("feeId")) is not int:
                raise FbsError(FbsErrorReason.PROTOCOL, "payment reply item without feeId")
            if item.get("orderId") not in (None, order_id):
                raise FbsError(FbsErrorReason.PROTOCOL, "payment reply for another orderId")
            answered[item["feeId"]] = item
        results = []
        for fee_id in dict.fromkeys(fee_ids):
            item = answered.get(fee_id, {})
            raw = item.get("paymentStatus")
            status = _STATUSES.get(raw, RegistrationStatus.NOT_REGISTERED)  # type: ignore[arg-type]
            confirmation = _confirmation_id(item.get("confirmationId"))
            message = ""
            if status is RegistrationStatus.REFUSED:
                message = "FBS does not allow this fee to be paid here"
            elif status is RegistrationStatus.NOT_REGISTERED:
                message = f"paymentStatus {str(raw)[:40]!r}" if raw else "fee not in the reply"
            results.append(
                FeeRegistration(
                    fee_id=str(fee_id),
                    status=status,
                    confirmation_id=confirmation,
                    message=message,
                )
            )
        return results

    def health(self) -> FbsHealth:
        started = time.perf_counter()
        try:
            self.client.login()
        except FbsError as exc:
            return FbsHealth(False, str(exc))
        return FbsHealth(True, "client login ok", (time.perf_counter() - started) * 1000)
