"""In-memory stand-ins for the payment session's collaborators (unit tests of the flow only;
integration tests use the FBS simulator and the device emulators)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert

from drivers.base import (
    CardOutcome,
    CardResult,
    CardTerminal,
    CashAcceptor,
    Credit,
    Escrow,
    Health,
    Listener,
)
from kiosk.domain import BlockKind, BlockReason, Claim, ClaimKind, Patron, PayableIn
from kiosk.fbs.port import (
    FbsError,
    FbsErrorReason,
    FbsHealth,
    FeeRegistration,
    RegistrationStatus,
)
from kiosk.ledger.models import Bon
from kiosk.money import Money

CPR = "010190-1234"


def claim(
    cid: str, kr: str, payable: PayableIn, created: date, kind: ClaimKind = ClaimKind.FEE
) -> Claim:
    return Claim(cid, kind, Money.parse(kr), created, payable, reason=f"Gebyr {cid}")


def mixed_claims() -> list[Claim]:
    return [
        claim("101", "20.00", PayableIn.FBS, date(2019, 3, 1)),
        claim("102", "17.30", PayableIn.FBS, date(2019, 6, 1)),
        claim("201", "20.00", PayableIn.DEBTOR, date(2021, 1, 10)),
        claim("202", "20.00", PayableIn.DEBTOR, date(2022, 5, 10)),
        claim("203", "20.00", PayableIn.DEBTOR, date(2023, 2, 10)),
        claim("301", "50.00", PayableIn.ELSEWHERE, date(2023, 4, 1), ClaimKind.COMPENSATION),
    ]


class FakeFbs:
    def __init__(self) -> None:
        self.patrons: dict[str, tuple[str, Patron, list[Claim]]] = {}
        self.registrations: dict[str, list[FeeRegistration]] = {}  # order id → answer
        self.registered_fees: dict[str, str] = {}  # fee id → order id
        self.refuse: str = ""  # a reason: refuse every registration
        self.down = False
        self.calls = 0

    def add(self, identifier: str, pin: str, patron: Patron, claims: list[Claim]) -> None:
        self.patrons[identifier] = (pin, patron, claims)

    def authenticate(self, identifier: str, pin: str) -> Patron:
        self._check()
        if identifier not in self.patrons:
            raise FbsError(FbsErrorReason.UNKNOWN_PATRON)
        expected, patron, _ = self.patrons[identifier]
        if pin != expected:
            raise FbsError(FbsErrorReason.WRONG_PIN)
        return patron

    def claims(self, patron: Patron) -> list[Claim]:
        self._check()
        for _, p, claims in self.patrons.values():
            if p.id == patron.id:
                return [c for c in claims if c.id not in self.registered_fees]
        return []

    def register_payment(
        self, patron: Patron, claims: Sequence[Claim], order_id: str
    ) -> list[FeeRegistration]:
        self._check()
        self.calls += 1
        if order_id in self.registrations:
            return self.registrations[order_id]
        if self.refuse:
            return [
                FeeRegistration(c.id, RegistrationStatus.REFUSED, message=self.refuse)
                for c in claims
            ]
        answer = []
        for c in claims:
            if c.id in self.registered_fees:
                answer.append(FeeRegistration(c.id, RegistrationStatus.REGISTERED_BY_OTHER_ORDER))
            else:
                self.registered_fees[c.id] = order_id
                answer.append(FeeRegistration(c.id, RegistrationStatus.REGISTERED, f"conf-{c.id}"))
        self.registrations[order_id] = answer
        return answer

    def health(self) -> FbsHealth:
        return FbsHealth(not self.down)

    def _check(self) -> None:
        if self.down:
            raise FbsError(FbsErrorReason.UNAVAILABLE, "connection refused")


class FakeAcceptor(CashAcceptor):
    def __init__(self, name: str, kind: str, sink: Callable[[object], None] | None = None) -> None:
        self.name = name
        self.kind = kind
        self.enabled: set[int] = set()
        self.sink = sink
        self.escrow_value: int | None = None
        self.returned: list[int] = []
        self.stacked: list[int] = []
        self._health = Health.OK

    def start(self, listener: Listener) -> None:
        self.sink = listener

    def stop(self) -> None: ...

    def enable(self, values_ore: Iterable[int]) -> None:
        self.enabled = set(values_ore)

    def disable(self) -> None:
        self.enabled = set()

    @property
    def health(self) -> Health:
        return self._health

    @property
    def has_escrow(self) -> bool:
        return self.kind == "note"

    def insert(self, value_ore: int) -> None:
        assert self.sink is not None
        if value_ore not in self.enabled:
            return  # inhibited: the device rejects it, no event
        if self.kind == "note":
            self.escrow_value = value_ore
            self.sink(Escrow(self.name, value_ore, f"{value_ore}"))
            return
        self.sink(Credit(self.name, value_ore, f"DK{value_ore}", "coin"))

    def accept_escrow(self) -> None:
        value, self.escrow_value = self.escrow_value, None
        assert value is not None and self.sink is not None
        self.stacked.append(value)
        self.sink(Credit(self.name, value, f"{value}", "note"))

    def return_escrow(self) -> None:
        value, self.escrow_value = self.escrow_value, None
        assert value is not None
        self.returned.append(value)


class FakeTerminal(CardTerminal):
    def __init__(self) -> None:
        self.name = "terminal"
        self.outcome = CardOutcome.APPROVED
        self.resolve_outcome = CardOutcome.APPROVED
        self.authorised: list[tuple[int, str]] = []
        self.cancelled = 0
        self._health = Health.OK

    def start(self, listener: Listener) -> None: ...

    def stop(self) -> None: ...

    def authorise(self, amount_ore: int, reference: str) -> CardResult:
        self.authorised.append((amount_ore, reference))
        return CardResult(
            self.outcome,
            amount_ore,
            reference,
            "T-" + reference,
            "KORT: ************1234\nGODKENDT",
        )

    def cancel(self) -> None:
        self.cancelled += 1

    def reverse(self, original: CardResult) -> CardResult:
        return original

    def resolve(self, reference: str, amount_ore: int) -> CardResult:
        return CardResult(self.resolve_outcome, amount_ore, reference, "T-" + reference)

    @property
    def health(self) -> Health:
        return self._health


class TestBonIssuer:
    """Writes plain bon rows (the real issuer signs them; see kiosk.bons)."""

    __test__ = False

    def issue_in(
        self, conn: Connection, amount: Money, reason: str, issuer: str, origin_session_id: str
    ) -> dict[str, Any]:
        bon_id = str(uuid.uuid4())
        now = datetime.now(UTC)
        conn.execute(
            insert(Bon).values(
                id=bon_id,
                short_code=bon_id[:8],
                amount_ore=amount.ore,
                reason=reason,
                issuer=issuer,
                issued_at=now,
                expires_at=now + timedelta(days=90),
                origin_session_id=origin_session_id,
            )
        )
        return {"id": bon_id, "amount": amount}


def debt_blocked_patron(cpr: bool = True) -> Patron:
    from kiosk.cpr import Cpr

    return Patron(
        "P1",
        "Åse Ødegård",
        (BlockReason(BlockKind.DEBT_LIMIT, "E"),),
        fee_limit=Money.kr(100),
        cpr=Cpr.parse(CPR) if cpr else None,
    )
