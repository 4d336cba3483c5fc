"""The audit log indexed by automat and time

Revision ID: 0014_audit_automat_index
Revises: 0013_report_scope
Create Date: 2026-11-28

The fleet console lists the automats a ledger knows on its report and emptyings pages
(``kiosk.ledger.automats``: one index probe per automat in each table that names one); the audit
log had no index on ``automat_id``, so that read every staff action ever recorded. The same index
serves a report's staff actions (bons issued and voided at an automat in a period) and the
console's audit log filtered by automat. An index only: the downgrade drops it.
"""

from __future__ import annotations

from alembic import op

revision = "0014_audit_automat_index"
down_revision = "0013_report_scope"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_log_automat_at", "audit_log", ["automat_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_automat_at", table_name="audit_log")
