"""What staff mode does, for a logged-in :class:`StaffUser`: issue a bon, list and void bons,
find a citizen's session and print its receipt again, the Z-report, the FBS follow-up list
(:mod:`kiosk.followup`) and the cash-box emptying (:mod:`kiosk.cashbox`).

Each call checks the user's permission (:mod:`kiosk.staff.roles`) first and writes the audit log
with the staff number and the role that allowed it; a refusal changes nothing. The work itself
is done where it already lives: bons by :class:`kiosk.bons.BonBook` (its ``[bons] max_amount``
included), receipts by the :class:`kiosk.runtime.ReceiptService` that prints every receipt.
Calls block on the database and the printer: run them on a worker, never the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import Engine, func, select

from drivers.base.printer import Document
from kiosk.bons import BonBook, BonTicket, normalise_short_code
from kiosk.cashbox import BOX_WORDS, CashBoxes, Emptying
from kiosk.clock import Clock, local
from kiosk.cpr import scrub
from kiosk.followup import FollowUpItem, FollowUps
from kiosk.ledger.models import Allocation, AuditEntry, Bon, CitizenSession, Tender
from kiosk.ledger.repository import Ledger
from kiosk.money import Money
from kiosk.payment.tally import method_label
from kiosk.receipt_copy import receipt_copy
from kiosk.receipts import (
    Issued,
    danish_date,
    render_bon,
    render_emptying_slip,
    render_receipt,
    render_report,
)
from kiosk.reports import ZReport, report_lines, z_report
from kiosk.staff.roles import Permission, StaffUser
from kiosk.staff.rules import NotPermitted

log = logging.getLogger(__name__)


class Reprinter(Protocol):
    """What prints a copy of a session's receipt (``ReceiptService``) and a staff bon."""

    def reprint(self, session_id: str) -> Issued: ...

    def print_bon(self, ticket: Any) -> Issued: ...

    def print_document(self, document: Any) -> Issued: ...


class SessionNotFound(LookupError):
    """No citizen session matches what staff typed; ``str()`` is the Danish sentence."""


@dataclass(frozen=True, slots=True)
class FoundSession:
    """A citizen's session as staff see it before printing its receipt again (no CPR)."""

    session_id: str
    transaction_ref: str
    automat_id: str
    state: str
    started_at: datetime
    ended_at: datetime | None
    received: Money
    paid: Money  # allocated to claims (cash rounding included)
    method: str  # card, cash, bon, mixed ("" if nothing was received)

    @property
    def has_receipt(self) -> bool:
        return bool(self.transaction_ref) and self.paid.ore > 0


@dataclass(frozen=True, slots=True)
class IssuedBon:
    ticket: BonTicket
    slip: Issued | None  # the printer's answer (None: no printer given)


@dataclass(frozen=True, slots=True)
class BoxToCount:
    """A cash box as the emptying form shows it: what the ledger expects in it now (øre →
    pieces) and every denomination a person may count in it (øre, smallest first)."""

    device: str
    kind: str  # coin, note or ""
    expected: Mapping[int, int]
    denominations: tuple[int, ...]

    @property
    def name(self) -> str:
        return f"{BOX_WORDS[self.kind]} ({self.device})" if self.kind else self.device


@dataclass(frozen=True, slots=True)
class EmptiedBox:
    emptying: Emptying
    slip: Issued | None  # the emptying slip's printer answer (None: not printed at all)


