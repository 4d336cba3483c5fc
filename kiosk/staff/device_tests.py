"""Technician mode's tests of the cash devices and the readers, as a part of the session.

A test runs on the session worker, inside staff mode's ``STAFF`` state, because it takes the
events a citizen's session would otherwise take: while the **cash test** runs, the acceptors are
enabled and each coin or note is shown (denomination, device) and never pays a claim or becomes
a citizen's credit; while the **reader test** runs, what the scanner or card reader reads is shown
(a CPR only as ``******-****``) and starts neither a citizen's session nor a staff login. The
session's steps hand over the events (``CashDesk.handle``, ``Login.read``); every way out of
staff mode ends the test (``StaffDoor.left``: log-out, idle time, a citizen's card, money outside
the test), and ending it disables the acceptors.

Money stays true to the devices: a coin cannot be given back once the acceptor took it, so every
coin, and a note the technician chose to count as a test, is recorded as a tender on a session of
its own with its money allocated to ``technician_test`` (``PaymentJournal.take_test``): the cash
box's expected contents count it, the audit's balance holds, the Z-report lists it apart. A note
in escrow is returned unless the technician chose to count notes. A write the ledger cannot take
is held like any coin (the session goes out of order and writes it later). Every start, piece,
read and end is in the audit log with who did it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from drivers.base import Credit, Escrow, Rejected
from drivers.base.reader import IdentifierRead
from kiosk.cpr import scrub
from kiosk.identification import IdentificationError, Identifier
from kiosk.ledger.repository import TenderEvent
from kiosk.money import Money
from kiosk.payment.hold import Unrecorded
from kiosk.payment.states import State
from kiosk.staff.roles import Permission

log = logging.getLogger(__name__)

CASH = "cash"
READERS = "readers"
KINDS = (CASH, READERS)
#: how many readings the screen keeps (newest first)
MAX_READINGS = 40
#: what a CPR read from a health card is shown as
MASKED_CPR = "******-****"


@dataclass(frozen=True, slots=True)
class Reading:
    """One thing a device did during a test, as the screen may show it (no CPR, no card value of
    a staff card). ``what``: coin, note (kept, recorded as a test), note_returned, rejected;
    library_card, health_card, rfid, staff_card, unreadable."""

    at: datetime
    device: str
    what: str
    shown: str = ""  # a denomination, a card number, a masked CPR, the device's reason
    amount: Money = Money(0)

    @property
    def kept(self) -> bool:
        """In the cash box and recorded as test money."""
        return self.what in ("coin", "note")


@dataclass(frozen=True, slots=True)
class DeviceTestView:
    """What the test screen draws. ``refused``: why the test did not start (``not_permitted``,
    ``no_acceptors``) or the empty string."""

    kind: str
    running: bool
    readings: tuple[Reading, ...] = ()
    keep_notes: bool = False
    refused: str = ""

    @property
    def kept(self) -> Money:
        return sum((r.amount for r in self.readings if r.kept), Money(0))


class DeviceTests:
    """The device tests of one session's staff mode (the session owns the state)."""

    def __init__(self, session: Any) -> None:
        self.s = session
        self.kind = ""  # the test running: CASH, READERS, or "" (none)
        self.shown_kind = ""  # what the screen shows (a refused start too)
        self.user: Any = None
        self.role = ""
        self.readings: list[Reading] = []
        self.keep_notes = False
        self.refused = ""

    def view(self) -> DeviceTestView | None:
        if not self.shown_kind:
            return None
        return DeviceTestView(self.shown_kind, bool(self.kind), tuple(self.readings),
                              self.keep_notes, self.refused)

    # -- technician mode's intents (from the screen, on the session worker) -------------------
    def start(self, kind: str, keep_notes: bool = False) -> None:
        """Start the ``kind`` test for the member of staff logged in (technician or
        administrator); a user without the permission is refused and the try audited."""
        s = self.s
        s._require(State.STAFF)
        if kind not in KINDS:
            raise ValueError(f"no such device test: {kind}")
        self.end("another_test")
        user = s.staff_door.user
        role = user.role_for(Permission.TECHNICIAN) if user is not None else None
        self.shown_kind, self.readings, self.keep_notes = kind, [], keep_notes
        self.refused = ""
        if role is None:
            self.refused = "not_permitted"
            if user is not None:
                self._audit(user.staff_no, user.main_role.value, "staff_not_permitted",
                            permission=Permission.TECHNICIAN.value, test=kind)
            return s._notify()
        devices = [a.name for a in s.devices.healthy_acceptors()] if kind == CASH else []
        if kind == CASH and not devices:
            self.refused = "no_acceptors"
            return s._notify()
        self.kind, self.user, self.role = kind, user, role.value
        if kind == CASH:
            values = sorted(set(s.cash.accepted_coins) | set(s.cash.accepted_notes))
            for acceptor in s.devices.healthy_acceptors():
                acceptor.enable(values)
        self._audit(user.staff_no, self.role, "device_test_started", test=kind, devices=devices,
                    keep_notes=keep_notes)
        s._notify()

    def set_keep_notes(self, keep: bool) -> None:
        """Notes from now on: counted as a test (stacked and recorded) or returned."""
        if self.kind != CASH:
            return
        self.keep_notes = bool(keep)
        self._audit(self.user.staff_no, self.role, "device_test_notes", keep_notes=self.keep_notes)
        self.s._notify()

    def stop(self) -> None:
        """The technician leaves the test screen."""
        self.close("done")
        self.s._notify()

    def close(self, why: str) -> None:
        """End the test and forget what it showed (staff mode ends, or the screen closes)."""
        self.end(why)
        self.shown_kind, self.refused, self.readings = "", "", []

    def end(self, why: str) -> None:
        """However the test ends (the screen, or staff mode ending: ``StaffDoor.left``): the
        acceptors stop taking money and the audit log gets what the test saw."""
        kind, user, self.kind = self.kind, self.user, ""
        if not kind:
            return
        if kind == CASH:
            self.s._stop_cash()
        kept = [r for r in self.readings if r.kept]
        self._audit(user.staff_no, self.role, "device_test_ended", test=kind, why=why,
                    readings=len(self.readings), kept_pieces=len(kept),
                    kept_ore=sum(r.amount.ore for r in kept))

    # -- what the devices report while a test runs ---------------------------------------------
    def take(self, event: object) -> bool:
        """A cash device's event: True when the cash test took it. A credit found at start-up
        (``during_restart``) is not the test's: the session credits it as always."""
        if self.kind != CASH:
            return False
        if isinstance(event, Credit) and not event.during_restart:
            self._credit(event)
        elif isinstance(event, Escrow):
            self._escrow(event)
        elif isinstance(event, Rejected):
            self._show(Reading(self.s.clock.now(), event.device, "rejected", event.reason))
        else:
            return False
        return True

    def read(self, event: IdentifierRead) -> bool:
        """A scanner or card reader read: True when the reader test took it (shown, audited
        without its value, and nothing else)."""
        if self.kind != READERS:
            return False
        what, shown = self._identify(event)
        self._show(Reading(self.s.clock.now(), event.device, what, shown))
        self._audit(self.user.staff_no, self.role, "device_test_read", device=event.device,
                    source=event.source.value, what=what)
        return True

    # -- inside ------------------------------------------------------------------------------
    def _credit(self, event: Credit) -> None:
        s, user, role = self.s, self.user, self.role
        amount = Money(event.value_ore)
        tender = TenderEvent("", event.kind, amount, amount, event.device,
                             event.event_ref or event.denomination,
                             position=event.event_ref or None)

        def written(session_id: str) -> None:
            s.cash_desk.moved(event.device, event.event_ref)
            if s.state is State.LEDGER_FAULT:  # written late: the fault ends with it
                s.session_id, s.ended_in_ledger = session_id, True

        self._show(Reading(s.clock.now(), event.device, event.kind, event.denomination, amount))
        s._try_write(Unrecorded(
            event.kind, amount, s.clock.now(), event.event_ref or event.denomination,
            lambda: s.journal.take_test(tender, user.staff_no, role), written,
        ))

    def _escrow(self, event: Escrow) -> None:
        s = self.s
        acceptor = next((a for a in s.devices.acceptors if a.name == event.device), None)
        if acceptor is None:
            return
        # what we cannot record, we do not take (a validator without history: SSP)
        if self.keep_notes and (not event.event_ref or s.cash_desk.accepting(event)):
            return acceptor.accept_escrow()  # its credit comes next and is recorded
        acceptor.return_escrow()
        self._show(Reading(s.clock.now(), event.device, "note_returned", event.denomination,
                           Money(event.value_ore)))

    def _identify(self, event: IdentifierRead) -> tuple[str, str]:
        logins = self.s.staff_door.logins
        try:
            holder = logins.card_holder(event.value) if logins is not None else None
        except Exception as exc:  # the ledger is away: the card is shown as any other
            log.warning("staff card check failed: %s", type(exc).__name__)
            holder = None
        if holder is not None:  # half of a staff login: its value is never shown
            return "staff_card", holder
        try:
            found = Identifier().from_event(event)
        except IdentificationError as exc:
            return "unreadable", exc.reason.value
        if found.cpr is not None:
            return found.kind.value, MASKED_CPR
        return found.kind.value, scrub(found.identifier)

    def _show(self, reading: Reading) -> None:
        self.readings.insert(0, reading)
        del self.readings[MAX_READINGS:]
        self.s._notify()

    def _audit(self, actor: str, role: str, action: str, **details: Any) -> None:
        try:
            self.s.ledger.audit(actor, role, action, **details)
        except Exception as exc:  # the test itself must go on (and end)
            log.error("device test not audit-logged (%s): %s", action, exc)
