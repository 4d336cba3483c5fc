"""payment plan

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("citizen_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("transaction_ref", sa.String(length=24), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_citizen_sessions_transaction_ref"), ["transaction_ref"]
        )


def downgrade() -> None:
    with op.batch_alter_table("citizen_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_citizen_sessions_transaction_ref"), type_="unique")
        batch_op.drop_column("transaction_ref")
        batch_op.drop_column("plan")
