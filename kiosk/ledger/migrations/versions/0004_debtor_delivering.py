"""export batch staged_at: the complete file sits at the delivery target under a temporary name

Revision ID: 0004_debtor
Revises: 0003
Create Date: 2026-11-25

Without it a crash between renaming the file at the target and recording the delivery would leave
the exporter unable to tell "renamed, maybe already imported" from "never sent". A column, not a
new state: changing the state CHECK would make SQLite rebuild the table that the outbox points
at, which fails with foreign keys on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_debtor"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("export_batches", sa.Column("staged_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("export_batches", "staged_at")  # SQLite ≥ 3.35 drops a column in place
