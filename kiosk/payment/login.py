"""Who pays: the citizen identifies (card, code, keypad), FBS checks the PIN, and the claims are
read and classified. FBS answers come back on the session worker; an answer for a session that
was cancelled or timed out meanwhile is dropped. The patron's FBS session is ended (SIP2 35)
once, however the citizen's session ended."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from drivers.base.reader import IdentifierRead, IdSource
from kiosk.bons import looks_like_bon
from kiosk.cpr import Cpr, CprError
from kiosk.domain import Patron
from kiosk.fbs.port import FbsError, FbsErrorReason
from kiosk.identification import Identifier
from kiosk.payment.paid_here import overlay_paid_here
from kiosk.payment.parts import SessionParts
from kiosk.payment.selection import Selection
from kiosk.payment.states import STAFF_MODE, Event, State
from kiosk.payment.view import MAX_PIN_ATTEMPTS

log = logging.getLogger(__name__)
#: where a citizen can scan a bon before a payment is chosen (kiosk.payment.login)
_CITIZEN_BEFORE_PAYING = (State.IDLE, State.IDENTIFYING, State.PIN, State.CLAIMS)


class Login:
    """The identification steps of one session (it owns the state; this only acts on it)."""

    def __init__(self, session: SessionParts) -> None:
        self.s = session
        self.fbs_patron: Patron | None = None  # until their FBS session is ended (SIP2 35)

    def start(self) -> None:
        s = self.s
        s._fire(Event.START)
        s.session_id = s.ledger.open_session(state=s.state.value)
        s.message = ""  # what the attract screen said (a bon shown there) is done with
        s._notify()

    def read(self, event: IdentifierRead) -> None:
        """A card or code was read: a bon while a payment is chosen or made (bons on), an
        identification at the start; a bon outside a payment is no card (``_bon_outside_payment``);
        nothing otherwise. Raises ``IdentificationError``."""
        s = self.s
        if s.staff_door.tests.read(event):  # technician mode's reader test shows it, no more
            return None
        paying = s.state in (State.CHOOSING_TENDER, State.PAYING)
        if paying and s.bons is not None and event.source is IdSource.BARCODE:
            return s.redeem_bon(event.value)
        if looks_like_bon(event.value):  # a bon's slip, even misread, is never a card number
            return self._bon_outside_payment(event.value)
        if s.staff_door.is_staff_card(event.value):  # attract screen or staff mode: staff's PIN
            return None
        if s.state in STAFF_MODE:  # a citizen's card: staff are logged out, the citizen is in
            identifier = Identifier().from_event(event).identifier
            s.staff_door.log_out("citizen_card")
            return self.identify(identifier)
        if s.state in (State.IDLE, State.IDENTIFYING):
            self.identify(Identifier().from_event(event).identifier)

    def _bon_outside_payment(self, payload: str) -> None:
        """Staff look it up and stay logged in. A citizen is told where a bon goes and stays
        where they are (no session is opened for it): at the start, to show their card first;
        at the PIN or their claims, that it is scanned after "Pay"; at an automat that takes no
        bons, to take it to the staff."""
        s = self.s
        if s.state in STAFF_MODE:
            return s.staff_door.bon_scanned(payload)
        if s.bons is None and s.state in _CITIZEN_BEFORE_PAYING:
            s.message = "bon_not_taken"
        elif s.state in (State.IDLE, State.IDENTIFYING):
            s.message = "bon_not_card"
        elif s.state in (State.PIN, State.CLAIMS):
            s.message = "bon_when_paying"
        else:
            return None
        s._notify()

    def forget_message(self) -> None:
        """What the attract screen said (a bon shown there) has been up long enough: the next
        citizen sees the plain attract screen. Elsewhere the message is the citizen's own."""
        s = self.s
        if s.state is State.IDLE and s.message:
            s.message = ""
            s._notify()

    def identify_typed(self, text: str) -> None:
        """Typed on the keypad: checked (a CPR or a card number) before FBS is asked. Raises
        ``IdentificationError`` and changes nothing for one that cannot be either."""
        self.identify(Identifier().typed(text).identifier)

    def identify(self, identifier: str) -> None:
        s = self.s
        idle = s.state is State.IDLE
        s._fire(Event.IDENTIFIED)
        if idle:
            s.session_id = s.ledger.open_session(state=s.state.value)
        s.identifier = identifier.strip()
        try:
            s.cpr = Cpr.parse(s.identifier)
        except CprError:
            s.cpr = None
        s.message = ""
        s._notify()

    def enter_pin(self, pin: str) -> None:
        s = self.s
        s._require(State.PIN)
        identifier, generation = s.identifier or "", s.generation
        s.message = "checking"
        s._notify()
        s.runner.submit(lambda: s.fbs.authenticate(identifier, pin),
                        lambda patron, error: self._checked(generation, patron, error))

    def _checked(self, generation: int, patron: Any, error: BaseException | None) -> None:
        s = self.s
        if generation != s.generation or s.state is not State.PIN:
            return
        if isinstance(error, FbsError) and error.reason is FbsErrorReason.WRONG_PIN:
            s.pin_attempts += 1
            if s.pin_attempts >= MAX_PIN_ATTEMPTS:
                return self.fail("too_many_pin_attempts")
            s.message = "wrong_pin"
            s._fire(Event.PIN_REJECTED)
            return s._notify()
        if error is not None:
            return self.fail_with(error)
        s.patron = replace(patron, cpr=s.cpr) if s.cpr else patron
        self.fbs_patron = patron
        s.message = ""
        s._fire(Event.PIN_ENTERED)
        s._notify()
        s.runner.submit(lambda: s.fbs.claims(patron),
                        lambda claims, error: self._claims(generation, claims, error))

    def _claims(self, generation: int, claims: Any, error: BaseException | None) -> None:
        s = self.s
        if generation != s.generation or s.state is not State.LOADING_CLAIMS:
            return
        if error is not None:
            return self.fail_with(error)
        assert s.patron is not None
        stored_id = s.journal.patron_ids.stored(s.patron.id)  # as the ledger keeps it
        s.claims = overlay_paid_here(s.ledger.engine, stored_id, claims, s.clock.now(),
                                     s.claims_config.paid_here_window_days)
        s.selection = Selection(s.patron, s.claims)
        s.selection.select_all()
        s._fire(Event.CLAIMS_LOADED)
        s._notify()

    def fail_with(self, error: BaseException) -> None:
        if not isinstance(error, FbsError):
            log.error("unexpected error talking to FBS: %r", error)
        self.fail(error.reason.value if isinstance(error, FbsError)
                  else FbsErrorReason.UNAVAILABLE.value)

    def fail(self, message: str) -> None:
        s = self.s
        s.message = message
        s._fire(Event.FAILED)
        s._end(State.CANCELLED, message)

    def end_fbs_session(self) -> None:
        """Tell FBS the patron is done (SIP2 35 End Patron Session), once. Ports without the
        call (REST) are skipped; it runs on the runner and its outcome never touches the
        session: FBS ends idle patron sessions on its own anyway."""
        patron, self.fbs_patron = self.fbs_patron, None
        end = getattr(self.s.fbs, "end_session", None)
        if patron is None or end is None:
            return

        def done(_confirmed: Any, error: BaseException | None) -> None:
            if error is not None:  # no patron data in the log: the id may be a CPR
                reason = getattr(error, "reason", None)
                log.warning("FBS end of patron session failed: %s", reason or type(error).__name__)

        try:
            self.s.runner.submit(lambda: end(patron), done)
        except Exception as exc:  # e.g. the pool is shutting down: the session goes on
            log.warning("FBS end of patron session not sent: %s", type(exc).__name__)