class StaffDesk:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        automat_id: str,
        bons: BonBook,
        printer: Reprinter | None = None,
        *,
        follow_ups: FollowUps | None = None,
        cash_boxes: CashBoxes | None = None,
        library_name: str = "",
    ) -> None:
        self.engine = engine
        self.bons = bons
        self.printer = printer
        self.follow_ups = follow_ups or FollowUps(engine, automat_id, clock)
        self.cash_boxes = cash_boxes
        self.library_name = library_name
        #: technician mode's calls (kiosk.staff.technician.TechnicianDesk), once built
        self.technician: Any = None
        self.clock = clock
        self.automat_id = automat_id
        self.ledger = Ledger(engine, automat_id, clock)

    def _allowed(self, user: StaffUser, permission: Permission) -> str:
        """The role that lets ``user`` do it, or :class:`NotPermitted` (audited)."""
        role = user.role_for(permission)
        if role is None:
            self.ledger.audit(user.staff_no, user.main_role.value, "staff_not_permitted",
                              permission=permission.value)
            raise NotPermitted(user, permission)
        return role.value

    # -- bons -----------------------------------------------------------------------------------
    def issue_bon(self, user: StaffUser, amount: Money, note: str = "") -> IssuedBon:
        """A bon for cash taken at the desk, printed if there is a printer. An amount of 0 or
        above ``[bons] max_amount`` is :class:`kiosk.bons.BonAmountRefused`, nothing issued."""
        role = self._allowed(user, Permission.ISSUE_BON)
        ticket = self.bons.issue(amount, user.staff_no, "desk_cash", role=role, note=note.strip())
        slip = self.printer.print_bon(ticket) if self.printer is not None else None
        return IssuedBon(ticket, slip)

    def outstanding_bons(self, user: StaffUser) -> list[BonTicket]:
        self._allowed(user, Permission.VOID_BON)
        return self.bons.outstanding()

    def void_bon(self, user: StaffUser, code: str, why: str) -> BonTicket:
        """Void an issued bon by its short code or QR. A bon already redeemed, voided or unknown
        is :class:`kiosk.bons.BonError` (say it with ``kiosk.bon_words.refusal``), nothing
        changed; a reason is required."""
        role = self._allowed(user, Permission.VOID_BON)
        if not why.strip():
            raise ValueError("Skriv hvorfor bonen annulleres.")
        return self.bons.void(code, user.staff_no, why.strip(), role=role)

    def bon_slip(self, user: StaffUser, bon_id: str) -> tuple[BonTicket, Document]:
        """An outstanding bon's slip, to show or print elsewhere (the fleet console's page):
        the printer's own layout (``render_bon``); :class:`kiosk.bons.BonError` if the bon can
        no longer pay. Audited: the slip is as good as cash."""
        role = self._allowed(user, Permission.ISSUE_BON)
        ticket = self.bons.outstanding_ticket(bon_id)
        self.ledger.audit(user.staff_no, role, "bon_slip_shown", bon_id=ticket.id)
        return ticket, render_bon(ticket.print_data(self.library_name))

    def issue_notes(self, user: StaffUser, tickets: Sequence[BonTicket]) -> dict[str, str]:
        """Why each bon was issued, as staff typed it (kept in its ``bon_issued`` audit entry,
        written with the bon), CPR-shaped numbers scrubbed; bon id → note."""
        self._allowed(user, Permission.VOID_BON)
        wanted = {t.id for t in tickets}
        if not wanted:
            return {}
        since = min(t.issued_at for t in tickets)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(AuditEntry.details).where(
                    AuditEntry.action == "bon_issued", AuditEntry.at >= since
                )
            ).scalars()
            return {
                d["bon_id"]: scrub(str(d["note"]))
                for d in rows
                if d.get("bon_id") in wanted and d.get("note")
            }

    # -- sessions and receipts ------------------------------------------------------------------
    def find_session(self, user: StaffUser, text: str) -> FoundSession:
        """A session by the reference on its receipt (``K…``) or by the code of a bon that paid
        in it or was its credit; :class:`SessionNotFound` otherwise. Audited (it shows what a
        citizen paid)."""
        role = self._allowed(user, Permission.REPRINT)
        found = self._find(text)
        self.ledger.audit(user.staff_no, role, "session_looked_up",
                          transaction_ref=found.transaction_ref, session_id=found.session_id)
        return found

    def receipt_copy(self, user: StaffUser, session_id: str) -> Document:
        """The copy :meth:`reprint_receipt` prints, not printed (to show or print elsewhere);
        :class:`kiosk.receipts.ReceiptError` if the session paid nothing. Audited."""
        role = self._allowed(user, Permission.REPRINT)
        document = render_receipt(receipt_copy(self.engine, session_id, self.library_name))
        self.ledger.audit(user.staff_no, role, "receipt_copy_shown", session_id=session_id)
        return document

    def reprint_receipt(self, user: StaffUser, session_id: str) -> Issued:
        """Print a copy of the session's receipt (marked as a copy); audited."""
        role = self._allowed(user, Permission.REPRINT)
        if self.printer is None:
            raise RuntimeError("no receipt service to print with")
        issued = self.printer.reprint(session_id)
        self.ledger.audit(user.staff_no, role, "receipt_reprinted", session_id=session_id,
                          printed=issued.printed)
        return issued

    # -- the day's Z-report ----------------------------------------------------------------------
    def z_report(self, user: StaffUser, day: date | None = None) -> ZReport:
        """This automat's Z-report for ``day`` (today, Danish time, unless given); audited."""
        role = self._allowed(user, Permission.Z_REPORT)
        day = day or local(self.clock.now()).date()
        report = z_report(self.engine, self.automat_id, day)
        self.ledger.audit(user.staff_no, role, "z_report_viewed", day=day.isoformat())
        return report

    def print_z_report(self, user: StaffUser, report: ZReport) -> Issued:
        """The report's lines on the receipt printer; audited with whether it printed."""
        role = self._allowed(user, Permission.Z_REPORT)
        if self.printer is None:
            raise RuntimeError("no receipt service to print with")
        title = f"Z-RAPPORT {danish_date(report.day)}"
        issued = self.printer.print_document(render_report(title, report_lines(report)))
        self.ledger.audit(user.staff_no, role, "z_report_printed", day=report.day.isoformat(),
                          printed=issued.printed)
        return issued

    # -- the FBS follow-up list --------------------------------------------------------------
    def follow_up_items(self, user: StaffUser) -> list[FollowUpItem]:
        """This automat's follow-up list, open items first (oldest first), then closed ones;
        audited (it names patrons)."""
        role = self._allowed(user, Permission.FOLLOW_UP)
        items = self.follow_ups.items()
        self.ledger.audit(user.staff_no, role, "follow_up_list_viewed", items=len(items))
        return sorted(items, key=lambda i: i.closed)

    def close_follow_up(
        self, user: StaffUser, item_id: int, outcome: str, note: str = ""
    ) -> FollowUpItem:
        """Close an item with what was done (:func:`FollowUps.close`, which audits it); a
        :class:`kiosk.followup.FollowUpError` (its ``reason``) changes nothing."""
        role = self._allowed(user, Permission.FOLLOW_UP)
        return self.follow_ups.close(item_id, outcome, staff=user.staff_no, role=role, note=note)

    # -- cash-box emptying ---------------------------------------------------------------------
    def boxes_to_count(self, user: StaffUser) -> list[BoxToCount]:
        """Every cash box of this automat with its expected contents; audited."""
        role = self._allowed(user, Permission.EMPTY_CASH_BOX)
        boxes = self._cash_boxes()
        shown = [
            BoxToCount(b.device, b.kind, b.pieces, boxes.denominations(b.device))
            for b in boxes.expected()
        ]
        self.ledger.audit(user.staff_no, role, "cash_boxes_viewed",
                          expected_ore={b.device: sum(o * n for o, n in b.expected.items())
                                        for b in shown})
        return shown

    def empty_cash_box(
        self, user: StaffUser, device: str, counted: Mapping[int, int]
    ) -> EmptiedBox:
        """Record the emptying (:meth:`CashBoxes.empty`: one transaction with its audit entry;
        a :class:`kiosk.cashbox.CashBoxError` writes nothing), then print its slip. The emptying
        stands whatever the printer says: a failed print is in the answer, never an error."""
        role = self._allowed(user, Permission.EMPTY_CASH_BOX)
        emptying = self._cash_boxes().empty(device, counted, staff=user.staff_no, role=role)
        slip = None
        if self.printer is not None:
            try:
                slip = self.printer.print_document(
                    render_emptying_slip(emptying, self.library_name)
                )
            except Exception:  # the emptying is recorded: say the slip failed, not the emptying
                log.exception("emptying slip %d not printed", emptying.id)
        self.ledger.audit(user.staff_no, role, "emptying_slip_printed", emptying_id=emptying.id,
                          printed=slip is not None and slip.printed)
        return EmptiedBox(emptying, slip)

    def _cash_boxes(self) -> CashBoxes:
        if self.cash_boxes is None:
            raise RuntimeError("this automat has no cash boxes configured")
        return self.cash_boxes

    def _find(self, text: str) -> FoundSession:
        typed = text.strip().upper()
        with self.engine.connect() as conn:
            session_id = None
            if typed.startswith("K"):
                session_id = conn.scalar(
                    select(CitizenSession.id).where(CitizenSession.transaction_ref == typed)
                )
            code = normalise_short_code(typed) if session_id is None else None
            if code is not None:
                bon = conn.execute(
                    select(Bon.redeemed_session_id, Bon.origin_session_id).where(
                        Bon.short_code == code
                    )
                ).first()
                if bon is not None:
                    session_id = bon.redeemed_session_id or bon.origin_session_id
            if session_id is None:
                raise SessionNotFound(
                    "Ingen betaling passer til referencen eller bonkoden. Tjek det indtastede."
                )
            return _summary(conn, session_id)


def _summary(conn: Any, session_id: str) -> FoundSession:
    row = conn.execute(select(CitizenSession).where(CitizenSession.id == session_id)).one()
    tenders = conn.execute(
        select(Tender.kind, Tender.amount_ore).where(
            Tender.session_id == session_id, Tender.state == "received"
        )
    ).all()
    paid = conn.scalar(
        select(func.coalesce(func.sum(Allocation.amount_ore), 0)).where(
            Allocation.session_id == session_id
        )
    )
    return FoundSession(
        session_id=row.id,
        transaction_ref=row.transaction_ref or "",
        automat_id=row.automat_id,
        state=row.state,
        started_at=row.started_at,
        ended_at=row.ended_at,
        received=Money(sum(int(a) for _, a in tenders)),
        paid=Money(int(paid or 0)),
        method=method_label(k for k, _ in tenders) if tenders else "",
    )
