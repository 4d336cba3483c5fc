"""The simulator's data: patrons and their fees, shared by the REST and SIP2 front ends.

Thread-safe: every read returns immutable snapshots and every change happens under one lock, so
the HTTP server's threads and the SIP2 server can serve the same state at once.

Decisions where FBS's behaviour is not public (see ``docs/demo-patrons.md``):

* ``payableByClient`` is computed: a fee created before the cut-off date is payable here; a fee
  created on or after it was transferred to the debtor system and is not; a fee marked
  ``never_transferred`` (e.g. a claim for another library) is not payable here either.
* A card reported lost still authenticates with the right PIN (FBS blocks the *patron* with code
  ``O``); :meth:`SimulatorState.authenticate` raises :class:`CardReportedLost` carrying the patron
  so each front end can say so in its own protocol.
* Three wrong PINs in a row lock the patron out (``LOANER_LOCKED_OUT``) until :meth:`unlock`.
* A payment of a fee already paid (by another order, or in the debtor system) answers
  ``paymentRegisteredByDifferentOrderId``; the same ``orderId`` again answers the same
  ``confirmationId`` and registers nothing new.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import NamedTuple

#: How many wrong PINs in a row lock a patron out.
MAX_PIN_ATTEMPTS = 3

PAYMENT_REGISTERED = "paymentRegistered"
PAYMENT_BY_OTHER_ORDER = "paymentRegisteredByDifferentOrderId"
PAYMENT_NOT_ALLOWED = "paymentNotAllowedByClient"

#: What Cicero says when no account period exists for the current year (around New Year).
YEAR_END_MESSAGE = "no account period for the current year"


# -- errors --------------------------------------------------------------------------------------
class SimulatorError(Exception):
    """Base of the simulator's typed errors."""


class AuthenticationFailed(SimulatorError):
    """Patron authentication did not succeed."""


class UnknownPatron(AuthenticationFailed):
    pass


class WrongPin(AuthenticationFailed):
    pass


class PatronLockedOut(AuthenticationFailed):
    pass


class CardReportedLost(AuthenticationFailed):
    """The card is reported lost; the PIN was right. ``patron`` is the card's owner."""

    def __init__(self, patron: SimPatron) -> None:
        super().__init__(f"card {patron.card_number} is reported lost")
        self.patron = patron


class PaymentRefused(SimulatorError):
    """FBS refuses the whole payment call (e.g. no account period at year end)."""


class BadPaymentRequest(SimulatorError):
    """A malformed payment request: empty order id, no fees, a fee of another patron."""


# -- data ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SimMaterial:
    title: str
    author: str
    item_number: str
    record_id: str
    material_group: str = "Bog"
    material_group_description: str = "Bøger"


@dataclass(frozen=True, slots=True)
class SimBlock:
    code: str  # O, U, F, S, W, E, D, or anything else ("other reason")
    since: date
    message: str


@dataclass(frozen=True, slots=True)
class SimFee:
    fee_id: int
    patron_id: int
    type: str  # "fee", "compensation", or anything else (= other)
    reason: str
    amount_ore: int
    creation_date: date
    due_date: date | None
    payable_by_client: bool
    materials: tuple[SimMaterial, ...] = ()
    paid_date: date | None = None
    paid_by_order: str | None = None  # None and paid_date set: paid in the debtor system
    never_transferred: bool = False
    sip2_fee_type: str = "01"  # SIP2 fee type code (01 other, 04 overdue, 07 replacement)
    #: how the amount is written on the wire instead of the exact ``175.00``: a JSON literal over
    #: REST (``175.000``, ``1.755E2``, ``19.999``, ``"abc"``), the AV amount text over SIP2; for
    #: tests of what FBS may send. Payments still check ``amount_ore``.
    wire_amount: str = ""

    @property
    def is_paid(self) -> bool:
        return self.paid_date is not None


@dataclass(frozen=True, slots=True)
class SimPatron:
    patron_id: int
    card_number: str
    cpr: str  # 10 digits, fictitious
    pin: str
    name: str
    blocks: tuple[SimBlock, ...] = ()
    fee_limit_ore: int = 20000
    card_lost: bool = False
    locked_out: bool = False
    failed_pin_attempts: int = 0
    note: str = ""  # what this seed patron demonstrates (docs and tests)


class PaymentResult(NamedTuple):
    fee_id: int
    payment_status: str
    confirmation_id: str


@dataclass
class Faults:
    """Switches a test or the demo flips to make the simulator misbehave like a real FBS can."""

    slow_s: float = 0.0  # delay before every reply
    drop_connections: bool = False  # close the connection without a reply
    garble_checksum: bool = False  # SIP2: send replies with a wrong AZ checksum
    http_500: bool = False  # REST and the SIP2 envelope: answer 500
    expire_sessions: bool = False  # REST: every session key is expired (401), even a new one
    year_end: bool = False  # payments refused: no account period for the current year
    garble_json: bool = False  # REST: replies that are not valid JSON

    def clear(self) -> None:
        self.slow_s = 0.0
        self.drop_connections = self.garble_checksum = self.http_500 = False
        self.expire_sessions = self.year_end = self.garble_json = False


