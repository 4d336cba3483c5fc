"""The functions in the page header: each page module lists its own (``MENU``), shown only to a
user whose roles grant the permission (``StaffUser.may``)."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.staff.roles import Permission, StaffUser


@dataclass(frozen=True, slots=True)
class MenuItem:
    endpoint: str
    label: str  # English, marked with N_; shown with _()
    permission: Permission | None


def visible(items: list[MenuItem], user: StaffUser | None) -> list[MenuItem]:
    if user is None:
        return []
    return [i for i in items if i.permission is None or user.may(i.permission)]
