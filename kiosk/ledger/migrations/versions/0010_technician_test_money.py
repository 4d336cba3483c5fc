"""Money a technician puts in while testing the coin acceptor and note validator

Revision ID: 0010_technician_test_money
Revises: 0009_cash_box_emptying
Create Date: 2026-12-01

- ``allocations.kind``: ``technician_test`` beside ``claim`` and ``cash_rounding``. A coin (or a
  note counted as a test) taken in technician mode's cash test is in the cash box, so it is a
  tender like any other (counted into the box's expected contents); its allocation says where
  it went: to a test, not to a claim and not to a citizen's credit (``kiosk.staff.device_tests``).
  The kind CHECK changes, so SQLite rebuilds the table (batch mode); nothing references
  ``allocations``, so that is safe with foreign keys on.
- Downgrade is refused while test money is in the ledger: turning it into anything else would
  make the finance office's figures say something that did not happen.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_technician_test_money"
down_revision = "0009_cash_box_emptying"
branch_labels = None
depends_on = None

KINDS = "kind IN ('claim', 'cash_rounding', 'technician_test')"
OLD_KINDS = "kind IN ('claim', 'cash_rounding')"


def upgrade() -> None:
    with op.batch_alter_table("allocations") as batch:
        batch.drop_constraint(op.f("ck_allocations_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_allocations_kind"), sa.text(KINDS))


def downgrade() -> None:
    tests = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM allocations WHERE kind = 'technician_test'")
    )
    if tests:
        raise RuntimeError(
            f"{tests} technician test allocation(s) in the ledger: not downgrading past 0010"
        )
    with op.batch_alter_table("allocations") as batch:
        batch.drop_constraint(op.f("ck_allocations_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_allocations_kind"), sa.text(OLD_KINDS))
