"""tenders.resolve_token: what the card terminal driver needs to resolve an unknown outcome

Revision ID: 0005_card_token
Revises: 0004_debtor
Create Date: 2026-11-26

The ZVT driver tells its authorisation apart from others by the terminal's last trace number from
just before it. Written (durably) before the authorisation goes out and passed back to
``CardTerminal.resolve`` by recovery, so an outcome lost with the process is still resolved after
a restart. A nullable column: tenders other than pending card payments never have one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_card_token"
down_revision = "0004_debtor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tenders", sa.Column("resolve_token", sa.String(128), nullable=True))


def downgrade() -> None:
    op.drop_column("tenders", "resolve_token")
