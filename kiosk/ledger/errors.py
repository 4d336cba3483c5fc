"""The two ways a ledger write can fail, as the rest of the automat sees them.

- :class:`LedgerError`: the ledger refuses the write on its merits (an unknown session, a bad
  amount, a state that cannot follow the current one). Nothing was written; a bug or bad input.
- :class:`LedgerUnavailable`: the database could not take it (disk full, read-only file system,
  connection lost). Nothing was written; the same write may succeed later. The session holds the
  money in memory and retries (see ``kiosk.payment.hold``).

Everything that writes money is wrapped with :func:`ledger_write`, so no caller needs to know
SQLAlchemy's, sqlite3's or the operating system's exception types.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import SQLAlchemyError

P = ParamSpec("P")
R = TypeVar("R")


class LedgerError(Exception):
    """A write the ledger refuses (unknown session, bad amount …); nothing was changed."""


class LedgerUnavailable(Exception):
    """The database could not take a write; nothing was changed. ``str()`` is the driver's own
    error line only: SQLAlchemy's full message carries the statement's parameters, and a plan's
    parameters carry the CPR."""

    def __init__(self, cause: BaseException) -> None:
        orig = getattr(cause, "orig", None)
        source = orig if orig is not None else cause
        first = str(source).splitlines()[0] if str(source) else ""
        super().__init__(f"{type(source).__name__}: {first}"[:200])


#: what the database layer raises when it cannot write (sqlite3: BEGIN IMMEDIATE comes unwrapped)
_FAULTS = (SQLAlchemyError, sqlite3.Error, OSError)


def ledger_write(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn the database's own failures of ``fn`` into :class:`LedgerUnavailable`."""

    @functools.wraps(fn)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except _FAULTS as exc:
            raise LedgerUnavailable(exc) from exc

    return wrapped
