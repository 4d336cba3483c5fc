"""Automat heartbeats: each automat's last word on its health, for the fleet console

Revision ID: 0011_automat_heartbeats
Revises: 0010_technician_test_money
Create Date: 2026-12-02

- ``automat_heartbeats``: one row per automat (``automat_id`` the key), overwritten every
  ``[heartbeat] interval_s`` by ``kiosk.heartbeat``: when, since when it runs, its interval and
  version, whether it stopped cleanly, ``kiosk.service``'s verdict and reason, the payment
  methods that work, each device's health and paper (JSON), FBS's state and last round trip,
  the outbox and debtor backlogs with their oldest items, the last export, ledger-fault
  episodes. Nothing references it and it holds no money, so a downgrade just drops it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_automat_heartbeats"
down_revision = "0010_technician_test_money"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "automat_heartbeats",
        sa.Column("automat_id", sa.String(32), nullable=False),
        sa.Column("written_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("stopped", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("in_service", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payment_methods", sa.JSON(), nullable=False),
        sa.Column("devices", sa.JSON(), nullable=False),
        sa.Column("fbs_ok", sa.Boolean(), nullable=False),
        sa.Column("fbs_round_trip_ms", sa.Integer(), nullable=True),
        sa.Column("fbs_outbox_pending", sa.Integer(), nullable=False),
        sa.Column("fbs_oldest_pending", sa.DateTime(), nullable=True),
        sa.Column("fbs_follow_up", sa.Integer(), nullable=False),
        sa.Column("debtor_pending", sa.Integer(), nullable=False),
        sa.Column("debtor_oldest_pending", sa.DateTime(), nullable=True),
        sa.Column("last_export", sa.DateTime(), nullable=True),
        sa.Column("ledger_fault_episodes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("automat_id", name=op.f("pk_automat_heartbeats")),
    )


def downgrade() -> None:
    op.drop_table("automat_heartbeats")
