"""Every state a ledger row can be in, the moves allowed between them, and the one way to move.

``move`` is a conditional UPDATE: ``… SET state = :to WHERE id = :id AND state IN (:sources)``
(plus any condition of the caller's). It changed the row: done. It changed nothing because the row
already is in ``to``: an exact repeat (a retry, recovery and the session agreeing), nothing to do.
Anything else raises: :class:`IllegalTransition` when the row's state may not become ``to``,
:class:`MoveRefused` when it may but the caller's condition says not now (a bon that expired). The
session's own state machine is ``kiosk.payment.states``; here the ledger keeps what it needs of
it: an ended session is never reopened.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, select, update

from kiosk.ledger.errors import LedgerError
from kiosk.ledger.models import (
    BATCH_STATES,
    BON_STATES,
    OUTBOX_STATES,
    SESSION_STATES,
    TENDER_STATES,
    TERMINAL_SESSION_STATES,
    Base,
    Bon,
    CitizenSession,
    ExportBatch,
    OutboxItem,
    Tender,
)


class IllegalTransition(LedgerError):
    """The row is in a state from which the move is not allowed (or does not exist)."""


class MoveRefused(LedgerError):
    """The move is allowed from the row's state, but the caller's condition does not hold."""

    def __init__(self, message: str, current: str) -> None:
        super().__init__(message)
        self.current = current


@dataclass(frozen=True)
class StateTable:
    name: str
    model: type[Base]
    states: tuple[str, ...]
    moves: Mapping[str, frozenset[str]]  # from → the states it may become
    _sources: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        unknown = {t for s, tos in self.moves.items() for t in (s, *tos) if t not in self.states}
        if unknown:
            raise ValueError(f"{self.name}: states not in the schema: {sorted(unknown)}")
        sources: dict[str, tuple[str, ...]] = {}
        for state in self.states:
            sources[state] = tuple(s for s, tos in self.moves.items() if state in tos)
        object.__setattr__(self, "_sources", sources)

    def sources(self, to: str) -> tuple[str, ...]:
        """The states a row may be in to become ``to``."""
        if to not in self._sources:
            raise IllegalTransition(f"{self.name}: no state '{to}'")
        return self._sources[to]

    def allowed(self, source: str, to: str) -> bool:
        return to in self.moves.get(source, frozenset())


def _table(
    name: str, model: type[Base], states: Iterable[str], **moves: Iterable[str]
) -> StateTable:
    return StateTable(name, model, tuple(states), {k: frozenset(v) for k, v in moves.items()})


_LIVE = [s for s in SESSION_STATES if s not in TERMINAL_SESSION_STATES]

#: a session row follows the citizen's session (``kiosk.payment.states``) while it runs; once
#: ended (done, cancelled, timed out, recovered) it never moves again
SESSION = StateTable(
    "session",
    CitizenSession,
    SESSION_STATES,
    {live: frozenset(SESSION_STATES) for live in _LIVE},
)
#: a card payment is pending before the terminal is asked; cash and bons are written received
TENDER = _table(
    "tender",
    Tender,
    TENDER_STATES,
    pending=("received", "declined", "outcome_unknown"),
    outcome_unknown=("received", "declined"),
    received=("reversed",),
)
#: FBS registrations: pending (retried with a backoff) → done, or refused (retried slowly, on the
#: follow-up list) → parked after ``[fbs] refused_retry_days`` (no more retries); a refused or
#: parked one is closed by a person (``kiosk.followup``) and never moves again; a debtor item:
#: pending → exported with its batch
OUTBOX = _table(
    "outbox item",
    OutboxItem,
    OUTBOX_STATES,
    pending=("pending", "done", "refused", "exported"),
    refused=("refused", "pending", "done", "parked", "closed"),
    parked=("closed",),
)
#: a debtor file: its rows written, the file complete at the target, delivered
BATCH = _table(
    "export batch", ExportBatch, BATCH_STATES, writing=("written",), written=("delivered",)
)
#: a bon is used once, or voided by staff
BON = _table("bon", Bon, BON_STATES, issued=("redeemed", "voided"))

TABLES = (SESSION, TENDER, OUTBOX, BATCH, BON)


def move(
    conn: Connection,
    table: StateTable,
    row_id: Any,
    to: str,
    *,
    when: ColumnElement[bool] | None = None,
    **values: Any,
) -> bool:
    """Move one row to ``to`` (with ``values``) in the caller's transaction. True when it moved,
    False when it already was there; raises :class:`IllegalTransition` or :class:`MoveRefused`."""
    model = table.model
    sources = table.sources(to)
    condition = and_(model.id == row_id, model.state.in_(sources))  # type: ignore[attr-defined]
    if when is not None:
        condition = and_(condition, when)
    changed = conn.execute(
        update(model).where(condition).values(state=to, **values)
    ).rowcount
    if changed == 1:
        return True
    current = conn.scalar(select(model.state).where(model.id == row_id))  # type: ignore[attr-defined]
    if current == to and not table.allowed(to, to):
        return False  # an exact repeat
    if current is None:
        raise IllegalTransition(f"{table.name} {row_id} does not exist")
    if current in sources:
        raise MoveRefused(f"{table.name} {row_id}: not now ({current} → {to})", current)
    raise IllegalTransition(f"{table.name} {row_id} is '{current}': it cannot become '{to}'")


def move_all(
    conn: Connection,
    table: StateTable,
    where: ColumnElement[bool],
    to: str,
    *,
    expected: int,
    **values: Any,
) -> int:
    """Move every row ``where`` selects (each from a state that may become ``to``); anything but
    exactly ``expected`` rows raises, and the caller's transaction rolls back."""
    model = table.model
    changed = conn.execute(
        update(model)
        .where(and_(where, model.state.in_(table.sources(to))))  # type: ignore[attr-defined]
        .values(state=to, **values)
    ).rowcount
    if changed != expected:
        raise IllegalTransition(
            f"{table.name}: expected {expected} row(s) to become '{to}', found {changed}"
        )
    return changed