@dataclass(frozen=True, slots=True)
class _Order:
    order_id: str
    patron_id: int
    confirmation_id: str


@dataclass
class ClientCredentials:
    username: str
    password: str


def digits_of(identifier: str) -> str:
    return identifier.strip().replace("-", "").replace(" ", "")


# -- the state -----------------------------------------------------------------------------------
@dataclass
class SimulatorState:
    agency_id: str = "DK-999999"
    cut_off_date: date = date(2020, 9, 1)
    rest_client: ClientCredentials = field(
        default_factory=lambda: ClientCredentials("demo", "demo")
    )
    sip2_client: ClientCredentials = field(
        default_factory=lambda: ClientCredentials("sip2", "sip2")
    )
    faults: Faults = field(default_factory=Faults)
    #: the character set the SIP2 envelope's AZ checksums are summed over (FBS's is not public)
    envelope_checksum_encoding: str = "utf-8"
    #: REST payment replies give confirmationId as a JSON number (the public spec does not say)
    numeric_confirmation_ids: bool = False
    #: SIP2 replies to a login by CPR name the CPR itself as the patron (AA), as FBS may
    cpr_as_patron_id: bool = False

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._patrons: dict[int, SimPatron] = {}
        self._fees: dict[int, SimFee] = {}
        self._orders: dict[str, _Order] = {}
        self._sessions: set[str] = set()
        self._next_confirmation = 1
        #: every fee registration that changed something: (order_id, fee_id); tests count these
        self.registrations: list[tuple[str, int]] = []
        #: every SIP2 37 Fee Paid that reached the simulator, as (fee id, BK transaction id):
        #: FBS is not known to deduplicate a repeated 37, so tests count them on the wire
        self.fee_paid_requests: list[tuple[str, str]] = []
        self.logins = 0  # successful REST client logins
        self.connections = 0  # HTTP connections the server accepted (keep-alive reuse shows here)
        self.connections_open = 0  # of those, still open: what clients keep

    # -- building --------------------------------------------------------------------------
    def add_patron(self, patron: SimPatron) -> SimPatron:
        with self._lock:
            if patron.patron_id in self._patrons:
                raise ValueError(f"patron {patron.patron_id} exists")
            for other in self._patrons.values():
                if other.card_number == patron.card_number or other.cpr == patron.cpr:
                    raise ValueError(f"card or CPR of patron {patron.patron_id} already used")
            self._patrons[patron.patron_id] = patron
            return patron

    def add_fee(
        self,
        patron_id: int,
        fee_id: int,
        *,
        kind: str,
        reason: str,
        amount_ore: int,
        created: date,
        due: date | None = None,
        materials: Sequence[SimMaterial] = (),
        never_transferred: bool = False,
        paid_in_debtor: date | None = None,
        sip2_fee_type: str = "01",
        wire_amount: str = "",
    ) -> SimFee:
        """Add a fee; ``payableByClient`` follows from ``created`` and the cut-off date.
        ``wire_amount``: see :attr:`SimFee.wire_amount`."""
        if type(amount_ore) is not int or amount_ore <= 0:  # money is exact: no bool, no float
            raise ValueError(f"fee {fee_id}: amount must be positive whole øre")
        with self._lock:
            if patron_id not in self._patrons:
                raise ValueError(f"no patron {patron_id}")
            if fee_id in self._fees:
                raise ValueError(f"fee {fee_id} exists")
            payable = created < self.cut_off_date and not never_transferred
            fee = SimFee(
                fee_id=fee_id,
                patron_id=patron_id,
                type=kind,
                reason=reason,
                amount_ore=amount_ore,
                creation_date=created,
                due_date=due,
                payable_by_client=payable,
                materials=tuple(materials),
                paid_date=paid_in_debtor,
                never_transferred=never_transferred,
                sip2_fee_type=sip2_fee_type,
                wire_amount=wire_amount,
            )
            self._fees[fee_id] = fee
            return fee

    # -- client sessions (REST) ------------------------------------------------------------
    def check_client(self, username: str, password: str, *, sip2: bool = False) -> bool:
        creds = self.sip2_client if sip2 else self.rest_client
        return secrets.compare_digest(
            username.encode(), creds.username.encode()
        ) & secrets.compare_digest(password.encode(), creds.password.encode())

    def login(self, username: str, password: str) -> str | None:
        """A new REST session key, or None for wrong client credentials."""
        if not self.check_client(username, password):
            return None
        key = secrets.token_urlsafe(24)
        with self._lock:
            self._sessions.add(key)
            self.logins += 1
        return key

    def session_valid(self, key: str | None) -> bool:
        if not key or self.faults.expire_sessions:
            return False
        with self._lock:
            return key in self._sessions

    def expire_all_sessions(self) -> None:
        """One-shot expiry: every current key answers 401; a new login works again."""
        with self._lock:
            self._sessions.clear()

    # -- patrons ---------------------------------------------------------------------------
    def patrons(self) -> list[SimPatron]:
        with self._lock:
            return list(self._patrons.values())

    def patron(self, patron_id: int) -> SimPatron:
        with self._lock:
            try:
                return self._patrons[patron_id]
            except KeyError:
                raise UnknownPatron(f"no patron {patron_id}") from None

    def find_patron(self, identifier: str) -> SimPatron | None:
        """By card number first, then CPR (with or without the dash). No PIN check."""
        wanted = digits_of(identifier)
        if not wanted:
            return None
        with self._lock:
            for p in self._patrons.values():
                if p.card_number == wanted:
                    return p
            for p in self._patrons.values():
                if p.cpr == wanted:
                    return p
        return None

    def authenticate(self, identifier: str, pin: str) -> SimPatron:
        """Card number or CPR plus PIN → the patron, or a typed :class:`AuthenticationFailed`."""
        with self._lock:
            patron = self.find_patron(identifier)
            if patron is None:
                raise UnknownPatron("unknown patron")
            if patron.locked_out:
                raise PatronLockedOut("too many wrong PINs")
            if not secrets.compare_digest(pin.encode(), patron.pin.encode()):
                attempts = patron.failed_pin_attempts + 1
                locked = attempts >= MAX_PIN_ATTEMPTS
                self._patrons[patron.patron_id] = replace(
                    patron, failed_pin_attempts=attempts, locked_out=locked
                )
                if locked:
                    raise PatronLockedOut("too many wrong PINs")
                raise WrongPin("wrong PIN")
            if patron.failed_pin_attempts:
                patron = replace(patron, failed_pin_attempts=0)
                self._patrons[patron.patron_id] = patron
            if patron.card_lost and digits_of(identifier) == patron.card_number:
                raise CardReportedLost(patron)
            return patron

    def unlock(self, patron_id: int) -> None:
        with self._lock:
            p = self.patron(patron_id)
            self._patrons[patron_id] = replace(p, locked_out=False, failed_pin_attempts=0)

    # -- fees ------------------------------------------------------------------------------
    def fees(
        self, patron_id: int, include_paid: bool = False, include_nonpayable: bool = True
    ) -> list[SimFee]:
        """The patron's fees, oldest first, as FBS's ``GET .../fees`` would list them."""
        with self._lock:
            self.patron(patron_id)
            found = [
                f
                for f in self._fees.values()
                if f.patron_id == patron_id
                and (include_paid or not f.is_paid)
                and (include_nonpayable or f.payable_by_client)
            ]
        return sorted(found, key=lambda f: (f.creation_date, f.fee_id))

    def fee(self, fee_id: int) -> SimFee | None:
        with self._lock:
            return self._fees.get(fee_id)

    def pay(
        self, patron_id: int, order_id: str, fee_ids: Iterable[int], *, today: date | None = None
    ) -> list[PaymentResult]:
        """Register whole fees as paid under ``order_id``, idempotently, like FBS.

        Raises :class:`PaymentRefused` (year end) or :class:`BadPaymentRequest`, changing nothing.
        """
        ids = list(fee_ids)
        if not isinstance(order_id, str) or not order_id.strip():
            raise BadPaymentRequest("orderId is required")
        if not ids:
            raise BadPaymentRequest("feeIds is empty")
        if any(type(i) is not int for i in ids):
            raise BadPaymentRequest("feeIds must be integers")
        with self._lock:
            self.patron(patron_id)
            for fee_id in ids:
                fee = self._fees.get(fee_id)
                if fee is None or fee.patron_id != patron_id:
                    raise BadPaymentRequest(f"fee {fee_id} is not a fee of patron {patron_id}")
            order = self._orders.get(order_id)
            if order is not None and order.patron_id != patron_id:
                raise BadPaymentRequest(f"orderId {order_id} belongs to another patron")
            if self.faults.year_end:
                raise PaymentRefused(YEAR_END_MESSAGE)
            if order is None:
                order = _Order(order_id, patron_id, f"CONF-{self._next_confirmation:08d}")
                self._next_confirmation += 1
                self._orders[order_id] = order
            results: list[PaymentResult] = []
            for fee_id in dict.fromkeys(ids):
                fee = self._fees[fee_id]
                if fee.paid_by_order == order_id:
                    status = PAYMENT_REGISTERED
                elif fee.is_paid:
                    status = PAYMENT_BY_OTHER_ORDER
                elif not fee.payable_by_client:
                    status = PAYMENT_NOT_ALLOWED
                else:
                    self._fees[fee_id] = replace(
                        fee, paid_date=today or date.today(), paid_by_order=order_id
                    )
                    self.registrations.append((order_id, fee_id))
                    status = PAYMENT_REGISTERED
                results.append(PaymentResult(fee_id, status, order.confirmation_id))
            return results
