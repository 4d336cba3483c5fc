"""In-memory stand-ins for the payment session's collaborators, and :func:`session_rig`, the one
way tests build a :class:`PaymentSession` over a real ledger with them. (Integration tests of
FBS and the devices use the FBS simulator and the device emulators; tests of the composed
automat use ``kiosk.app.build_core`` with a :class:`FakeFbs`.)"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Engine, insert, select

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
from drivers.base.printer import (
    Document,
    PaperStatus,
    PrintOutcome,
    PrintResult,
    ReceiptPrinter,
)
from kiosk.bons import BonBook, BonSigner
from kiosk.clock import Clock, FakeClock
from kiosk.config.model import CashSection, ClaimsSection
from kiosk.domain import BlockKind, BlockReason, Claim, ClaimKind, Patron, PayableIn
from kiosk.fbs.port import (
    FbsError,
    FbsErrorReason,
    FbsHealth,
    FbsPort,
    FeeRegistration,
    RegistrationStatus,
)
from kiosk.ledger.audit import run_audit
from kiosk.ledger.models import Bon, Tender
from kiosk.ledger.repository import Ledger
from kiosk.money import Money
from kiosk.patron_ids import PatronIds
from kiosk.payment.journal import PaymentJournal
from kiosk.payment.outbox import FbsOutbox
from kiosk.payment.parts import Devices
from kiosk.payment.runner import Runner
from kiosk.payment.session import PaymentSession
from kiosk.payment.view import SessionView
from kiosk.receipts import ReceiptDesk, as_text
from kiosk.runtime import ReceiptService

CPR = "010190-1234"
LIBRARY_CARD = "3210519784"  # a library card: the same claims, no CPR (no debtor claims)
AUTOMAT = "test-01"
LIBRARY = "Testbiblioteket"
BON_SIGNING_KEY = "test-bon-signing-key"


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


class ManualRunner:
    """Holds slow work until the test runs it, so in-between states can be observed."""

    def __init__(self) -> None:
        self.queue: list[tuple[Callable[[], Any], Callable[[Any, BaseException | None], None]]] = []

    def submit(
        self, work: Callable[[], Any], done: Callable[[Any, BaseException | None], None]
    ) -> None:
        self.queue.append((work, done))

    def run_all(self) -> None:
        while self.queue:
            work, done = self.queue.pop(0)
            try:
                result = work()
            except Exception as exc:
                done(None, exc)
            else:
                done(result, None)


class Retries:
    """The session's retry schedule for a failing ledger, run by the test (``run``) instead of
    on a timer."""

    def __init__(self) -> None:
        self.due: list[Callable[[], None]] = []

    def __call__(self, _delay_s: float, call: Callable[[], None]) -> None:
        self.due.append(call)

    def run(self) -> None:
        due, self.due = self.due, []
        for call in due:
            call()


class FakePrinter(ReceiptPrinter):
    """A receipt printer in memory: prints, or with ``paper_out`` refuses as a real one does
    (nothing comes out). ``documents`` is every document it was handed, ``slips`` those that
    came out on paper."""

    def __init__(self, paper_out: bool = False) -> None:
        self.name = "printer"
        self.paper_out = paper_out
        self.documents: list[Document] = []
        self.slips: list[Document] = []

    def start(self, listener: Listener) -> None: ...

    def stop(self) -> None: ...

    def paper_status(self) -> PaperStatus:
        return PaperStatus.OUT if self.paper_out else PaperStatus.OK

    def print_document(self, document: Document) -> PrintResult:
        self.documents.append(document)
        if self.paper_out:
            return PrintResult(PrintOutcome.PAPER_OUT, "paper out")
        self.slips.append(document)
        return PrintResult(PrintOutcome.PRINTED)

    @property
    def health(self) -> Health:
        return Health.DEGRADED if self.paper_out else Health.OK

    def texts(self, kind: str) -> list[str]:
        """The documents of ``kind`` (``receipt``, ``bon``, ``fault_slip``) it was handed, as
        the screen would show them."""
        return [as_text(d) for d in self.documents if d.kind == kind]


def citizens_fbs() -> FakeFbs:
    """FBS knowing one debt-blocked citizen by CPR (as read, and as typed: ten digits) and by
    library card (no CPR), each with :func:`mixed_claims`."""
    fbs = FakeFbs()
    fbs.add(CPR, "1234", debt_blocked_patron(), mixed_claims())
    fbs.add(CPR.replace("-", ""), "1234", debt_blocked_patron(), mixed_claims())
    fbs.add(LIBRARY_CARD, "0000", debt_blocked_patron(cpr=False), mixed_claims())
    return fbs


#: ``session_rig(bons=...)``: a bon book signed with a test key on the rig's clock (as the automat
#: has), or plain bon rows the session cannot redeem (``TestBonIssuer``)
BonsChoice = BonBook | Literal["book", "plain"]


@dataclass
class SessionRig:
    """A citizen session over a real ledger and journal, with in-memory FBS, card terminal, coin
    and note acceptors (and printer, if asked for): the session and everything a test looks at."""

    engine: Engine
    session: PaymentSession
    clock: Any  # a FakeClock unless the test gave another clock
    fbs: Any  # a FakeFbs unless the test gave another FBS port
    ledger: Ledger
    journal: PaymentJournal
    book: BonBook | None  # None: credit bons are plain rows and bons cannot be redeemed
    outbox: FbsOutbox
    coins: FakeAcceptor
    notes: FakeAcceptor
    terminal: Any  # a FakeTerminal unless the test gave another terminal
    retries: Retries  # the ledger's retries: due when the session asks, run when the test says
    receipts: ReceiptService | None = None  # with a printer: the core's receipt service
    printer: Any = None  # the FakePrinter (or the driver) the receipt service prints on
    views: list[SessionView] = field(default_factory=list)  # every view the session notified

    def login(self, identifier: str = CPR, pin: str = "1234") -> None:
        self.session.start()
        self.session.identify(identifier)
        self.session.enter_pin(pin)

    def rows(self, model: type) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(model)).all())

    def audit_clean(self) -> bool:
        report = run_audit(self.engine)
        return report.clean and not report.open_sessions


def session_rig(
    engine: Engine,
    *,
    automat: str = AUTOMAT,
    clock: Clock | None = None,
    fbs: FbsPort | None = None,
    terminal: CardTerminal | None = None,
    bons: BonsChoice = "book",
    cash: CashSection | None = None,
    claims: ClaimsSection | None = None,
    runner: Runner | None = None,
    on_settled: Callable[[str], None] | None = None,
    printer: ReceiptPrinter | None = None,
    library_name: str = LIBRARY,
    staff: Any = None,
) -> SessionRig:
    """A :class:`PaymentSession` built as ``Core.new_session`` builds it, on ``engine``'s ledger.

    Defaults: a :class:`FakeClock`, :func:`citizens_fbs`, a :class:`FakeTerminal`, a signed bon
    book, the default cash rules, claims before 2020-09-01 payable in FBS, work run inline. A
    failing ledger is retried when the test runs ``rig.retries``, never on a timer. The coin and
    note acceptors deliver their events straight to the session (a UI test points them at its
    bridge). With ``printer`` the core's :class:`ReceiptService` is attached: FBS at once after
    settlement, then the receipt and any credit bon on that printer. ``staff``: the staff
    accounts (a ``StaffBook``) the attract screen's staff login asks."""
    clock = clock or FakeClock()
    retries = Retries()
    fbs = fbs or citizens_fbs()
    terminal = terminal or FakeTerminal()
    claims = claims or ClaimsSection(cut_off_date="2020-09-01")
    if bons == "book":
        book: BonBook | None = BonBook(engine, BonSigner(BON_SIGNING_KEY), clock, automat)
    elif bons == "plain":
        book = None
    else:
        book = bons
    ledger = Ledger(engine, automat, clock)
    journal = PaymentJournal(
        engine, automat, clock, book or TestBonIssuer(), claims.debtor_claim_types,
        patron_ids=PatronIds.from_secret(BON_SIGNING_KEY),
    )
    session = PaymentSession(
        fbs=fbs,
        ledger=ledger,
        journal=journal,
        devices=Devices(acceptors=[], terminal=terminal),
        bons=book,
        clock=clock,
        cash=cash or CashSection(),
        claims_config=claims,
        runner=runner,
        on_settled=on_settled,
        schedule=retries,
        staff=staff,
    )
    coins = FakeAcceptor("coins", "coin", session.on_device_event)
    notes = FakeAcceptor("notes", "note", session.on_device_event)
    session.devices.acceptors = [coins, notes]
    outbox = FbsOutbox(engine, fbs, clock, automat_id=automat)
    rig = SessionRig(
        engine, session, clock, fbs, ledger, journal, book, outbox, coins, notes, terminal, retries
    )
    if printer is not None:
        rig.printer = printer
        rig.receipts = ReceiptService(
            engine,
            ReceiptDesk(printer),
            outbox,
            library_name=library_name,
            automat_id=automat,
            now=clock.now,
        )
        rig.receipts.attach(session)
    session.listeners.append(rig.views.append)
    return rig


def add_staff(config_file: Path, staff_no: str, pin: str, roles: str) -> None:
    """A staff account in the ledger of ``config_file``, as an administrator would add it."""
    from kiosk.app import open_database
    from kiosk.clock import SystemClock
    from kiosk.config import load_config
    from kiosk.staff.accounts import staff_book_for
    from kiosk.staff.rules import Actor

    config = load_config(config_file)
    engine = open_database(config)
    try:
        book = staff_book_for(config, engine, SystemClock())
        book.add(staff_no, f"Medarbejder {staff_no}", roles, pin, by=Actor("test", "system"))
    finally:
        engine.dispose()


def bons_and_tenders(engine: Engine) -> tuple[list[tuple], list[tuple]]:
    """Every bon and tender row, in id order: what a refusal must leave as it was."""
    with engine.connect() as conn:
        bons = [tuple(r) for r in conn.execute(select(Bon).order_by(Bon.id))]
        tenders = [tuple(r) for r in conn.execute(select(Tender).order_by(Tender.id))]
    return bons, tenders
