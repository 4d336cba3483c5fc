"""What a Z-report holds (its text for staff is :mod:`kiosk.reports.text`).

One :class:`ZReport` is the figures of one scope (an automat, or every automat of a fleet) over
one period; :mod:`kiosk.reports.compute` fills it from the ledger, the text here and the finance
files (:mod:`kiosk.reports.entries`) only lay it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from kiosk.cashbox import Emptying
from kiosk.followup import FollowUpItem
from kiosk.money import Money
from kiosk.reports.period import Period
from kiosk.reports.words import OUTCOMES


@dataclass(frozen=True, slots=True)
class Count:
    count: int = 0
    amount: Money = Money(0)

    def __add__(self, other: Count) -> Count:
        return Count(self.count + other.count, self.amount + other.amount)


@dataclass(frozen=True, slots=True)
class FollowUp:
    """An FBS registration FBS refused: staff register it by hand and note it here. No patron
    id (it may be a CPR): the patron by name and masked id (kiosk.patron_ids), and the session's
    reference, which finds the receipt and the claims."""

    order_id: str
    transaction_ref: str
    patron: str
    fee_ids: tuple[str, ...]
    amount: Money
    reason: str
    refused_since: datetime  # when the payment was made (the registration was written)
    age_days: int  # whole days from then to when the report was made


@dataclass(frozen=True, slots=True)
class FeeRegistered:
    """One fee of an FBS registration, with FBS's confirmation id once FBS confirmed it (REST
    ``confirmationId``; SIP2: the ``BK`` transaction id FBS echoed in its ``38``)."""

    fee_id: str
    amount: Money
    confirmation_id: str


@dataclass(frozen=True, slots=True)
class FbsRegistration:
    order_id: str
    transaction_ref: str
    state: str  # done, refused, pending
    amount: Money
    created_at: datetime
    done_at: datetime | None
    fees: tuple[FeeRegistered, ...]


@dataclass(frozen=True, slots=True)
class DebtorLine:
    """A payment for the debtor system and the file it went into (no CPR)."""

    transaction_ref: str
    claim_ref: str
    claim_type: str
    amount: Money
    state: str  # exported, pending
    paid_at: datetime
    batch_sequence: int | None
    file_name: str


@dataclass(frozen=True, slots=True)
class DebtorFile:
    automat_id: str
    sequence: int
    file_name: str
    state: str  # writing, written, delivered
    items: Count
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class CardPayment:
    at: datetime
    transaction_ref: str
    terminal_ref: str
    amount: Money


@dataclass(frozen=True, slots=True)
class Recovered:
    """A session finished by recovery after a restart, or money credited outside a payment: the
    citizen may have left without a receipt or without the slip of the credit bon made for them;
    staff look them up here."""

    session_id: str
    transaction_ref: str
    started_at: datetime
    outcome: str  # the end reason: settled / credited / no money
    credit_bons: tuple[tuple[str, Money], ...]  # (short code, amount)


@dataclass
class ZReport:
    """The figures of one scope over one period. ``automat_id`` names the scope: an automat's
    id, or ``FLEET`` for the totals of every automat."""

    automat_id: str
    period: Period
    automat_ids: tuple[str, ...] = ()
    made_at: datetime | None = None
    #: whether the lists of every card payment, FBS registration and debtor item and file, and
    #: the follow-up list, were read (False: the figures only, as the console's page shows them)
    details: bool = True
    sessions: dict[str, int] = field(default_factory=dict)  # end state → count
    tenders: dict[str, Count] = field(default_factory=dict)  # coin, note, card, bon
    #: (device, coin/note, denomination øre) → pieces
    cash_by_device: dict[tuple[str, str, int], int] = field(default_factory=dict)
    card_payments: list[CardPayment] = field(default_factory=list)
    #: fbs, debtor, cash_rounding, technician_test (a technician's test coins and notes)
    settled: dict[str, Money] = field(default_factory=dict)
    #: credit bons made from sessions, by how: automat_credit (overpaid, cancelled, timed out),
    #: remainder (a bon overpaid), money_outside_payment, money_at_restart, restart
    credited: dict[str, Count] = field(default_factory=dict)
    fbs: dict[str, Count] = field(default_factory=dict)  # done, refused, pending
    fbs_registrations: list[FbsRegistration] = field(default_factory=list)
    #: FBS registrations still refused, written before the period ended; the list only with
    #: the report's details (it is the follow-up list: long on a fleet)
    follow_up_total: Count = Count()
    follow_up: list[FollowUp] = field(default_factory=list)
    debtor: dict[str, Count] = field(default_factory=dict)  # exported, pending
    debtor_items: list[DebtorLine] = field(default_factory=list)
    debtor_files: list[DebtorFile] = field(default_factory=list)
    bons_issued_at_desk: Count = Count()
    bons_redeemed: Count = Count()
    bons_voided: Count = Count()
    bons_outstanding: Count = Count()  # fleet-wide at the end of the period
    bons_expired: Count = Count()  # fleet-wide: ran out unused during the period
    emptyings: list[Emptying] = field(default_factory=list)
    follow_ups_closed: list[FollowUpItem] = field(default_factory=list)  # closed in the period
    unbalanced_sessions: list[str] = field(default_factory=list)
    recovered: list[Recovered] = field(default_factory=list)
    #: what a cash device took that nobody can value now (buffer overflow, reset): (time, text)
    device_losses: list[tuple[datetime, str]] = field(default_factory=list)

    @property
    def day(self) -> date:
        return self.period.first

    @property
    def received(self) -> Money:
        return sum((c.amount for c in self.tenders.values()), Money(0))

    @property
    def cash(self) -> dict[tuple[str, int], int]:
        """Pieces by (coin/note, denomination), over every device."""
        out: dict[tuple[str, int], int] = {}
        for (_, kind, ore), pieces in self.cash_by_device.items():
            out[(kind, ore)] = out.get((kind, ore), 0) + pieces
        return out

    @property
    def cash_total(self) -> Money:
        return Money(sum(ore * n for (_, _, ore), n in self.cash_by_device.items()))

    @property
    def settled_total(self) -> Money:
        return sum(self.settled.values(), Money(0))

    @property
    def credited_total(self) -> Count:
        return sum(self.credited.values(), Count())


#: the scope name of a fleet's totals
FLEET = "alle"

#: end reasons of sessions that paid nothing but hold a credit bon
STRAY_REASONS = tuple(OUTCOMES)


@dataclass(frozen=True, slots=True)
class FleetReport:
    """Every automat of the database over one period: each automat's report, and the totals
    computed over all of them at once (so fleet-wide figures such as outstanding bons are
    counted once, not added up)."""

    period: Period
    automats: tuple[ZReport, ...]
    total: ZReport

    @property
    def unbalanced_sessions(self) -> list[str]:
        return self.total.unbalanced_sessions
