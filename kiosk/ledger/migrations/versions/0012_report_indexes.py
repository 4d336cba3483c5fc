"""Indexes for reports over a period on a fleet's database

Revision ID: 0012_report_indexes
Revises: 0011_automat_heartbeats
Create Date: 2026-12-10

The Z-report places money in its period by when it happened (``kiosk.reports.compute``): it
reads tenders, allocations, outbox items and bons by their time, and sessions by automat and
start. Without these indexes every report read the whole of each table; on a fleet's year
(bench/console.py: 30 automats, ~500,000 sessions) a month's report took seconds. Indexes only:
no data changes, so the downgrade drops them.
"""

from __future__ import annotations

from alembic import op

revision = "0012_report_indexes"
down_revision = "0011_automat_heartbeats"
branch_labels = None
depends_on = None

#: (index, table, columns): the same names as in kiosk.ledger.models
INDEXES = (
    ("ix_citizen_sessions_automat_started", "citizen_sessions", ["automat_id", "started_at"]),
    ("ix_tenders_created_at", "tenders", ["created_at"]),
    ("ix_allocations_created_at", "allocations", ["created_at"]),
    ("ix_outbox_kind_created", "outbox", ["kind", "created_at"]),
    ("ix_bons_issued_at", "bons", ["issued_at"]),
    ("ix_bons_redeemed_at", "bons", ["redeemed_at"]),
    ("ix_export_batches_automat_created", "export_batches", ["automat_id", "created_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
