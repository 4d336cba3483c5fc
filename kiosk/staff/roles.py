"""Who may do what in staff and technician mode: the one table (:data:`GRANTS`).

The issue's rule: staff cannot empty the cash box or open technician functions; a technician
cannot issue bons unless also staff; an administrator may do everything, including managing
staff accounts. The finance office (the fleet console) reads the Z-reports and the debtor batches
and sends a batch again, and nothing else. Every check in the core, the automat's screens and the
console's pages asks :meth:`StaffUser.may`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """The ledger's ``STAFF_ROLES``, least powerful first."""

    STAFF = "staff"
    FINANCE = "finance"
    TECHNICIAN = "technician"
    ADMINISTRATOR = "administrator"


class Permission(StrEnum):
    ISSUE_BON = "issue_bon"
    VOID_BON = "void_bon"  # also lists the outstanding bons
    REPRINT = "reprint"  # find a citizen's session and reprint its receipt
    Z_REPORT = "z_report"
    FOLLOW_UP = "follow_up"  # close refused FBS registrations by hand
    EMPTY_CASH_BOX = "empty_cash_box"
    TECHNICIAN = "technician"  # device tests, export, configuration, logs, restart
    MANAGE_STAFF = "manage_staff"
    # the fleet console's own functions
    DEBTOR_BATCHES = "debtor_batches"  # every automat's debtor batches, and send one again
    FLEET_STATUS = "fleet_status"  # every automat's last heartbeat
    AUDIT_LOG = "audit_log"  # read the audit log


_DESK = frozenset({Role.STAFF, Role.ADMINISTRATOR})
_MACHINE = frozenset({Role.TECHNICIAN, Role.ADMINISTRATOR})

#: permission → the roles that grant it
GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.ISSUE_BON: _DESK,
    Permission.VOID_BON: _DESK,
    Permission.REPRINT: _DESK,
    Permission.Z_REPORT: _DESK | {Role.FINANCE},
    Permission.FOLLOW_UP: _DESK,
    Permission.EMPTY_CASH_BOX: _MACHINE,
    Permission.TECHNICIAN: _MACHINE,
    Permission.MANAGE_STAFF: frozenset({Role.ADMINISTRATOR}),
    Permission.DEBTOR_BATCHES: _MACHINE | {Role.FINANCE},
    Permission.FLEET_STATUS: _MACHINE,
    Permission.AUDIT_LOG: frozenset({Role.ADMINISTRATOR}),
}


def parse_roles(text: str | Iterable[str]) -> frozenset[Role]:
    """Roles from ``"staff,technician"`` (commas or spaces) or a list; ValueError naming an unknown
    one or none at all."""
    words = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    roles: set[Role] = set()
    for word in words:
        try:
            roles.add(Role(word.strip().lower()))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise ValueError(f"ukendt rolle {word!r}; vælg blandt {known}") from None
    if not roles:
        raise ValueError("en medarbejder skal have mindst én rolle (staff, finance, technician"
                         " eller administrator)")
    return frozenset(roles)


def roles_text(roles: Iterable[Role]) -> str:
    """How the ledger keeps a set of roles: in the table's order, separated by spaces."""
    chosen = set(roles)
    return " ".join(r.value for r in Role if r in chosen)


@dataclass(frozen=True, slots=True)
class StaffUser:
    """A member of staff who has logged in (what the screens carry while the mode is open)."""

    staff_no: str
    name: str
    roles: frozenset[Role]

    def may(self, permission: Permission) -> bool:
        return bool(self.roles & GRANTS[permission])

    def role_for(self, permission: Permission) -> Role | None:
        """The role under which this user may do it, the least powerful first (for the audit
        log's role column); None when no role of theirs grants it."""
        return next((r for r in Role if r in self.roles and r in GRANTS[permission]), None)

    @property
    def main_role(self) -> Role:
        """The most powerful of the user's roles (the audit log's role for logins)."""
        return next(r for r in reversed(Role) if r in self.roles)
