"""Money the ledger could not take yet: held in memory, in order, and written again on a schedule.

A money write the ledger cannot take (disk full, database gone: :class:`LedgerUnavailable`) loses
nothing: the session holds it here as :class:`Unrecorded` (with the amount the citizen put in
with it, for the out-of-order screen and the fault slip) and goes out of order; every write that
comes after waits behind it, so they reach the ledger in the order they happened; and
:meth:`LedgerHold.flush` tries them again when the retry comes due.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.ledger.errors import LedgerUnavailable
from kiosk.money import Money

log = logging.getLogger(__name__)

LEDGER_RETRY_S = 10.0  # how often a held write is tried again


@dataclass(frozen=True, slots=True)
class Unrecorded:
    """A ledger write that failed and is held in memory until a retry gets it in. ``amount`` is
    the money the citizen put in with it (0 for writes that move no money, e.g. a plan)."""

    what: str  # coin, note, card, plan, card_start, card_result, credit
    amount: Money
    at: datetime
    reference: str
    write: Callable[[], Any]
    on_written: Callable[[Any], None] | None = None
    receipt_text: str = ""  # a card approval's terminal receipt (the slip's fallback record)


def timer_schedule(delay_s: float, call: Callable[[], None]) -> None:
    """Run ``call`` after ``delay_s`` on a timer thread."""
    timer = threading.Timer(delay_s, call)
    timer.daemon = True
    timer.start()


class LedgerHold:
    """The writes held while the ledger fails, and when to try them again.

    ``schedule(delay_s, call)`` runs ``call`` later on any thread; ``post(call)`` hands a call to
    the session worker (the retry itself runs there)."""

    def __init__(
        self,
        *,
        retry_s: float,
        schedule: Callable[[float, Callable[[], None]], Any],
        post: Callable[[Callable[[], None]], None],
    ) -> None:
        if retry_s <= 0:
            raise ValueError("the ledger retry interval must be positive")
        self.retry_s = retry_s
        self.schedule = schedule
        self.post = post
        self.held: list[Unrecorded] = []
        self.fault_at: datetime | None = None
        self._retry_pending = False

    @property
    def amount(self) -> Money:
        """The money held, not yet in the ledger."""
        return Money(sum(u.amount.ore for u in self.held))

    @property
    def card_receipts(self) -> tuple[str, ...]:
        return tuple(u.receipt_text for u in self.held if u.receipt_text)

    def write(self, item: Unrecorded, *, holding: bool) -> bool:
        """Write ``item`` now, unless writes are held (``holding``, or some already are): then it
        waits behind them. True when it is in the ledger. A write that fails now is held and its
        :class:`LedgerUnavailable` raised, for the session to go out of order."""
        if holding or self.held:
            self.held.append(item)
            return False
        try:
            result = item.write()
        except LedgerUnavailable:
            self.held.append(item)
            raise
        if item.on_written is not None:
            item.on_written(result)
        return True

    def flush(self) -> bool:
        """On the session worker: write what is held, in order. True once all of it is in; False
        (and a retry scheduled) while the ledger still fails."""
        while self.held:
            item = self.held[0]
            try:
                result = item.write()
            except LedgerUnavailable as exc:
                log.warning("ledger still failing: %s", exc)
                return False
            self.held.pop(0)
            if item.on_written is not None:
                item.on_written(result)
        return True

    def retry_later(self, due: Callable[[], None]) -> None:
        """Call ``due`` on the session worker after ``retry_s`` (once, however often asked)."""
        if self._retry_pending:
            return
        self._retry_pending = True

        def fire() -> None:  # any thread: the retry itself runs on the session worker
            self.post(self._due(due))

        self.schedule(self.retry_s, fire)

    def _due(self, due: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            self._retry_pending = False
            due()

        return run

    def clear(self) -> None:
        """A new citizen: nothing held (a retry still under way finds nothing to do)."""
        self.held.clear()
        self.fault_at = None
        self._retry_pending = False
