"""Apply Alembic migrations (``kiosk migrate`` and at start-up): automats in the field upgrade.

Alembic (and Mako under it) costs ~17 MB and ~0.13 s to import, and at nearly every start the
ledger is already at head. So :func:`upgrade` first compares the revision stamped in
``alembic_version`` (one plain query) with the head read from the migration files' own
``revision``/``down_revision`` lines (parsed, not imported), and imports Alembic only when they
differ or the answer is not certain (no table, several heads, a revision it does not know).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the ledger to ``revision``; a ledger already at head costs one query."""
    if revision == "head" and is_at_head(engine):
        return
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def unknown_revision(stamped: set[str] | None) -> str | None:
    """The first revision stamped in a ledger that this version's migrations do not know (the
    ledger was written by a newer version), or None. Imports Alembic."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    script = ScriptDirectory.from_config(alembic_config())
    for revision in sorted(stamped or ()):
        try:
            script.get_revision(revision)
        except CommandError:
            return revision
    return None


def _assigned(tree: ast.Module, name: str) -> object:
    for node in tree.body:
        value = None
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
        ) or (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == name
        ):
            value = node.value
        if value is not None:
            return ast.literal_eval(value)
    raise ValueError(f"no {name}")


def scanned_head(versions: Path = MIGRATIONS / "versions") -> str | None:
    """The single head revision named by the migration files, or None when that is not plain
    (several heads, a file whose revision is not a literal): then Alembic decides."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for file in versions.glob("*.py"):
        try:
            # the identifiers sit above the first function: parsing only that part is ~20x
            # cheaper (this runs before the first paint); a cut that does not parse → None
            tree = ast.parse(file.read_text(encoding="utf-8").split("\ndef ", 1)[0])
            revision = _assigned(tree, "revision")
            down = _assigned(tree, "down_revision")
        except (ValueError, SyntaxError, OSError):
            return None
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        downs = down if isinstance(down, tuple | list) else (down,)
        parents.update(d for d in downs if isinstance(d, str))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def stamped_revisions(engine: Engine) -> set[str] | None:
    """What ``alembic_version`` holds (one plain query), or None when the table is absent."""
    from sqlalchemy import inspect, text  # not at import: the start-up check needs scanned_head

    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        return {row[0] for row in conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))}


def is_at_head(engine: Engine) -> bool:
    head = scanned_head()
    return head is not None and stamped_revisions(engine) == {head}
