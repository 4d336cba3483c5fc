"""A ccTalk bill validator (header 159 event buffer, escrow via header 154) as a CashAcceptor.

A bill held in escrow (event B = 1) becomes an :class:`Escrow` event; the host answers with
``accept_escrow()`` (route 1, stack) or ``return_escrow()`` (route 0). While it decides, the
driver extends the escrow (route 255) so the validator does not return the bill by itself, and
it routes only while the escrow event is still the newest in the buffer: anything newer means the
bill has already left escrow. Credit comes only with the stacked event (B = 0). A bill found in
escrow when the host starts is returned: the citizen who fed it is not in any session.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Unpack

from drivers.base import Escrow, FaultKind, Health, Rejected
from drivers.base.device import EscrowAcceptor
from drivers.cctalk import codec
from drivers.cctalk.codec import BufferedEvent
from drivers.cctalk.codes import bill_status
from drivers.cctalk.device import CcTalkDevice, CcTalkLine

log = logging.getLogger(__name__)

ROUTE_RETURN = 0
ROUTE_STACK = 1
ROUTE_EXTEND = 255
RETURNED_FROM_ESCROW = 1  # bill status (A = 0)
OPERATING_MODE_STACKER_AND_ESCROW = 0b11


@dataclass(slots=True)
class _HeldBill:
    bill_type: int
    ref: int  # the event counter of its escrow event
    since: float
    last_extended: float


class CcTalkBillValidator(CcTalkDevice, EscrowAcceptor):
    kind = "note"
    category = "Bill Validator"
    id_header = codec.REQUEST_BILL_ID
    buffer_header = codec.READ_BUFFERED_BILL_EVENTS
    default_name = "note_validator"
    default_address = 40

    def __init__(
        self,
        port: str,
        *,
        bill_values: Mapping[str, int],
        escrow_extend_every_s: float = 2.0,
        escrow_decision_timeout_s: float = 30.0,
        **line: Unpack[CcTalkLine],
    ) -> None:
        super().__init__(port, values=bill_values, **line)
        self.escrow_extend_every_s = escrow_extend_every_s
        self.escrow_decision_timeout_s = escrow_decision_timeout_s
        self._held: _HeldBill | None = None
        #: a return routed, until the validator reports it: "" when the host asked for it (its
        #: own outcome, no :class:`Rejected`), else the driver's own reason
        self._returning: str | None = None
        self._conditions: dict[FaultKind, tuple[Health, str]] = {}

    # ---- polling thread ---------------------------------------------------------------------

    def _apply_settings(self) -> None:
        super()._apply_settings()
        self.transact(codec.MODIFY_BILL_OPERATING_MODE, bytes((OPERATING_MODE_STACKER_AND_ESCROW,)))

    def _working_health(self) -> tuple[Health, str]:
        worst = (Health.OK, "")
        for health, text in self._conditions.values():
            if health == Health.DOWN or worst[0] == Health.OK:
                worst = (health, text)
        return worst

    def _before_poll(self) -> None:
        super()._before_poll()
        held = self._held
        decision = self._take_decision(None if held is None else held.since)
        if held is None:
            return
        if decision is None:
            now = time.monotonic()
            if now - held.last_extended >= self.escrow_extend_every_s:
                held.last_extended = now
                self._route(ROUTE_EXTEND)
            return
        if self._last_counter != held.ref:
            return  # newer events: the bill left escrow already; routing now would be a guess
        self._held = None
        if decision:
            self._route(ROUTE_STACK)
        elif self._route(ROUTE_RETURN):
            self._returning = self.return_why

    def _after_reconcile(self) -> None:
        """A bill in escrow at start-up was offered to a host that is gone: give it back (the
        validator answers "escrow empty" when there is none)."""
        self._held = None
        if self._route(ROUTE_RETURN, quiet_if_empty=True):
            self._returning = ""  # no session to tell
            log.warning("%s: a bill in escrow at start-up was returned", self.name)

    def _route(self, route: int, *, quiet_if_empty: bool = False) -> bool:
        """True when the validator took the route."""
        reply = self.transact(codec.ROUTE_BILL, bytes((route,)))
        if reply == b"\xfe":
            self._held = None
            if not quiet_if_empty:
                log.warning("%s: escrow empty when routing %d", self.name, route)
        elif reply:
            self._fault(FaultKind.OTHER, f"route {route} failed (reply {reply.hex()})")
        return not reply

    def _on_device_reset(self) -> None:
        self._held = self._returning = None  # a reset validator returns what it held

    def _handle_event(self, ref: int, event: BufferedEvent, newest: bool) -> None:
        if self._held is not None:
            self._held = None  # whatever happened, the bill is no longer waiting for us
        if event.a:
            if (valued := self._valued(event.a, ref)) is None:
                return
            ident, value = valued
            if event.b == 1:
                if newest and not self._reconciling:  # at start-up it goes back (below)
                    now = time.monotonic()
                    self._held = _HeldBill(event.a, ref, now, now)
                    self._emit(Escrow(self.name, value, ident))
                return
            self._clear(FaultKind.JAM)
            self._credit(value, ident, ref)
            return
        if event.b == RETURNED_FROM_ESCROW and self._returning is not None:
            returning, self._returning = self._returning, None
            if returning:  # the driver's own return: said, with why
                self._emit(Rejected(self.name, returning))
            else:  # the host's: its own outcome, not the validator refusing the bill
                log.info("%s: bill returned as the host asked (event %d)", self.name, ref)
            return
        meaning = bill_status(event.b)
        if meaning.kind is not None and meaning.health is not None:
            self._conditions[meaning.kind] = (meaning.health, meaning.text)
        elif meaning.health == Health.OK:
            for kind in (FaultKind.STACKER_REMOVED, FaultKind.STACKER_FULL, FaultKind.OTHER):
                self._conditions.pop(kind, None)
        self._announce(meaning, f"status {event.b}, event {ref}")
        self._set_health(*self._working_health())

    def _clear(self, kind: FaultKind) -> None:
        if self._conditions.pop(kind, None) is not None:
            self._set_health(*self._working_health())
