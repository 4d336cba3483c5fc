"""What staff mode does, for a logged-in :class:`StaffUser`: issue a bon, list and void bons,
find a citizen's session and print its receipt again.

Each call checks the user's permission (:mod:`kiosk.staff.roles`) first and writes the audit log
with the staff number and the role that allowed it; a refusal changes nothing. The work itself
is done where it already lives: bons by :class:`kiosk.bons.BonBook` (its ``[bons] max_amount``
included), receipts by the :class:`kiosk.runtime.ReceiptService` that prints every receipt.
Calls block on the database and the printer: run them on a worker, never the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import Engine, func, select

from kiosk.bons import BonBook, BonTicket, normalise_short_code
from kiosk.clock import Clock, local
from kiosk.ledger.models import Allocation, Bon, CitizenSession, Tender
from kiosk.ledger.repository import Ledger
from kiosk.money import Money
from kiosk.payment.tally import method_label
from kiosk.receipts import Issued, danish_date, render_report
from kiosk.reports import ZReport, z_report
from kiosk.staff.roles import Permission, StaffUser
from kiosk.staff.rules import NotPermitted


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


class StaffDesk:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        automat_id: str,
        bons: BonBook,
        printer: Reprinter | None = None,
    ) -> None:
        self.engine = engine
        self.bons = bons
        self.printer = printer
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
        issued = self.printer.print_document(render_report(title, report.lines()))
        self.ledger.audit(user.staff_no, role, "z_report_printed", day=report.day.isoformat(),
                          printed=issued.printed)
        return issued

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
