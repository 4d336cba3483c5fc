"""The simulator's REST API: requests → (HTTP status, JSON body), independent of the HTTP server.

Shapes follow the DPL FBS adapter spec (``FeeV2``, ``AuthenticatedPatronV10``/``PatronV9``,
``BlockStatus``) and ``fbs.md``. Decisions where FBS is not public: a refused payment (year end,
a fee of another patron) is HTTP 400 with ``{"message": ...}``; an unknown patron id is 404.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from kiosk.fbs.simulator.state import (
    BadPaymentRequest,
    CardReportedLost,
    PatronLockedOut,
    PaymentRefused,
    SimFee,
    SimPatron,
    SimulatorState,
    UnknownPatron,
    WrongPin,
)

PREFIX = "/rest/external/v1/"
_AMOUNT = re.compile(r'"__ore__(-?\d+)__"|"__raw__([0-9a-f]*)__"')

Reply = tuple[int, Any]


def dumps(body: Any) -> bytes:
    """JSON with amounts as exact decimal numbers (``175.00``), never through a float; a fee's
    ``wire_amount`` is written as given."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return _AMOUNT.sub(_literal, text).encode("utf-8")


def _literal(match: re.Match[str]) -> str:
    if match[1] is not None:
        return _decimal(int(match[1]))
    return bytes.fromhex(match[2]).decode("utf-8")


def _decimal(ore: int) -> str:
    sign = "-" if ore < 0 else ""
    kr, rest = divmod(abs(ore), 100)
    return f"{sign}{kr}.{rest:02d}"


def _amount(ore: int) -> str:
    return f"__ore__{ore}__"


def _raw(literal: str) -> str:
    return f"__raw__{literal.encode('utf-8').hex()}__"


def fee_json(fee: SimFee) -> dict[str, Any]:
    body: dict[str, Any] = {
        "feeId": fee.fee_id,
        "type": fee.type,
        "reasonMessage": fee.reason,
        "amount": _raw(fee.wire_amount) if fee.wire_amount else _amount(fee.amount_ore),
        "creationDate": fee.creation_date.isoformat(),
        "payableByClient": fee.payable_by_client,
        "materials": [
            {
                "recordId": m.record_id,
                "materialItemNumber": m.item_number,
                "materialGroup": {
                    "name": m.material_group,
                    "description": m.material_group_description,
                },
            }
            for m in fee.materials
        ],
    }
    if fee.due_date is not None:
        body["dueDate"] = fee.due_date.isoformat()
    if fee.paid_date is not None:
        body["paidDate"] = fee.paid_date.isoformat()
    return body


def patron_json(patron: SimPatron, agency_id: str) -> dict[str, Any]:
    return {
        "patronId": patron.patron_id,
        "name": patron.name,
        "blockStatus": [
            {"blockedReason": b.code, "blockedSince": b.since.isoformat(), "message": b.message}
            for b in patron.blocks
        ],
        "preferredPickupBranch": agency_id,
        "guardianVisibility": False,
        "receiveEmail": False,
        "receiveSms": False,
        "receivePostalMail": False,
        "hasNationalRegistrySynchronizationConsent": False,
        "defaultInterestPeriod": 180,
        "resident": True,
    }


def _error(status: int, message: str) -> Reply:
    return status, {"message": message}


class RestApi:
    def __init__(self, state: SimulatorState) -> None:
        self.state = state

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Reply:
        if not path.startswith(PREFIX):
            return _error(404, "not found")
        agency, _, rest = path[len(PREFIX) :].partition("/")
        if agency != self.state.agency_id:
            return _error(404, f"unknown agency {agency[:20]}")
        if method == "POST" and rest == "authentication/login":
            data = _json(body)
            if not isinstance(data, dict):
                return _error(400, "body must be a JSON object")
            key = self.state.login(str(data.get("username", "")), str(data.get("password", "")))
            if key is None:
                return _error(401, "client unauthorized")
            return 200, {"sessionKey": key}
        if not self.state.session_valid(headers.get("x-session")):
            return _error(401, "client unauthorized")
        if method == "POST" and rest == "patrons/authenticate":
            return self._authenticate(_json(body))
        parts = rest.split("/")
        if len(parts) == 3 and parts[0] == "patron":
            try:
                patron_id = int(parts[1])
                self.state.patron(patron_id)
            except (ValueError, UnknownPatron):
                return _error(404, "Data not found")
            if method == "GET" and parts[2] == "fees":
                return self._fees(patron_id, query)
            if method == "POST" and parts[2] == "payment":
                return self._payment(patron_id, _json(body))
        return _error(404, "not found")

    def _authenticate(self, data: Any) -> Reply:
        if not isinstance(data, dict):
            return _error(400, "body must be a JSON object")
        card, pin = data.get("libraryCardNumber"), data.get("pincode")
        if not isinstance(card, str) or not isinstance(pin, str):
            return _error(400, "libraryCardNumber and pincode are required")
        try:
            patron = self.state.authenticate(card, pin)
        except (UnknownPatron, WrongPin):
            return 200, {"authenticateStatus": "INVALID"}
        except PatronLockedOut:
            return 200, {"authenticateStatus": "LOANER_LOCKED_OUT"}
        except CardReportedLost as lost:
            patron = lost.patron  # FBS reports it as the patron's block "O"
        return 200, {
            "authenticateStatus": "VALID",
            "patron": patron_json(patron, self.state.agency_id),
        }

    def _fees(self, patron_id: int, query: Mapping[str, list[str]]) -> Reply:
        flags = {}
        for name in ("includepaid", "includenonpayable"):
            value = (query.get(name) or [""])[0]
            if value not in ("true", "false"):
                return _error(400, f"{name} must be true or false")
            flags[name] = value == "true"
        fees = self.state.fees(patron_id, flags["includepaid"], flags["includenonpayable"])
        return 200, [fee_json(f) for f in fees]

    def _payment(self, patron_id: int, data: Any) -> Reply:
        if not isinstance(data, dict):
            return _error(400, "body must be a JSON object")
        order_id, fee_ids = data.get("orderId"), data.get("feeIds")
        if not isinstance(order_id, str) or not isinstance(fee_ids, list):
            return _error(400, "orderId and feeIds are required")
        try:
            results = self.state.pay(patron_id, order_id, fee_ids)
        except (PaymentRefused, BadPaymentRequest) as exc:
            return _error(400, str(exc))
        return 200, [
            {
                "orderId": order_id,
                "feeId": r.fee_id,
                "paymentStatus": r.payment_status,
                "confirmationId": (
                    int(r.confirmation_id.removeprefix("CONF-"))
                    if self.state.numeric_confirmation_ids
                    else r.confirmation_id
                ),
            }
            for r in results
        ]


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        return None
