"""The data folder, the ledger, its schema and the free disk space for ``kiosk doctor``.

The folder and ledger rules are the start-up's own (:mod:`kiosk.preflight`), with one difference:
the doctor changes no ledger. A ledger not at head is a ``FAIL`` (``kiosk migrate`` brings it
there): an installation or upgrade migrates it (the package runs ``kiosk migrate``), so one that
is behind is an upgrade that did not finish, found before the automat is started. ``kiosk run``
would try the same upgrade at its start; with ``--demo`` (``kiosk demo`` creates its own ledger)
it is a ``warn``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.doctor.lines import Line, Result, Status, checked
from kiosk.preflight import StorageProblem, check_folder, read_ledger, sqlite_path, too_new

if TYPE_CHECKING:
    from kiosk.config import KioskConfig

#: how long the doctor waits for a PostgreSQL server to answer
CONNECT_TIMEOUT_S = 10
MB = 1024 * 1024


def _problem(name: str, exc: StorageProblem) -> Result:
    what = "" if exc.what == name else f"{exc.what} "
    return Status.FAIL, f"{what}{exc.path}: {exc.problem}"


class StorageChecks:
    """Four lines: ``data folder``, ``ledger``, ``ledger schema`` (which needs what ``ledger``
    read) and ``disk``."""

    def __init__(self, config: KioskConfig, *, demo: bool = False) -> None:
        self.config = config
        #: ``kiosk demo`` creates or upgrades its ledger as it starts: not at head is a warn
        self.behind = Status.WARN if demo else Status.FAIL
        self.sqlite = sqlite_path(config)
        #: the revisions stamped in the ledger (None: no tables yet), once ``ledger`` read them
        self.stamped: set[str] | None = None
        self.read = False
        #: the ledger as lines name it: its file, or its URL without the password
        self.where = str(self.sqlite) if self.sqlite is not None else ""

    def lines(self) -> Iterator[Line]:
        yield checked("data folder", self.data_folder)
        yield checked("ledger", self.ledger)
        yield checked("ledger schema", self.schema)
        yield checked("disk", self.disk)

    def data_folder(self) -> Result:
        folder = self.config.database.data_dir
        try:
            check_folder("data folder", folder)
        except StorageProblem as exc:
            return _problem("data folder", exc)
        return Status.OK, f"{folder} takes files"

    def ledger(self) -> Result:
        if self.sqlite is None:
            return self._server_ledger()
        try:
            if self.sqlite.parent != self.config.database.data_dir:
                check_folder("ledger folder", self.sqlite.parent)
            self.stamped = read_ledger(self.sqlite)
        except StorageProblem as exc:
            return _problem("ledger", exc)
        self.read = True
        if not self.sqlite.exists():
            return Status.OK, f"SQLite {self.sqlite} (not created yet)"
        return Status.OK, f"SQLite {self.sqlite}"

    def _server_ledger(self) -> Result:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import SQLAlchemyError

        from kiosk.ledger.db import make_engine
        from kiosk.ledger.migrate import stamped_revisions

        url = make_url(self.config.database_url())
        shown = self.where = url.render_as_string(hide_password=True)
        server = url.get_backend_name() == "postgresql"
        args = {"connect_timeout": CONNECT_TIMEOUT_S} if server else {}
        engine = make_engine(self.config.database_url(), connect_args=args)
        try:
            self.stamped = stamped_revisions(engine)
        except SQLAlchemyError as exc:
            reason = getattr(exc, "orig", None) or exc
            text = (str(reason).strip().splitlines() or [type(reason).__name__])[0]
            return Status.FAIL, f"{shown}: {text}"
        finally:
            engine.dispose()
        self.read = True
        return Status.OK, shown

    def schema(self) -> Result:
        if not self.read:
            return Status.WARN, "not checked: the ledger could not be read (the line above)"
        from kiosk.ledger.migrate import head_revision, scanned_head, unknown_revision

        head = scanned_head() or head_revision()
        if not self.stamped:
            return self.behind, f"{self.where}: no tables yet; `kiosk migrate` creates them"
        newer = unknown_revision(self.stamped)
        if newer is not None:
            return Status.FAIL, f"{self.where}: {too_new(newer)}"
        if self.stamped == {head}:
            return Status.OK, f"at {head}, the newest this version knows"
        at = ", ".join(sorted(self.stamped))
        return self.behind, f"{self.where}: at {at}, this version needs {head}: run `kiosk migrate`"

    def disk(self) -> Result:
        minimum = self.config.database.min_free_mb
        if self.sqlite is None:
            folder = self.config.database.data_dir
            where = f"in the data folder {folder} (the PostgreSQL ledger's disk is the server's)"
        else:
            folder = self.sqlite.parent
            where = f"in the ledger's folder {folder}"
        free_mb = shutil.disk_usage(_nearest_existing(folder)).free // MB
        detail = f"{free_mb} MB free {where}; [database] min_free_mb = {minimum}"
        return (Status.FAIL if free_mb < minimum else Status.OK), detail


def _nearest_existing(folder: Path) -> Path:
    """``folder``, or the closest parent that exists (the disk a new folder would be on)."""
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            return candidate
    return folder
