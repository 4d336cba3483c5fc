"""Receipt and bon layouts: domain data in, a printer-neutral :class:`Document` out (pure).

The core calls :func:`render_receipt` / :func:`render_bon` (and :func:`render_fault_slip` when
the ledger cannot take the money, :func:`render_emptying_slip` when a cash box is emptied) and
hands the document to the printer; when the printer refuses, the UI shows :func:`as_text` of
the same document and the document is kept for a reprint. A CPR number never reaches a receipt
or bon: the inputs carry none, and every free-text field (claim reasons, the terminal's receipt
text, issuer, bon reason, who emptied a cash box) is scrubbed of anything CPR-shaped; card
numbers in the terminal's text are masked to the last four digits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from drivers.base.printer import (
    Align,
    Blank,
    Block,
    Columns,
    Document,
    PrintOutcome,
    PrintResult,
    QrCode,
    ReceiptPrinter,
    Rule,
    Text,
    render_text,
)
from kiosk.cashbox import ROLE_WORDS, Emptying
from kiosk.clock import local
from kiosk.cpr import scrub
from kiosk.domain import Claim, ClaimKind, PayableIn
from kiosk.money import Money, total

REGISTERED_TEXT = {
    PayableIn.FBS: "Betalt i FBS",
    PayableIn.DEBTOR: "Sendt til kommunens debitorsystem",
}
#: An FBS claim whose registration the outbox has not confirmed (yet): the money is paid here
#: either way, and the receipt must not claim more than is known.
FBS_STATE_TEXT = {
    "registered": REGISTERED_TEXT[PayableIn.FBS],
    "pending": "Betalt her – registreres i FBS",
    "follow_up": "Betalt her – biblioteket registrerer betalingen i FBS",
}
METHOD_TEXT = {
    "card": "Betalingskort",
    "cash": "Kontant",
    "bon": "Bon",
    "mixed": "Flere betalingsmåder",
}
_KIND_TEXT = {
    ClaimKind.FEE: "Gebyr",
    ClaimKind.COMPENSATION: "Erstatning",
    ClaimKind.OTHER: "Mellemværende",
}
#: under the title of a receipt printed again (its time is still the payment's)
COPY_TEXT = "KOPI - udskrevet igen af personalet"
#: 12–19 digits, optionally grouped by spaces or dashes: a card number (PAN).
_PAN = re.compile(r"(?<![\d*])\d(?:[ -]?\d){11,18}(?![\d])")


class ReceiptError(ValueError):
    """The data cannot make a truthful receipt or bon."""


def mask_card_numbers(text: str) -> str:
    """Every card-number-shaped digit run becomes ``************1234``."""

    def _mask(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return "*" * (len(digits) - 4) + digits[-4:]

    return _PAN.sub(_mask, text)


def _clean(text: str) -> str:
    return scrub(mask_card_numbers(text))


def danish_datetime(moment: datetime) -> str:
    """Danish wall-clock time: the ledger's UTC times are converted, naive ones taken as is."""
    return local(moment).strftime("%d.%m.%Y kl. %H.%M")


def danish_date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


@dataclass(frozen=True, slots=True)
class PaidClaim:
    """One claim as the receipt shows it."""

    reason: str
    amount: Money
    payable_in: PayableIn
    fbs_state: str = "registered"  # FBS claims: registered, pending or follow_up (outbox)

    @classmethod
    def from_claim(cls, claim: Claim, fbs_state: str = "registered") -> PaidClaim:
        reason = claim.reason or _KIND_TEXT[claim.kind]
        titles = [m.title for m in claim.materials if m.title]
        if titles:
            reason = f"{reason}: {', '.join(titles)}"
        return cls(reason, claim.amount, claim.payable_in, fbs_state)

    @property
    def registered_text(self) -> str:
        if self.payable_in is PayableIn.FBS:
            try:
                return FBS_STATE_TEXT[self.fbs_state]
            except KeyError:
                raise ReceiptError(f"unknown FBS registration state {self.fbs_state!r}") from None
        try:
            return REGISTERED_TEXT[self.payable_in]
        except KeyError:
            raise ReceiptError("a claim not payable here cannot be on a receipt") from None


@dataclass(frozen=True, slots=True)
class ReceiptData:
    library_name: str
    automat_id: str
    paid_at: datetime
    claims: Sequence[PaidClaim]
    method: str  # card, cash, bon or mixed
    transaction_ref: str
    terminal_receipt_text: str = ""
    credit_bon_ref: str = ""
    cash_rounding: Money = Money(0)  # paid beyond (+) or below (-) the claims by cash rounding
    #: a copy printed later by staff (``ReceiptService.reprint``): says so under the title
    copy: bool = False


