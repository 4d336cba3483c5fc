"""The simulator's SIP2 server logic: one request line in, one reply line out.

Used by the TCP server (:mod:`.sip2_tcp`, one responder per connection) and by the HTTPS
envelope endpoint. Server-side error detection as the standard asks: a bad checksum gets 96; the
same sequence number and checksum again gets the previous reply without doing anything twice; 97
gets the previous reply. Decisions where FBS's SIP2 behaviour is unknown (fbs.md §3):

* 63/64 lists every unpaid fee, debtor claims included (like REST ``includenonpayable=true``).
* 37 for a fee that belongs to the debtor system, or is already paid, answers ``38N`` with an
  ``AF`` text; a repeated 37 with the same ``BK`` answers ``38Y`` again and pays nothing twice.
* A 37 must cover the fee in full (``BV`` equal to the fee's amount).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from kiosk.fbs.simulator.state import (
    PAYMENT_BY_OTHER_ORDER,
    PAYMENT_REGISTERED,
    CardReportedLost,
    PatronLockedOut,
    PaymentRefused,
    SimFee,
    SimPatron,
    SimulatorError,
    SimulatorState,
    UnknownPatron,
    WrongPin,
    digits_of,
)
from kiosk.fbs.sip2.codec import Sip2Message, decode, encode, make, sip2_date
from kiosk.fbs.sip2.errors import Sip2ProtocolError
from kiosk.money import Money, MoneyError

PATRON_PREFIX = "LN:"
#: FBS's recorded BX: position 9 (Fee Paid) supported.
SUPPORTED_MESSAGES = "YYYYYYYYYYYNNYYY"
DEBTOR_FEE_TEXT = "Gebyret er overført til kommunens debitorsystem og kan ikke betales her"
ALREADY_PAID_TEXT = "Gebyret er allerede betalt"
LOCKED_TEXT = "For mange forkerte PIN-koder: kontakt biblioteket"


class LoginRequired(Exception):
    """A request other than 93/99 before a successful login on a TCP connection."""


class Sip2Responder:
    def __init__(
        self,
        state: SimulatorState,
        *,
        require_login: bool = False,
        encoding: str = "cp850",
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.state = state
        self.require_login = require_login
        self.encoding = encoding
        self._now = now
        self.logged_in = False
        self._lock = threading.Lock()
        self._last_key: tuple[int | None, str] | None = None
        self._last_reply: str | None = None
        #: requests that reached a handler (duplicates and resends are not counted)
        self.handled = 0
        #: the patron (AA) of each 35 End Patron Session handled, oldest first
        self.ended_patrons: list[str] = []

    def respond(self, request_line: str) -> str:
        """Thread-safe: the HTTPS envelope endpoint shares one responder between its threads."""
        with self._lock:
            reply = self._respond(request_line.rstrip("\r\n"))
        if self.state.faults.garble_checksum and reply[-6:-4] == "AZ":
            wrong = (int(reply[-4:], 16) + 1) & 0xFFFF
            return f"{reply[:-4]}{wrong:04X}"
        return reply

    def _respond(self, line: str) -> str:
        try:
            request = decode(line, encoding=self.encoding)
        except Sip2ProtocolError:
            return encode(make("96"), encoding=self.encoding)
        if request.code == "97":
            return self._last_reply or encode(make("96"), encoding=self.encoding)
        if request.checksum is not None:
            key = (request.sequence, request.checksum)
            if key == self._last_key and self._last_reply is not None:
                return self._last_reply
            self._last_key = key
        if self.require_login and not self.logged_in and request.code not in ("93", "99"):
            raise LoginRequired(request.code)
        handler = _HANDLERS.get(request.code)
        if handler is None:
            return encode(make("96"), encoding=self.encoding)
        self.handled += 1
        reply = handler(self, request)
        if request.checksum is None:
            text = encode(reply, error_detection=False, encoding=self.encoding)
        else:
            text = encode(reply, sequence=request.sequence or 0, encoding=self.encoding)
        self._last_reply = text
        return text

    # -- handlers -------------------------------------------------------------------------------
    def _date(self) -> str:
        return sip2_date(self._now())

    def _login(self, request: Sip2Message) -> Sip2Message:
        ok = self.state.check_client(request.get("CN") or "", request.get("CO") or "", sip2=True)
        self.logged_in = ok
        return make("94", ok="1" if ok else "0")

    def _status(self, request: Sip2Message) -> Sip2Message:
        return make(
            "98",
            online_status="Y",
            checkin_ok="N",
            checkout_ok="N",
            acs_renewal_policy="N",
            status_update_ok="N",
            offline_ok="N",
            timeout_period="600",
            retries_allowed="999",
            date_time_sync=self._date(),
            protocol_version="2.00",
            AO=self.state.agency_id,
            AM="FBS-simulator",
            BX=SUPPORTED_MESSAGES,
        )

    def _find(self, aa: str) -> SimPatron | None:
        return self.state.find_patron(aa.removeprefix(PATRON_PREFIX))

    def _patron_aa(self, patron: SimPatron | None, request: Sip2Message) -> str:
        """The patron identifier a 64/24 names: the card number, or with ``cpr_as_patron_id``
        the CPR the citizen logged in with (FBS may answer so)."""
        asked = request.get("AA") or ""
        if patron is None:
            return asked
        if self.state.cpr_as_patron_id and digits_of(asked) == patron.cpr:
            return PATRON_PREFIX + patron.cpr
        return PATRON_PREFIX + patron.card_number

    def _identify(self, request: Sip2Message) -> tuple[SimPatron | None, str, str]:
        """(patron, CQ, AF) for 23/63: with AD the PIN is checked, without it only the id."""
        aa, pin = request.get("AA") or "", request.get("AD")
        if pin is None:
            return self._find(aa), "N", ""
        try:
            return self.state.authenticate(aa.removeprefix(PATRON_PREFIX), pin), "Y", ""
        except CardReportedLost as exc:
            return exc.patron, "Y", ""
        except UnknownPatron:
            return None, "N", ""
        except WrongPin:
            return self._find(aa), "N", ""
        except PatronLockedOut:
            return self._find(aa), "N", LOCKED_TEXT

    @staticmethod
    def _patron_status(patron: SimPatron | None) -> str:
        status = [" "] * 14
        if patron is not None and patron.blocks:
            status[0:4] = ["Y"] * 4
            for block in patron.blocks:
                if block.code == "O":
                    status[4] = "Y"
                elif block.code == "E":
                    status[10] = "Y"
        if patron is not None and patron.card_lost:
            status[4] = "Y"
        return "".join(status)

    def _patron_fields(
        self,
        patron: SimPatron | None,
        request: Sip2Message,
        cq: str,
        fees: list[SimFee],
        *,
        limits: bool = False,
    ) -> dict[str, object]:
        """The fields 64 and 24 share, in the specification's order (64 adds the item limits
        BZ, CA, CB after the name)."""
        fields: dict[str, object] = {
            "AO": self.state.agency_id,
            "AA": self._patron_aa(patron, request),
            "AE": patron.name if patron else "",
        }
        if limits:
            fields.update(BZ="9999", CA="9999", CB="9999")
        fields.update(
            BL="Y" if patron else "N",
            CQ=cq,
            BH="DKK",
            BV=Money(sum(f.amount_ore for f in fees)).to_fbs(),
        )
        return fields

    def _patron_information(self, request: Sip2Message) -> Sip2Message:
        patron, cq, af = self._identify(request)
        fees = self.state.fees(patron.patron_id) if patron else []
        wants_fines = request.fixed["summary"][3:4] == "Y"
        fields = self._patron_fields(patron, request, cq, fees, limits=True)
        if patron:
            fields["CC"] = Money(patron.fee_limit_ore).to_fbs()
        fields.update(AS=[""], AT=[""], AU=[""])
        if wants_fines and fees:
            fields["AV"] = [_fine_item(f) for f in fees]
        fields.update(BU=[""], CD=[""])
        if af:
            fields["AF"] = [af]
        return make(
            "64",
            patron_status=self._patron_status(patron),
            language="009",
            transaction_date=self._date(),
            hold_items_count="0000",
            overdue_items_count="0000",
            charged_items_count="0000",
            fine_items_count=f"{min(len(fees), 9999):04d}",
            recall_items_count="0000",
            unavailable_holds_count="0000",
            **fields,  # type: ignore[arg-type]
        )

    def _patron_status_request(self, request: Sip2Message) -> Sip2Message:
        patron, cq, af = self._identify(request)
        fees = self.state.fees(patron.patron_id) if patron else []
        fields = self._patron_fields(patron, request, cq, fees)
        if af:
            fields["AF"] = [af]
        return make(
            "24",
            patron_status=self._patron_status(patron),
            language="009",
            transaction_date=self._date(),
            **fields,  # type: ignore[arg-type]
        )

    def _fee_paid(self, request: Sip2Message) -> Sip2Message:
        aa, bk = request.get("AA") or "", request.get("BK") or ""
        with self.state._lock:
            self.state.fee_paid_requests.append((request.get("CG") or "", bk))

        def answer(accepted: bool, text: str = "") -> Sip2Message:
            extra = {"AF": [text]} if text else {}
            return make(
                "38",
                payment_accepted="Y" if accepted else "N",
                transaction_date=self._date(),
                AO=self.state.agency_id,
                AA=aa,
                BK=bk,
                **extra,  # type: ignore[arg-type]
            )

        patron = self._find(aa)
        if patron is None:
            return answer(False, "Ukendt låner")
        fee_id = request.get("CG") or ""
        fee = self.state.fee(int(fee_id)) if fee_id.isascii() and fee_id.isdigit() else None
        if fee is None or fee.patron_id != patron.patron_id:
            return answer(False, "Ukendt gebyr")
        if not bk:
            return answer(False, "Transaktions-id (BK) mangler")
        try:
            amount = Money.parse(request.get("BV") or "")
        except MoneyError:
            return answer(False, "Ugyldigt beløb")
        if amount.ore != fee.amount_ore or request.fixed["currency_type"] != "DKK":
            return answer(False, "Beløbet skal dække hele gebyret")
        try:
            (result,) = self.state.pay(patron.patron_id, bk, [fee.fee_id])
        except PaymentRefused as exc:
            return answer(False, str(exc))
        except SimulatorError as exc:
            return answer(False, str(exc))
        if result.payment_status == PAYMENT_REGISTERED:
            return answer(True)
        if result.payment_status == PAYMENT_BY_OTHER_ORDER:
            return answer(False, ALREADY_PAID_TEXT)
        return answer(False, DEBTOR_FEE_TEXT)

    def _end_session(self, request: Sip2Message) -> Sip2Message:
        self.ended_patrons.append(request.get("AA") or "")
        return make(
            "36",
            end_session="Y",
            transaction_date=self._date(),
            AO=self.state.agency_id,
            AA=request.get("AA") or "",
        )


def _fine_item(fee: SimFee) -> str:
    """FBS's AV layout: ``itemId%feeId%date%amount%title%author%…``."""
    material = fee.materials[0] if fee.materials else None
    parts = [
        material.item_number if material else "",
        str(fee.fee_id),
        f"{fee.creation_date:%Y%m%d}",
        fee.wire_amount or Money(fee.amount_ore).to_fbs(),
        material.title if material else fee.reason,
        material.author if material else "",
        "",
        "",
        "",
    ]
    return "%".join(p.replace("%", " ").replace("|", " ") for p in parts)


_HANDLERS: dict[str, Callable[[Sip2Responder, Sip2Message], Sip2Message]] = {
    "93": Sip2Responder._login,
    "99": Sip2Responder._status,
    "23": Sip2Responder._patron_status_request,
    "63": Sip2Responder._patron_information,
    "37": Sip2Responder._fee_paid,
    "35": Sip2Responder._end_session,
}
