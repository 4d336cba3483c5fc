"""Cash-box emptyings as the reports read them: the one place a report reads
``cash_box_emptyings``, as the :class:`kiosk.cashbox.Emptying` the emptying wrote (expected,
counted, difference, who, when); every report shows what this returns, the CSV, the PDF and the
text alike."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from kiosk.cashbox import Emptying
from kiosk.ledger.models import CashBoxEmptying


def read_emptyings(
    conn: Connection, automat_ids: Sequence[str], start: datetime, end: datetime
) -> list[Emptying]:
    """The emptyings of these automats in [start, end), oldest first."""
    stmt = (
        select(CashBoxEmptying)
        .where(
            CashBoxEmptying.automat_id.in_(automat_ids),
            CashBoxEmptying.emptied_at >= start,
            CashBoxEmptying.emptied_at < end,
        )
        .order_by(CashBoxEmptying.emptied_at, CashBoxEmptying.id)
    )
    with Session(bind=conn) as session:
        return [Emptying.from_row(row) for row in session.scalars(stmt)]
