"""initial ledger

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("automat_id", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "cash_box_emptyings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("automat_id", sa.String(length=32), nullable=False),
        sa.Column("device", sa.String(length=32), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("total_ore", sa.BigInteger(), nullable=False),
        sa.Column("emptied_by", sa.String(length=64), nullable=False),
        sa.Column("emptied_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_box_emptyings")),
    )
    op.create_table(
        "cash_inventory",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("automat_id", sa.String(length=32), nullable=False),
        sa.Column("device", sa.String(length=32), nullable=False),
        sa.Column("denomination_ore", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_inventory")),
        sa.UniqueConstraint(
            "automat_id", "device", "denomination_ore", name=op.f("uq_cash_inventory_automat_id")
        ),
    )
    op.create_table(
        "citizen_sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("automat_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("patron_id", sa.String(length=64), nullable=True),
        sa.Column("selection_committed", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("end_reason", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "state IN ('idle', 'identifying', 'pin', 'loading_claims', 'claims', 'choosing_tender', 'paying', 'settling', 'receipt', 'done', 'cancelled', 'timed_out', 'recovered')",
            name=op.f("ck_citizen_sessions_state"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_sessions")),
    )
    with op.batch_alter_table("citizen_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_citizen_sessions_automat_id"), ["automat_id"], unique=False
        )

    op.create_table(
        "export_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("automat_id", sa.String(length=32), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("profile", sa.String(length=32), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("total_ore", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "state IN ('writing', 'written', 'delivered')", name=op.f("ck_export_batches_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_batches")),
        sa.UniqueConstraint("automat_id", "sequence", name="uq_export_batches_automat_sequence"),
    )
    op.create_table(
        "allocations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("claim_id", sa.String(length=64), nullable=True),
        sa.Column("claim_kind", sa.String(length=16), nullable=True),
        sa.Column("payable_in", sa.String(length=8), nullable=False),
        sa.Column("amount_ore", sa.BigInteger(), nullable=False),
        sa.Column("patron_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('claim', 'cash_rounding')", name=op.f("ck_allocations_kind")),
        sa.CheckConstraint(
            "payable_in IN ('fbs', 'debtor', 'none')", name=op.f("ck_allocations_payable_in")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["citizen_sessions.id"],
            name=op.f("fk_allocations_session_id_citizen_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
        sa.UniqueConstraint("session_id", "claim_id", name="uq_allocations_session_claim"),
    )
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allocations_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_allocations_session_id"), ["session_id"], unique=False)

    op.create_table(
        "bons",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("short_code", sa.String(length=16), nullable=False),
        sa.Column("amount_ore", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("issuer", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("origin_session_id", sa.String(length=36), nullable=True),
        sa.Column("redeemed_session_id", sa.String(length=36), nullable=True),
        sa.Column("redeemed_at", sa.DateTime(), nullable=True),
        sa.Column("voided_at", sa.DateTime(), nullable=True),
        sa.Column("voided_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "reason IN ('desk_cash', 'automat_credit', 'remainder')", name=op.f("ck_bons_reason")
        ),
        sa.CheckConstraint("state IN ('issued', 'redeemed', 'voided')", name=op.f("ck_bons_state")),
        sa.CheckConstraint("amount_ore > 0", name=op.f("ck_bons_amount")),
        sa.ForeignKeyConstraint(
            ["origin_session_id"],
            ["citizen_sessions.id"],
            name=op.f("fk_bons_origin_session_id_citizen_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["redeemed_session_id"],
            ["citizen_sessions.id"],
            name=op.f("fk_bons_redeemed_session_id_citizen_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bons")),
        sa.UniqueConstraint("short_code", name=op.f("uq_bons_short_code")),
    )
    with op.batch_alter_table("bons", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bons_origin_session_id"), ["origin_session_id"], unique=False
        )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("amount_ore", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(state IN ('done', 'exported')) = (done_at IS NOT NULL)",
            name=op.f("ck_outbox_done_at_matches_state"),
        ),
        sa.CheckConstraint(
            "kind IN ('fbs_registration', 'debtor_item')", name=op.f("ck_outbox_kind")
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'done', 'refused', 'exported')", name=op.f("ck_outbox_state")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["export_batches.id"], name=op.f("fk_outbox_batch_id_export_batches")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["citizen_sessions.id"],
            name=op.f("fk_outbox_session_id_citizen_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_session_id"), ["session_id"], unique=False)
        batch_op.create_index("ix_outbox_state_next", ["state", "next_attempt_at"], unique=False)

    op.create_table(
        "tenders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("amount_ore", sa.BigInteger(), nullable=False),
        sa.Column("denomination_ore", sa.BigInteger(), nullable=True),
        sa.Column("device", sa.String(length=32), nullable=True),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("receipt_text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('coin', 'note', 'card', 'bon')", name=op.f("ck_tenders_kind")),
        sa.CheckConstraint(
            "state IN ('received', 'pending', 'outcome_unknown', 'declined', 'reversed')",
            name=op.f("ck_tenders_state"),
        ),
        sa.CheckConstraint("amount_ore >= 0", name=op.f("ck_tenders_amount")),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["citizen_sessions.id"],
            name=op.f("fk_tenders_session_id_citizen_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenders")),
    )
    with op.batch_alter_table("tenders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tenders_session_id"), ["session_id"], unique=False)

    op.create_table(
        "refunds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=True),
        sa.Column("amount_ore", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["citizen_sessions.id"],
            name=op.f("fk_refunds_session_id_citizen_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["tender_id"], ["tenders.id"], name=op.f("fk_refunds_tender_id_tenders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
    )
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refunds_session_id"), ["session_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refunds_session_id"))

    op.drop_table("refunds")
    with op.batch_alter_table("tenders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tenders_session_id"))

    op.drop_table("tenders")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_state_next")
        batch_op.drop_index(batch_op.f("ix_outbox_session_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_batch_id"))

    op.drop_table("outbox")
    with op.batch_alter_table("bons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bons_origin_session_id"))

    op.drop_table("bons")
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocations_session_id"))
        batch_op.drop_index(batch_op.f("ix_allocations_claim_id"))

    op.drop_table("allocations")
    op.drop_table("export_batches")
    with op.batch_alter_table("citizen_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citizen_sessions_automat_id"))

    op.drop_table("citizen_sessions")
    op.drop_table("cash_inventory")
    op.drop_table("cash_box_emptyings")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
