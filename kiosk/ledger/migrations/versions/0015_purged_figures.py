"""What the retention purge deleted, kept as a tally so the metrics' counters never go down

Revision ID: 0015_purged_figures
Revises: 0014_audit_automat_index
Create Date: 2026-11-28

- ``purged_figures``: per automat, figure (``sessions``, ``payments``, ``payments_ore``) and key
  (a session's end state, a payment method), the count or øre of the sessions and payments the
  retention purge deleted (``kiosk.ledger.tallies``). The metrics add it to what the ledger
  still holds: Prometheus reads a counter that goes down as a restart from zero. Empty until the
  first purge of sessions older than ``database.retention_years``; a downgrade drops it (the
  counters then fall back by what was purged).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_purged_figures"
down_revision = "0014_audit_automat_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "purged_figures",
        sa.Column("automat_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(16), nullable=False),
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("automat_id", "name", "key", name=op.f("pk_purged_figures")),
    )


def downgrade() -> None:
    op.drop_table("purged_figures")
