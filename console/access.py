"""Who may open which page: each view is declared with the :class:`Permission` it needs
(:func:`page`), recorded in :data:`PERMISSIONS`; a request to anything not declared is refused
before it runs. The roles behind each permission are ``kiosk.staff.roles.GRANTS``, the same table
the automat's staff mode asks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, g, redirect, request, url_for

from console.audit import audit
from console.context import done_reading
from kiosk.staff.roles import Permission, StaffUser

F = TypeVar("F", bound=Callable[..., Any])

#: endpoint → the permission it needs (None: any logged-in member of staff)
PERMISSIONS: dict[str, Permission | None] = {}
#: endpoints anyone may open without logging in
PUBLIC = frozenset({"auth.login", "static", "i18n.switch"})
#: endpoints that only read: they keep the request's read connection (``context.reading``)
READS_ONLY: set[str] = set()


def current_user() -> StaffUser | None:
    return g.get("user")


def page(
    bp: Blueprint, rule: str, permission: Permission | None, *, methods: tuple[str, ...] = ("GET",),
    reads_only: bool = False,
) -> Callable[[F], F]:
    """Register ``view`` at ``rule``: not logged in → the login page; logged in without
    ``permission`` → 403, audit-logged. ``reads_only``: the view writes nothing and reads through
    ``context.reading()``, in the login check's transaction."""

    def register(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.path))
            if permission is not None and not user.may(permission):
                done_reading()  # the audit entry is a write
                audit(user, None, "console_not_permitted", needs=permission.value,
                      path=request.path)
                abort(403)
            return view(*args, **kwargs)

        PERMISSIONS[f"{bp.name}.{view.__name__}"] = permission
        if reads_only:
            READS_ONLY.add(f"{bp.name}.{view.__name__}")
        bp.add_url_rule(rule, view_func=guarded, methods=list(methods))
        return guarded  # type: ignore[return-value]

    return register


def keeps_reading(endpoint: str | None) -> bool:
    """Whether a request's view may go on reading in the login check's transaction."""
    return endpoint in READS_ONLY


def declared(endpoint: str | None) -> bool:
    """Whether a request's endpoint was declared with :func:`page` or is public."""
    return endpoint is not None and (endpoint in PUBLIC or endpoint in PERMISSIONS)
