"""outbox.lease_owner, lease_until: one sender at a time per FBS registration

Revision ID: 0007_outbox_lease
Revises: 0006_device_positions
Create Date: 2026-11-28

The receipt service sends a session's registration at once while the outbox worker may pick the
same item in its round. Over REST the orderId makes a second request harmless; over SIP2 nothing
on FBS's side is known to deduplicate a repeated 37. So a sender first claims the item (a
conditional UPDATE that succeeds only while no live lease is held) and clears the lease with the
answer; a sender that dies holding it loses it when it expires, and the item is sent later.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_outbox_lease"
down_revision = "0006_device_positions"
branch_labels = None
depends_on = None


def upgrade() -> None:  # plain columns: no table rebuild under the foreign keys (see 0004)
    op.add_column("outbox", sa.Column("lease_owner", sa.String(64), nullable=True))
    op.add_column("outbox", sa.Column("lease_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("outbox", "lease_until")
    op.drop_column("outbox", "lease_owner")
