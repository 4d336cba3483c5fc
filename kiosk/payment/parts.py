"""What a session pays with, and what its steps (``login``, ``cash``, ``card``, ``outage``) and
its view use of it.

The steps are parts of one :class:`~kiosk.payment.session.PaymentSession`, split by what they do.
They reach it through :class:`SessionParts`, which the session satisfies, so that they need not
import the module that imports them: the dependencies point one way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from drivers.base import CardTerminal, CashAcceptor, Health
from kiosk.clock import Clock
from kiosk.config.model import CashSection, ClaimsSection
from kiosk.cpr import Cpr
from kiosk.domain import Claim, Patron
from kiosk.fbs.port import FbsPort
from kiosk.ledger.repository import Ledger
from kiosk.money import Money
from kiosk.payment.hold import LedgerHold, Unrecorded
from kiosk.payment.journal import PaymentJournal
from kiosk.payment.plan import PaymentPlan
from kiosk.payment.runner import Runner
from kiosk.payment.selection import Selection
from kiosk.payment.states import Event, State
from kiosk.payment.tally import Tally


class BonRedeemer(Protocol):
    def redeem_into_session(self, payload: str, session_id: str) -> Money:
        """Verify and redeem a bon exactly once and record it as a tender of the session, in one
        transaction. Raises an error with a citizen-readable message; changes nothing then."""
        ...

    def look_up(self, payload: str) -> Any:
        """The bon in any state (``kiosk.bons.BonLookup``) for staff who scanned it; reads only.
        A forged or unknown one raises ``BonError``."""
        ...


@dataclass
class Devices:
    acceptors: list[CashAcceptor] = field(default_factory=list)
    terminal: CardTerminal | None = None

    def healthy_acceptors(self) -> list[CashAcceptor]:
        return [a for a in self.acceptors if a.health is not Health.DOWN]

    @property
    def card_ok(self) -> bool:
        return self.terminal is not None and self.terminal.health is not Health.DOWN

    def payment_methods(self) -> list[str]:
        """The device-backed methods that work now (``kiosk.service`` decides with them)."""
        return (["card"] if self.card_ok else []) + (["cash"] if self.healthy_acceptors() else [])


class SessionParts(Protocol):
    # what it works with
    fbs: FbsPort
    ledger: Ledger
    journal: PaymentJournal
    devices: Devices
    bons: BonRedeemer | None
    clock: Clock
    cash: CashSection
    claims_config: ClaimsSection
    runner: Runner
    hold: LedgerHold
    on_settled: Callable[[str], None] | None
    # who is paying for what
    state: State
    session_id: str | None
    identifier: str | None
    cpr: Cpr | None
    patron: Patron | None
    claims: list[Claim]
    selection: Selection | None
    plan: PaymentPlan | None
    tenders: list[tuple[str, Money]]
    method: str
    pin_attempts: int
    registrations: dict[str, str]
    generation: int
    ended_in_ledger: bool
    # what the screen says
    message: str
    card_prompt: str
    credit_bon: Any
    staff_door: Any  # kiosk.payment.staff_door.StaffDoor

    @property
    def total(self) -> Money: ...
    @property
    def tally(self) -> Tally: ...
    @property
    def received(self) -> Money: ...
    @property
    def due(self) -> Money: ...
    @property
    def fault_from(self) -> State | None: ...

    def add_tender(self, kind: str, amount: Money) -> None: ...
    def redeem_bon(self, payload: str) -> None: ...
    def _fire(self, event: Event, *, written: bool = False) -> None: ...
    def _notify(self) -> None: ...
    def _require(self, state: State) -> None: ...
    def _try_write(self, held: Unrecorded) -> bool: ...
    def _ledger_failed(self, error: BaseException, held: Unrecorded | None = None) -> None: ...
    def _begin_tender(self, method: str) -> bool: ...
    def _stop_cash(self) -> None: ...
    def _complete(self) -> None: ...
    def _settle(self) -> None: ...
    def _cancel_with_money(self, event: Event) -> None: ...
    def _end(self, ended: State, reason: str) -> None: ...
    def _forget_personal_data(self) -> None: ...
    def _staff_card(self, value: str) -> bool: ...
    def _leave_staff(self, why: str) -> None: ...