@dataclass(frozen=True, slots=True)
class BonData:
    amount: Money
    short_code: str
    qr_payload: str  # opaque: made and verified by the bons module
    issued_at: datetime
    expires: date | datetime
    issuer: str
    reason: str
    library_name: str = ""


def _head(library_name: str, automat_id: str, at: datetime, title: str) -> list[Block]:
    """The top of a slip from the automat: who, where, when (Danish time) and what it is."""
    return [
        Text(library_name, Align.CENTER, bold=True, large=True),
        Text(f"Betalingsautomat {automat_id}", Align.CENTER),
        Text(danish_datetime(at), Align.CENTER),
        Blank(),
        Text(title, Align.CENTER, bold=True),
        Rule(),
    ]


def render_receipt(data: ReceiptData) -> Document:
    if not data.claims:
        raise ReceiptError("a receipt needs at least one paid claim")
    if not data.transaction_ref:
        raise ReceiptError("a receipt needs the transaction reference")
    blocks: list[Block] = [
        *_head(data.library_name, data.automat_id, data.paid_at, "KVITTERING"),
    ]
    if data.copy:
        blocks += [Text(COPY_TEXT, Align.CENTER, bold=True), Rule()]
    for claim in data.claims:
        where = claim.registered_text
        blocks.append(Columns(_clean(claim.reason), str(claim.amount)))
        blocks.append(Text(f"  {where}"))
    blocks.append(Rule())
    paid = total([c.amount for c in data.claims])
    if data.cash_rounding:
        blocks.append(Columns("Øreafrunding", str(data.cash_rounding)))
        paid = paid + data.cash_rounding
    blocks.append(Columns("I alt betalt", str(paid), bold=True))
    blocks.append(Text(f"Betalt med: {METHOD_TEXT.get(data.method, data.method)}"))
    if data.terminal_receipt_text.strip():
        blocks += [Blank(), Text(_clean(data.terminal_receipt_text.strip()))]
    if data.credit_bon_ref:
        blocks += [Blank(), Text(f"Tilgodebevis (bon): {data.credit_bon_ref}", bold=True)]
    blocks += [
        Blank(),
        Text(f"Reference: {data.transaction_ref}", Align.CENTER),
        QrCode(data.transaction_ref),
        Text("Gem kvitteringen som dokumentation.", Align.CENTER),
    ]
    return Document("receipt", tuple(blocks))


def render_bon(data: BonData) -> Document:
    if data.amount.ore <= 0:
        raise ReceiptError("a bon must be worth a positive amount")
    if not data.qr_payload or not data.short_code:
        raise ReceiptError("a bon needs its code and QR payload")
    expires = data.expires.date() if isinstance(data.expires, datetime) else data.expires
    blocks: list[Block] = []
    if data.library_name:
        blocks.append(Text(data.library_name, Align.CENTER, bold=True))
    blocks += [
        Text("BON", Align.CENTER, bold=True, large=True),
        Text(str(data.amount), Align.CENTER, bold=True, large=True),
        Rule(),
        Text(f"Kode: {data.short_code}", Align.CENTER, bold=True, large=True),
        QrCode(data.qr_payload),
        Columns("Udstedt", danish_datetime(data.issued_at)),
        Columns("Gyldig til og med", danish_date(expires)),
        Columns("Udstedt af", _clean(data.issuer)),
        Text(f"Årsag: {_clean(data.reason)}"),
        Rule(),
        Text("Bonen kan bruges som betaling i bibliotekets betalingsautomat.", Align.CENTER),
    ]
    return Document("bon", tuple(blocks))


@dataclass(frozen=True, slots=True)
class FaultSlipData:
    """The paper record of money the ledger could not take (the session is in LEDGER_FAULT).

    ``received`` is everything the citizen put in this session, ``unrecorded`` the part only
    held in memory (lost from the automat's own records if it crashes now: the slip is then
    the only proof). ``card_receipts`` are the unrecorded card approvals' terminal texts.
    """

    library_name: str
    automat_id: str
    fault_at: datetime
    reference: str
    received: Money
    unrecorded: Money = Money(0)
    card_receipts: Sequence[str] = ()


FAULT_SLIP_TITLE = "Automaten kunne ikke gemme betalingen"
FAULT_SLIP_HANDOVER = "Tag denne seddel med til personalet"


def render_fault_slip(data: FaultSlipData) -> Document:
    if data.received.ore <= 0:
        raise ReceiptError("a fault slip is proof of money received: there is none")
    if not 0 <= data.unrecorded.ore <= data.received.ore:
        raise ReceiptError("the unrecorded amount must be between nothing and all received")
    if not data.reference:
        raise ReceiptError("a fault slip needs the session or transaction reference")
    blocks: list[Block] = [
        *_head(data.library_name, data.automat_id, data.fault_at, FAULT_SLIP_TITLE.upper()),
        Columns("Indbetalt", str(data.received), bold=True),
    ]
    if data.unrecorded:
        blocks.append(Columns("Heraf ikke gemt", str(data.unrecorded)))
    blocks.append(Text("Beløbet er noteret. Personalet sørger for, at det bliver registreret."))
    for text in data.card_receipts:
        if text.strip():
            blocks += [Blank(), Text(_clean(text.strip()))]
    blocks += [
        Rule(),
        Text(f"Reference: {data.reference}", Align.CENTER),
        QrCode(data.reference),
        Text(FAULT_SLIP_HANDOVER, Align.CENTER, bold=True),
    ]
    return Document("fault_slip", tuple(blocks))


