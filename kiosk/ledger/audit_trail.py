"""Reading the audit log back (the fleet console's audit page): filtered by period, automat,
actor and action, newest first, a page at a time. Every filter is a bound parameter; the details
come back as ``key=value`` text with anything CPR-shaped masked (:func:`kiosk.cpr.scrub`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, or_, select
from sqlalchemy.orm import Session

from kiosk.cpr import scrub
from kiosk.ledger.models import AuditEntry

#: entries on one page of the console's audit log
PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What to look for; an empty field (or None) does not filter."""

    start: datetime | None = None  # [start, end) in UTC
    end: datetime | None = None
    automat_id: str = ""
    actor: str = ""  # exactly as the log names them (a staff number, ``os:user``)
    action: str = ""


@dataclass(frozen=True, slots=True)
class AuditLine:
    id: int
    at: datetime
    automat_id: str
    actor: str
    role: str
    action: str
    details: tuple[tuple[str, str], ...]  # (key, value as text, CPR-shaped parts masked)


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                            sort_keys=True, default=str)
    return scrub(text)


def _line(row: AuditEntry) -> AuditLine:
    details = row.details if isinstance(row.details, dict) else {"details": row.details}
    return AuditLine(
        row.id, row.at, row.automat_id, scrub(row.actor), row.role, row.action,
        tuple((scrub(str(k)), _text(v)) for k, v in sorted(details.items())),
    )


def _where(f: AuditFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.start is not None:
        where.append(AuditEntry.at >= f.start)
    if f.end is not None:
        where.append(AuditEntry.at < f.end)
    if f.automat_id:
        where.append(AuditEntry.automat_id == f.automat_id)
    if f.actor:
        where.append(AuditEntry.actor == f.actor)
    if f.action:
        where.append(AuditEntry.action == f.action)
    return where


def read_audit(
    engine: Engine, f: AuditFilter, *, before: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[AuditLine], bool]:
    """The entries matching ``f``, newest first (time, then id), at most ``limit``; with
    ``before`` (an entry's id) only those older than that entry. The flag says whether there
    are older ones (the page's "older" link)."""
    where = _where(f)
    with engine.connect() as conn:
        if before is not None:
            at = conn.scalar(select(AuditEntry.at).where(AuditEntry.id == before))
            if at is None:
                return [], False
            where.append(or_(AuditEntry.at < at, and_(AuditEntry.at == at,
                                                      AuditEntry.id < before)))
        stmt = (select(AuditEntry).where(*where)
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit + 1))
        with Session(bind=conn) as session:
            rows = list(session.scalars(stmt))
    return [_line(r) for r in rows[:limit]], len(rows) > limit


def audit_choices(engine: Engine) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The automats and the actions the log has entries of (the filter's choices), sorted."""
    with engine.connect() as conn:
        automats = conn.scalars(select(AuditEntry.automat_id).distinct()).all()
        actions = conn.scalars(select(AuditEntry.action).distinct()).all()
    return tuple(sorted(map(str, automats))), tuple(sorted(map(str, actions)))
