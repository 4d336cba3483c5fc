"""The role table: the issue's separation of staff, technician and administrator, in one place."""

from __future__ import annotations

import pytest

from kiosk.ledger.models import STAFF_ROLES
from kiosk.staff.roles import GRANTS, Permission, Role, StaffUser, parse_roles, roles_text

DESK_WORK = [
    Permission.ISSUE_BON,
    Permission.VOID_BON,
    Permission.REPRINT,
    Permission.Z_REPORT,
    Permission.FOLLOW_UP,
]
MACHINE_WORK = [Permission.EMPTY_CASH_BOX, Permission.TECHNICIAN]


def user(*roles: Role) -> StaffUser:
    return StaffUser("17", "Test", frozenset(roles))


def test_every_permission_is_in_the_table_and_the_roles_are_the_ledgers() -> None:
    assert set(GRANTS) == set(Permission)
    assert tuple(r.value for r in Role) == STAFF_ROLES


def test_staff_do_the_desk_work_and_nothing_of_the_machine() -> None:
    staff = user(Role.STAFF)
    assert all(staff.may(p) for p in DESK_WORK)
    assert not staff.may(Permission.EMPTY_CASH_BOX)
    assert not staff.may(Permission.TECHNICIAN)
    assert not staff.may(Permission.MANAGE_STAFF)


def test_a_technician_issues_no_bons_unless_also_staff() -> None:
    technician = user(Role.TECHNICIAN)
    assert all(technician.may(p) for p in MACHINE_WORK)
    assert not any(technician.may(p) for p in DESK_WORK)
    assert not technician.may(Permission.MANAGE_STAFF)
    both = user(Role.TECHNICIAN, Role.STAFF)
    assert all(both.may(p) for p in DESK_WORK + MACHINE_WORK)
    assert not both.may(Permission.MANAGE_STAFF)


def test_an_administrator_may_do_everything() -> None:
    admin = user(Role.ADMINISTRATOR)
    assert all(admin.may(p) for p in Permission)


def test_the_audit_role_is_the_least_powerful_that_allows_it() -> None:
    both = user(Role.STAFF, Role.ADMINISTRATOR)
    assert both.role_for(Permission.ISSUE_BON) is Role.STAFF
    assert both.role_for(Permission.MANAGE_STAFF) is Role.ADMINISTRATOR
    assert both.main_role is Role.ADMINISTRATOR
    assert user(Role.TECHNICIAN).role_for(Permission.ISSUE_BON) is None


def test_roles_parse_from_text_and_are_kept_in_table_order() -> None:
    roles = parse_roles("Administrator, staff")
    assert roles == {Role.ADMINISTRATOR, Role.STAFF}
    assert roles_text(roles) == "staff administrator"
    assert parse_roles(roles_text(roles)) == roles
    with pytest.raises(ValueError, match="ukendt rolle 'boss'"):
        parse_roles("staff boss")
    with pytest.raises(ValueError, match="mindst én rolle"):
        parse_roles(" , ")


def test_the_finance_office_reads_reports_and_debtor_batches_and_nothing_else() -> None:
    finance = user(Role.FINANCE)
    allowed = {p for p in Permission if finance.may(p)}
    assert allowed == {Permission.Z_REPORT, Permission.DEBTOR_BATCHES}


def test_only_an_administrator_reads_the_audit_log_and_machine_roles_see_the_fleet() -> None:
    assert [r for r in Role if user(r).may(Permission.AUDIT_LOG)] == [Role.ADMINISTRATOR]
    assert {r for r in Role if user(r).may(Permission.FLEET_STATUS)} == {
        Role.TECHNICIAN, Role.ADMINISTRATOR
    }
