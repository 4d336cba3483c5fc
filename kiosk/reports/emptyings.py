"""Cash-box emptyings as the reports read them: the one place that reads ``cash_box_emptyings``.

Today a row holds what the ledger said the box held (``counts``, ``total_ore``), who emptied it
and when. What was counted and the difference are not recorded yet (issue 14 item 4 adds them):
``counted`` and ``difference`` stay ``None`` until the table has them, and every report shows
what this function returns, so extending it here extends the CSV, the PDF and the text alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from kiosk.ledger.models import CashBoxEmptying
from kiosk.money import Money


@dataclass(frozen=True, slots=True)
class Emptying:
    at: datetime
    automat_id: str
    device: str
    emptied_by: str
    expected: Money  # what the ledger said the box held
    pieces: dict[int, int]  # denomination in øre → pieces expected
    counted: Money | None = None  # what was counted, once recorded
    difference: Money | None = None  # counted − expected, once recorded


def read_emptyings(
    conn: Connection, automat_ids: Sequence[str], start: datetime, end: datetime
) -> list[Emptying]:
    """The emptyings of these automats in [start, end), oldest first."""
    e = CashBoxEmptying
    rows = conn.execute(
        select(e.emptied_at, e.automat_id, e.device, e.emptied_by, e.total_ore, e.counts)
        .where(
            CashBoxEmptying.automat_id.in_(automat_ids),
            CashBoxEmptying.emptied_at >= start,
            CashBoxEmptying.emptied_at < end,
        )
        .order_by(CashBoxEmptying.emptied_at, CashBoxEmptying.id)
    ).all()
    return [
        Emptying(
            at=row.emptied_at,
            automat_id=row.automat_id,
            device=row.device,
            emptied_by=row.emptied_by,
            expected=Money(int(row.total_ore)),
            pieces={int(k): int(v) for k, v in (row.counts or {}).items()},
        )
        for row in rows
    ]
