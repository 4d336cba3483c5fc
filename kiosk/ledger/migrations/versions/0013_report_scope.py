"""Drop the sessions' automat index that the reports' index already covers

Revision ID: 0013_report_scope
Revises: 0012_report_indexes
Create Date: 2026-12-12

``ix_citizen_sessions_automat_id`` (automat_id) is a prefix of
``ix_citizen_sessions_automat_started`` (automat_id, started_at, migration 0012), which answers
every lookup by automat as well. Kept, it misled PostgreSQL's planner: where sessions lie on
disk in automat order (a fleet's ledger loaded automat by automat, as bench/console.py's is),
the single-column index looks almost sequential, so the planner walked every session of the
year through it and filtered the month out (250 ms) instead of reading the month's sessions
through the composite index (35 ms; EXPLAIN ANALYZE in docs/architecture.md, *Reports*). One
index less also costs each session insert less. The downgrade recreates it.
"""

from __future__ import annotations

from alembic import op

revision = "0013_report_scope"
down_revision = "0012_report_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_citizen_sessions_automat_id", table_name="citizen_sessions")


def downgrade() -> None:
    op.create_index("ix_citizen_sessions_automat_id", "citizen_sessions", ["automat_id"])
