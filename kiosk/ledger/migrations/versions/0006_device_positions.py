"""device_positions: where each cash acceptor stood at the newest event the ledger recorded

Revision ID: 0006_device_positions
Revises: 0005_card_token
Create Date: 2026-11-28

A coin acceptor keeps its last five events and an event counter; a note validator may keep
counters. The driver hands over, with every credit and after events without money, what the device
said about it (``event_ref``, e.g. ``cctalk:<serial>:<counter>``). The newest one per device is kept
here, written in the same transaction as the credit it belongs to, and given back to the driver at
the next start so that money the device took while no process was recording it is found.
``stopped_cleanly``: the automat stopped with every event of the device recorded (a later power
cycle, which empties a coin acceptor's buffer, then loses nothing); any later move clears it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_device_positions"
down_revision = "0005_card_token"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_positions",
        sa.Column("automat_id", sa.String(32), nullable=False),
        sa.Column("device", sa.String(32), nullable=False),
        sa.Column("event_ref", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("stopped_cleanly", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("automat_id", "device", name="pk_device_positions"),
    )


def downgrade() -> None:
    op.drop_table("device_positions")
