"""staff_accounts: staff who log in at the automat (staff, technician, administrator)

Revision ID: 0008_staff_accounts
Revises: 0007_outbox_lease
Create Date: 2026-12-01

One row per member of staff, for the whole database: on a fleet's PostgreSQL one account works at
every automat. The PIN is an argon2id hash (of the PIN keyed with the installation's secret), a
staff card a keyed hash of what the reader reads; neither is stored as typed or read. Five wrong
PINs lock the account for five minutes (``failed_tries``, ``locked_until``, moved by atomic
UPDATEs in ``kiosk.staff.accounts``). A removed account keeps its row so that its number in the
audit log keeps naming one person.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_staff_accounts"
down_revision = "0007_outbox_lease"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("staff_no", sa.String(12), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("roles", sa.String(64), nullable=False),
        sa.Column("pin_hash", sa.String(255), nullable=False),
        sa.Column("card_hash", sa.String(64), nullable=True),
        sa.Column("failed_tries", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.Column("removed_by", sa.String(64), nullable=True),
        sa.CheckConstraint("roles <> ''", name=op.f("ck_staff_accounts_roles")),
        sa.CheckConstraint("failed_tries >= 0", name=op.f("ck_staff_accounts_failed_tries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_accounts")),
        sa.UniqueConstraint("staff_no", name=op.f("uq_staff_accounts_staff_no")),
        sa.UniqueConstraint("card_hash", name=op.f("uq_staff_accounts_card_hash")),
    )


def downgrade() -> None:
    op.drop_table("staff_accounts")
