"""The console's own audit entries (log-in and log-out, refusals); the work a page asks of the core
(a bon, a closed item, an account) is audited by the core, with the request's address added by
``kiosk.ledger.repository.audit_origin``."""

from __future__ import annotations

from typing import Any

from console.context import fleet
from kiosk.ledger.repository import Ledger
from kiosk.staff.roles import Permission, StaffUser


def audit(
    user: StaffUser, permission: Permission | None, action: str, /, **details: Any
) -> None:
    """One entry naming ``user`` and the role that allowed it (the user's main role when no
    permission decides)."""
    f = fleet()
    role = (user.role_for(permission) if permission else None) or user.main_role
    Ledger(f.engine, f.console_id, f.clock).audit(user.staff_no, role.value, action, **details)
