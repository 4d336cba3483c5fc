"""cash_box_emptyings as an emptying records it; the FBS follow-up list's parked and closed items

Revision ID: 0009_cash_box_emptying
Revises: 0008_staff_accounts
Create Date: 2026-11-30

- ``cash_box_emptyings`` existed since 0001 but nothing ever wrote it, so it is created anew with
  what an emptying records: the ledger's expected contents and the person's count per
  denomination, both totals and the difference, who (staff number and role) and when.
- ``outbox``: two states for FBS registrations FBS refused: ``parked`` (retries stopped after
  ``[fbs] refused_retry_days``, waiting on the follow-up list) and ``closed`` (a person handled
  it by hand: when, who, the outcome, a note). The state CHECK changes, so SQLite rebuilds the
  table (batch mode); nothing references ``outbox``, so that is safe with foreign keys on.
- Downgrade: a parked item becomes ``refused`` again (retried), a closed one ``done`` at the
  time it was closed (never sent again, which is what closing it meant).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_cash_box_emptying"
down_revision = "0008_staff_accounts"
branch_labels = None
depends_on = None

STATES = "state IN ('pending', 'done', 'refused', 'exported', 'parked', 'closed')"
OLD_STATES = "state IN ('pending', 'done', 'refused', 'exported')"


def upgrade() -> None:
    op.drop_table("cash_box_emptyings")
    op.create_table(
        "cash_box_emptyings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("automat_id", sa.String(32), nullable=False),
        sa.Column("device", sa.String(32), nullable=False),
        sa.Column("expected", sa.JSON(), nullable=False),
        sa.Column("expected_ore", sa.BigInteger(), nullable=False),
        sa.Column("counted", sa.JSON(), nullable=False),
        sa.Column("counted_ore", sa.BigInteger(), nullable=False),
        sa.Column("difference_ore", sa.BigInteger(), nullable=False),
        sa.Column("emptied_by", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("emptied_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "expected_ore >= 0 AND counted_ore >= 0", name=op.f("ck_cash_box_emptyings_amounts")
        ),
        sa.CheckConstraint(
            "difference_ore = counted_ore - expected_ore",
            name=op.f("ck_cash_box_emptyings_difference"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_box_emptyings")),
    )
    op.create_index(
        "ix_cash_box_emptyings_automat_at", "cash_box_emptyings", ["automat_id", "emptied_at"]
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("closed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("closed_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("closed_role", sa.String(16), nullable=True))
        batch.add_column(sa.Column("close_outcome", sa.String(24), nullable=True))
        batch.add_column(sa.Column("close_note", sa.Text(), nullable=True))
        batch.drop_constraint(op.f("ck_outbox_state"), type_="check")
        batch.create_check_constraint(op.f("ck_outbox_state"), sa.text(STATES))
        batch.create_check_constraint(
            op.f("ck_outbox_closed_at_matches_state"),
            sa.text("(state = 'closed') = (closed_at IS NOT NULL)"),
        )


def downgrade() -> None:
    op.execute("UPDATE outbox SET state = 'refused' WHERE state = 'parked'")
    op.execute(
        "UPDATE outbox SET state = 'done', done_at = closed_at, closed_at = NULL"
        " WHERE state = 'closed'"
    )
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint(op.f("ck_outbox_closed_at_matches_state"), type_="check")
        batch.drop_constraint(op.f("ck_outbox_state"), type_="check")
        batch.create_check_constraint(op.f("ck_outbox_state"), sa.text(OLD_STATES))
        batch.drop_column("close_note")
        batch.drop_column("close_outcome")
        batch.drop_column("closed_role")
        batch.drop_column("closed_by")
        batch.drop_column("closed_at")
    op.drop_index("ix_cash_box_emptyings_automat_at", table_name="cash_box_emptyings")
    op.drop_table("cash_box_emptyings")
    op.create_table(
        "cash_box_emptyings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("automat_id", sa.String(32), nullable=False),
        sa.Column("device", sa.String(32), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("total_ore", sa.BigInteger(), nullable=False),
        sa.Column("emptied_by", sa.String(64), nullable=False),
        sa.Column("emptied_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_box_emptyings")),
    )
