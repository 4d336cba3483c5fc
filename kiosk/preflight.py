"""Before anything starts: the data folder is writable and the SQLite ledger is a database this
version can open, or one line saying which path and what is wrong (``kiosk`` exits 2).

``kiosk run`` builds its core on a worker after the first paint, so without this a corrupt ledger
or a read-only data folder showed up as a traceback in the log behind an automat that looked
ready. The check runs in the GUI process before the window, so it is cheap: the standard library's
``sqlite3`` reads the file's header, schema and ``alembic_version``; only when the ledger is not
at head (a new installation, a software update) are SQLAlchemy and Alembic imported to create or
upgrade it, which ``build_core`` would otherwise do right after the paint. Deep corruption inside a
table is not looked for (that would read the whole file); a write that fails later is a ledger
fault the session handles (``LEDGER_FAULT``).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.config import KioskConfig


class StorageProblem(Exception):
    """The data folder or the ledger cannot be used: ``WHAT PATH: what is wrong``."""

    def __init__(self, what: str, path: Path, problem: str) -> None:
        self.what, self.path, self.problem = what, path, problem
        super().__init__(f"{what} {path}: {problem}")


def sqlite_path(config: KioskConfig) -> Path | None:
    """The ledger's file, or None when the ledger is not an SQLite file (PostgreSQL, memory)."""
    url = config.database_url()
    scheme, _, rest = url.partition("://")
    if scheme.split("+")[0] != "sqlite" or not rest.startswith("/"):
        return None
    database = rest[1:].split("?")[0]
    return Path(database) if database and database != ":memory:" else None


def check_storage(config: KioskConfig) -> None:
    """Raise :class:`StorageProblem` for the first problem with the data folder or the ledger;
    create or upgrade the ledger when it is not at head."""
    data_dir = config.database.data_dir
    check_folder("data folder", data_dir)
    ledger = sqlite_path(config)
    if ledger is None:
        return
    if ledger.parent != data_dir:
        check_folder("ledger folder", ledger.parent)
    stamped = read_ledger(ledger)
    from kiosk.ledger.migrate import scanned_head

    head = scanned_head()
    if head is None or stamped != {head}:
        _upgrade(config, ledger, stamped)


def check_folder(what: str, folder: Path) -> None:
    """``folder`` exists (created if missing) and takes a new file, or :class:`StorageProblem`
    (``kiosk doctor`` asks the same of the debtor delivery folder)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise StorageProblem(what, folder, "is not a folder") from None
    except OSError as exc:
        raise StorageProblem(what, folder, f"cannot be created: {exc.strerror or exc}") from None
    if not folder.is_dir():
        raise StorageProblem(what, folder, "is not a folder")
    try:  # as root, permission bits say nothing: only a real write tells (read-only mounts)
        fd, name = tempfile.mkstemp(prefix=".kiosk-write-check-", dir=folder)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise StorageProblem(what, folder, f"is not writable: {exc.strerror or exc}") from None


def read_ledger(path: Path) -> set[str] | None:
    """The revisions stamped in an existing ledger; None for a new (absent or empty) one. Opens
    it read-write (so a file this user cannot write is found) but changes no data."""
    if not path.exists():
        return None
    if not path.is_file():
        raise StorageProblem("ledger", path, "is not a file")
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{path}{suffix}")
        if part.exists() and not os.access(part, os.R_OK | os.W_OK):
            raise StorageProblem("ledger", part, "cannot be read and written by this user")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=10)
    except sqlite3.Error as exc:
        raise StorageProblem("ledger", path, f"cannot be opened: {exc}") from None
    try:
        con.execute("PRAGMA schema_version").fetchone()  # the header: is it a database at all
        tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master")}  # page 1 on
        if "alembic_version" in tables:
            return {row[0] for row in con.execute("SELECT version_num FROM alembic_version")}
    except sqlite3.DatabaseError as exc:
        raise StorageProblem("ledger", path, _sqlite_problem(exc)) from None
    finally:
        con.close()
    if tables:
        raise StorageProblem(
            "ledger", path, "is an SQLite database but not a kiosk ledger (no alembic_version)"
        )
    return None


def too_new(revision: str) -> str:
    return (
        f"is at revision {revision}, which this version of the software does not know "
        "(was it written by a newer version?)"
    )


def _sqlite_problem(exc: sqlite3.DatabaseError) -> str:
    name = getattr(exc, "sqlite_errorname", "")
    if name == "SQLITE_NOTADB":
        return "is not an SQLite database (file is not a database)"
    if name == "SQLITE_CORRUPT":
        return f"is corrupt ({exc}); keep the file and see docs/operations.md"
    return f"cannot be read: {exc}"


def _upgrade(config: KioskConfig, path: Path, stamped: set[str] | None) -> None:
    """Create or upgrade the ledger now (what ``build_core`` would do after the paint), so a
    revision this version does not know, or a migration that fails, stops the start here."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from kiosk.ledger.db import make_engine
    from kiosk.ledger.migrate import unknown_revision, upgrade

    newer = unknown_revision(stamped)
    if newer is not None:
        raise StorageProblem("ledger", path, too_new(newer))
    engine = make_engine(config.database_url())
    try:
        upgrade(engine)
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        first = str(reason).splitlines()[0] if str(reason) else type(reason).__name__
        raise StorageProblem("ledger", path, f"cannot be upgraded: {first}") from None
    except CommandError as exc:
        raise StorageProblem("ledger", path, f"cannot be upgraded: {exc}") from None
    finally:
        engine.dispose()