EMPTYING_SLIP_TITLE = "Tømning af kasseboks"


def _signed(amount: Money) -> str:
    return f"+{amount}" if amount.ore > 0 else str(amount)


def render_emptying_slip(emptying: Emptying, library_name: str) -> Document:
    """The paper record of a cash-box emptying, kept with the cash: per denomination the pieces
    the ledger expected and the person counted, the totals and the difference (counted −
    expected), who emptied it and when (Danish time), and a line to sign."""
    role = ROLE_WORDS.get(emptying.role, emptying.role)
    blocks: list[Block] = [
        *_head(library_name, emptying.automat_id, emptying.emptied_at, EMPTYING_SLIP_TITLE.upper()),
        Columns("Kasseboks", emptying.box_name),
        Columns("Tømt af", f"{_clean(emptying.emptied_by)} ({role})"),
        Rule(),
        Columns("Værdi", "Forventet / optalt (stk.)"),
    ]
    for line in emptying.lines:
        blocks.append(Columns(str(Money(line.denomination)), f"{line.expected} / {line.counted}"))
        if line.difference:
            blocks.append(Columns("  Forskel", _signed(line.difference)))
    if not emptying.lines:
        blocks.append(Text("Kasseboksen var tom."))
    blocks += [
        Rule(),
        Columns("Forventet i alt", str(emptying.expected_total)),
        Columns("Optalt i alt", str(emptying.counted_total)),
        Columns("Forskel i alt", _signed(emptying.difference), bold=True),
        Blank(),
        Text(f"Tømning nr. {emptying.id}", Align.CENTER),
        Blank(),
        Text("Underskrift: ______________________"),
    ]
    return Document("emptying_slip", tuple(blocks))


def render_test_page(library_name: str, automat_id: str, at: datetime) -> Document:
    """Technician mode's printer test: the slip's head, every Danish letter, a full-width rule,
    columns and a QR code, so one look shows the code page, the width and the QR work."""
    return Document("test_page", (
        *_head(library_name, automat_id, at, "TESTSIDE"),
        Text("Æ Ø Å æ ø å é ü ½"),
        Columns("Venstre", "Højre"),
        Rule(),
        QrCode(f"TEST {automat_id}"),
        Text("Printeren virker, hvis alt ovenfor kan læses.", Align.CENTER),
    ))


def render_report(title: str, lines: Sequence[str], library_name: str = "") -> Document:
    """A report for staff (the Z-report) on the receipt printer: its lines as they are (they are
    laid out for the slip's 42 columns), under a title."""
    if not lines:
        raise ReceiptError("a report needs at least one line")
    blocks: list[Block] = []
    if library_name:
        blocks.append(Text(library_name, Align.CENTER, bold=True))
    blocks += [Text(title, Align.CENTER, bold=True, large=True), Rule()]
    blocks += [Text(_clean(line)) if line.strip() else Blank() for line in lines]
    blocks.append(Rule())
    return Document("report", tuple(blocks))


def as_text(document: Document, width: int = 42) -> str:
    """Plain text of a receipt or bon for the screen (when the printer cannot print)."""
    return render_text(document, width)


@dataclass(frozen=True, slots=True)
class Issued:
    """A receipt or bon handed to the printer; when it was not printed, show ``text`` instead."""

    document: Document
    result: PrintResult
    text: str

    @property
    def printed(self) -> bool:
        return self.result.printed


class ReceiptDesk:
    """Prints documents and keeps the last one, so a refused print can be shown and reprinted.

    ``issue`` blocks on the printer: call it from a worker thread, never the GUI thread.
    """

    def __init__(self, printer: ReceiptPrinter | None, screen_width: int = 42) -> None:
        self.printer = printer
        self.screen_width = screen_width
        self.last: Issued | None = None

    def issue(self, document: Document) -> Issued:
        if self.printer is None:
            result = PrintResult(PrintOutcome.FAILED, "no receipt printer")
        else:
            result = self.printer.print_document(document)
        self.last = Issued(document, result, as_text(document, self.screen_width))
        return self.last

    def reprint(self) -> Issued | None:
        """Print the last document again (e.g. after the paper was refilled)."""
        return self.issue(self.last.document) if self.last is not None else None
