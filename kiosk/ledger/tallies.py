"""The ledger's running totals of sessions and payments, the counters the metrics publish, and
what the retention purge took out of them.

Prometheus takes a counter that goes down for a restart from zero, so a purge that deletes five-
year-old sessions would read as the automat's whole history paid again. What the purge deletes
is therefore added, in the purge's own transaction, to ``purged_figures``, and the counters are
the rows still in the ledger plus that tally: they only ever grow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, case, func, insert, select, update

from kiosk.ledger.models import TERMINAL_SESSION_STATES, CitizenSession, PurgedFigure, Tender

#: a tender's kind → the payment method a citizen chose
METHOD_OF_KIND = {"coin": "cash", "note": "cash", "card": "card", "bon": "bon"}
METHODS = ("card", "cash", "bon")


@dataclass(slots=True)
class Tallies:
    #: ended sessions by how they ended (done, cancelled, timed_out, recovered)
    sessions: dict[str, int] = field(default_factory=dict)
    #: per method: sessions that received money by it, and the øre received
    payments: dict[str, int] = field(default_factory=dict)
    payments_ore: dict[str, int] = field(default_factory=dict)

    def parts(self) -> dict[str, dict[str, int]]:
        return {"sessions": self.sessions, "payments": self.payments,
                "payments_ore": self.payments_ore}

    def __add__(self, other: Tallies) -> Tallies:
        total = Tallies()
        for name, mine in total.parts().items():
            for part in (self.parts()[name], other.parts()[name]):
                for key, n in part.items():
                    mine[key] = mine.get(key, 0) + n
        return total


def counted(conn: Connection, *where: Any) -> Tallies:
    """Sessions ended and payments received of the sessions meeting ``where`` (conditions on
    ``CitizenSession``), as the ledger holds them now."""
    sessions = {
        str(state): int(n)
        for state, n in conn.execute(
            select(CitizenSession.state, func.count())
            .where(*where, CitizenSession.state.in_(TERMINAL_SESSION_STATES))
            .group_by(CitizenSession.state)
        )
    }
    method = case(
        *((Tender.kind == kind, name) for kind, name in METHOD_OF_KIND.items()), else_="other"
    )
    payments: dict[str, int] = {}
    payments_ore: dict[str, int] = {}
    for name, n, ore in conn.execute(
        select(method, func.count(func.distinct(Tender.session_id)), func.sum(Tender.amount_ore))
        .join(CitizenSession, CitizenSession.id == Tender.session_id)
        .where(*where, Tender.state == "received")
        .group_by(method)
    ):
        payments[name], payments_ore[name] = int(n), int(ore or 0)
    return Tallies(sessions, payments, payments_ore)


def purged(conn: Connection, automat_id: str) -> Tallies:
    """What the retention purge has deleted of ``automat_id``'s sessions and payments."""
    found = Tallies()
    parts = found.parts()
    for name, key, value in conn.execute(
        select(PurgedFigure.name, PurgedFigure.key, PurgedFigure.value).where(
            PurgedFigure.automat_id == automat_id
        )
    ):
        if name in parts:
            parts[name][key] = int(value)
    return found


def add_purged(conn: Connection, automat_id: str, gone: Tallies) -> None:
    """Add ``gone`` to the tally, in the caller's transaction (the one that deletes it)."""
    for name, part in gone.parts().items():
        for key, n in part.items():
            if not n:
                continue
            row = (PurgedFigure.automat_id == automat_id, PurgedFigure.name == name,
                   PurgedFigure.key == key)
            if not conn.execute(
                update(PurgedFigure).where(*row).values(value=PurgedFigure.value + n)
            ).rowcount:
                conn.execute(insert(PurgedFigure).values(
                    automat_id=automat_id, name=name, key=key, value=n))
