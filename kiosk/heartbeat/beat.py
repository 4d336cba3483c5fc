"""One heartbeat: the automat's health read where it is kept (:class:`AutomatHealth`: the
out-of-service rule, the drivers, FBS's last call, the ledger's figures, ledger faults) and
written as the automat's one row of ``automat_heartbeats`` in a short transaction of its own.

Everything is read before the transaction begins, so on SQLite the write lock (the one a coin's
write needs too) is held only for the single upsert.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite

from kiosk.ledger.errors import ledger_write
from kiosk.ledger.models import AutomatHeartbeat
from kiosk.metrics.health import AutomatHealth

STARTING = "starting: the core is not built and recovered yet"


def read_heartbeat(
    health: AutomatHealth,
    *,
    automat_id: str,
    version: str,
    started_at: datetime,
    interval_s: int,
    now: datetime,
    stopped: bool = False,
) -> dict[str, Any]:
    """The row as it stands now. A stopping automat (``stopped``) asks neither FBS nor the
    printer: its last word must not wait for them."""
    ask = not stopped
    status = health.service(ask=ask)
    figures, _ = health.ledger.current()  # the last figures read if this read failed
    devices: dict[str, Any] = {name: {"health": h.value} for name, h in health.devices().items()}
    printer = health.core.devices.printer
    if printer is not None and printer.name in devices:
        paper = health.paper(ask=ask)
        devices[printer.name]["paper"] = None if paper is None else paper.value
    round_trip = health.calls.last_round_trip_s()
    return {
        "automat_id": automat_id,
        "written_at": now,
        "started_at": started_at,
        "interval_s": interval_s,
        "version": version[:32],
        "stopped": stopped,
        "in_service": status is not None and status.in_service,
        "reason": STARTING if status is None else status.reason,
        "payment_methods": [] if status is None else list(status.methods),
        "devices": devices,
        "fbs_ok": status is not None and status.fbs_ok,
        "fbs_round_trip_ms": None if round_trip is None else round(round_trip * 1000),
        "fbs_outbox_pending": figures.fbs_pending,
        "fbs_oldest_pending": figures.fbs_oldest_pending,
        "fbs_follow_up": figures.fbs_follow_up,
        "debtor_pending": figures.debtor_pending,
        "debtor_oldest_pending": figures.debtor_oldest_pending,
        "last_export": figures.last_export,
        "ledger_fault_episodes": health.watch.episodes,
    }


@ledger_write
def write_heartbeat(engine: Engine, row: dict[str, Any]) -> None:
    """Insert or overwrite the automat's row; :class:`LedgerUnavailable` when the database
    cannot take it."""
    table = AutomatHeartbeat.__table__
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**row)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.automat_id],
        set_={key: statement.excluded[key] for key in row if key != "automat_id"},
    )
    with engine.begin() as conn:
        conn.execute(statement)
