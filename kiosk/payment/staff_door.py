"""The way into staff mode at the automat: a staff card shown at the attract screen, or the long
press on its corner, then the staff number and PIN. The session owns the state (``STAFF_LOGIN``,
``STAFF``, reachable only from ``IDLE``: never in the middle of a citizen's session); this part
keeps who is logged in and asks the staff accounts (``kiosk.staff.accounts.StaffBook``) off the
session worker, since argon2 takes a noticeable fraction of a second.

What a read means is decided here and in ``login.read``, not in a widget: at the attract screen
and in staff mode a staff card opens the staff PIN; in staff mode any other card logs staff out
(a citizen is at the automat) and identifies the citizen. The card's value stays on the session
worker: the view says only that a card was shown. Every logout is audit-logged with why.

A bon's slip scanned in staff mode is no citizen: staff stay logged in and the bon is looked up
here, on the session worker (one read; not audited, a void is), and put in the view
(:class:`ScannedBon`) for the bons screen to show.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from kiosk.bons import BonError, BonReason
from kiosk.ledger.errors import LedgerUnavailable
from kiosk.payment.states import STAFF_MODE, Event, State
from kiosk.staff.device_tests import DeviceTests

log = logging.getLogger(__name__)


class StaffLogins(Protocol):
    """What the door needs of the staff accounts (``StaffBook``)."""

    def card_holder(self, card_text: str) -> str | None: ...

    def login(self, staff_no: str, pin: str) -> Any: ...

    def login_by_card(self, card_text: str, pin: str) -> Any: ...


@dataclass(frozen=True, slots=True)
class ScannedBon:
    """A bon scanned in staff mode: what the ledger says of it (``kiosk.bons.BonLookup``), or
    why it could not be looked up (``error``: a ``BonError`` for a forged or unknown one, the
    ledger away). ``number`` counts the scans, so the same slip scanned again shows again."""

    number: int
    found: Any = None
    error: BaseException | None = None


class StaffDoor:
    """Staff login and logout for one session (the session owns the state)."""

    def __init__(self, session: Any, logins: StaffLogins | None) -> None:
        self.s = session
        self.logins = logins
        self.user: Any = None  # the StaffUser while logged in
        self.card: str | None = None  # the staff card shown, until its PIN is checked
        self.minutes_left = 0  # a locked account: how long the lock lasts
        self.checking = 0  # number of the login under way (0: none)
        self._tries = 0
        self.tests = DeviceTests(session)  # technician mode's device tests, while in STAFF
        self.scanned: ScannedBon | None = None  # the last bon scanned while logged in
        self._scans = 0

    # -- getting in ------------------------------------------------------------------------------
    def is_staff_card(self, value: str) -> bool:
        """True when ``value`` is an enrolled staff card and was taken as one: the staff PIN is
        asked (at the attract screen, or in staff mode for another member of staff)."""
        s = self.s
        if self.logins is None or s.state not in (State.IDLE, *STAFF_MODE):
            return False
        try:
            holder = self.logins.card_holder(value)
        except Exception as exc:  # the ledger is away: the card is read as a citizen's
            log.warning("staff card check failed: %s", type(exc).__name__)
            return False
        if holder is None:
            return False
        self.tests.close("staff_card")
        s._fire(Event.STAFF_CARD)
        self.card, s.message = value, ""
        s._notify()
        return True

    def ask(self) -> None:
        """The long press on the attract screen: staff number and PIN are asked."""
        s = self.s
        if self.logins is None:
            raise RuntimeError("no staff accounts on this automat")
        s._fire(Event.STAFF_ASKED)  # refused unless at the attract screen
        self.card, s.message = None, ""
        s._notify()

    def log_in(self, staff_no: str | None, pin: str) -> None:
        """Check the PIN with the number typed, or (``None``) with the staff card shown."""
        s = self.s
        s._require(State.STAFF_LOGIN)
        assert self.logins is not None
        if self.checking:
            raise RuntimeError("a staff login is being checked")
        logins, card = self.logins, self.card
        if staff_no is None and card is None:
            raise ValueError("no staff card was shown: type the staff number")
        self._tries += 1
        generation = self.checking = self._tries
        s.message = "staff_checking"
        s._notify()

        def check() -> Any:
            if staff_no is None:
                assert card is not None
                return logins.login_by_card(card, pin)
            return logins.login(staff_no, pin)

        s.runner.submit(check, lambda user, error: self._checked(generation, user, error))

    def _checked(self, generation: int, user: Any, error: BaseException | None) -> None:
        s = self.s
        if generation != self.checking:
            return
        self.checking = 0
        if s.state is not State.STAFF_LOGIN:
            return  # left meanwhile (a citizen's card, money, idle)
        if error is not None:
            reason = getattr(error, "reason", None)
            if reason is None:  # the ledger, not the PIN: say so, nothing counted
                log.error("staff login failed: %r", error)
            s.message = f"staff_{reason.value}" if reason is not None else "staff_unavailable"
            self.minutes_left = int(getattr(error, "minutes_left", 0) or 0)
            return s._notify()
        self.user, self.card, self.minutes_left, s.message = user, None, 0, ""
        s._fire(Event.STAFF_IN)
        s._notify()

    # -- a bon's slip scanned ------------------------------------------------------------------
    def bon_scanned(self, payload: str) -> None:
        """Staff keep their login: logged in, the bon is looked up for the bons screen; at the
        PIN, they are told to log in first."""
        s = self.s
        if s.state is not State.STAFF:
            if self.checking:  # a PIN is being checked: its answer comes next
                return None
            s.message = "bon_log_in_first"
            return s._notify()
        self._scans += 1
        try:
            if s.bons is None:
                raise BonError(BonReason.UNKNOWN, "this automat takes no bons")
            self.scanned = ScannedBon(self._scans, found=s.bons.look_up(payload))
        except Exception as exc:  # said to staff in one line; nothing changed
            if not isinstance(exc, (BonError, LedgerUnavailable)):
                log.error("bon look-up failed: %s", type(exc).__name__)
            self.scanned = ScannedBon(self._scans, error=exc)
        s._notify()

    # -- getting out -----------------------------------------------------------------------------
    def abort(self, event: Any) -> None:
        """Staff cancel the login, or the idle time logs them out (``event``: cancel, timeout)."""
        s = self.s
        s._fire(event)
        s.message = ""
        s._notify()

    def log_out(self, why: str = "logout") -> None:
        """The log-out button (or ``why``: another reason); back to the attract screen."""
        s = self.s
        if s.state not in STAFF_MODE:
            raise RuntimeError(f"not in staff mode: {s.state.value}")
        self.left(why)
        s._fire(Event.STAFF_OUT)
        s.message = ""
        s._notify()

    def left(self, why: str) -> None:
        """Staff mode ends (however: the session calls this on every way out): forget who was
        logged in, audit-log the logout."""
        self.tests.close(why)  # while the user is known: the audit log names them
        user, self.user, self.card, self.minutes_left = self.user, None, None, 0
        self.scanned = None
        self.checking = 0
        if user is None:
            return
        try:
            self.s.ledger.audit(user.staff_no, user.main_role.value, "staff_logout", why=why)
        except Exception as exc:  # the logout itself must happen
            log.error("staff logout not audit-logged: %s", exc)
