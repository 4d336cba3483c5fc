"""Bad storage never reaches a running automat: an unwritable data folder or an unreadable,
foreign, corrupt or too new ledger gives one line naming the path and the problem and exit 2, for
every command that opens the ledger, and for ``kiosk run``/``demo`` before the front end starts."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from kiosk import cli
from kiosk.ledger.db import make_engine
from kiosk.ledger.migrate import is_at_head, scanned_head, upgrade
from tests.fs_faults import read_only_folder


def migrated(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@contextlib.contextmanager
def data_folder_read_only(data: Path) -> Iterator[str]:
    with read_only_folder(data):
        yield f"data folder {data}: is not writable: "


@contextlib.contextmanager
def data_folder_is_a_file(data: Path) -> Iterator[str]:
    data.write_text("a file where the data folder should be\n")
    yield f"data folder {data}: is not a folder"


@contextlib.contextmanager
def ledger_not_a_database(data: Path) -> Iterator[str]:
    data.mkdir()
    (data / "kiosk.sqlite3").write_text("not a database: a file copied over the ledger\n")
    yield f"ledger {data / 'kiosk.sqlite3'}: is not an SQLite database"


@contextlib.contextmanager
def ledger_corrupt(data: Path) -> Iterator[str]:
    """Page 1 (the schema) damaged after its 100-byte file header, as a torn write would."""
    ledger = migrated(data / "kiosk.sqlite3")
    raw = bytearray(ledger.read_bytes())
    raw[100] = 0  # the b-tree page type of sqlite_master
    ledger.write_bytes(bytes(raw))
    yield f"ledger {ledger}: is corrupt (database disk image is malformed)"


@contextlib.contextmanager
def ledger_is_a_folder(data: Path) -> Iterator[str]:
    (data / "kiosk.sqlite3").mkdir(parents=True)
    yield f"ledger {data / 'kiosk.sqlite3'}: is not a file"


@contextlib.contextmanager
def ledger_unreadable(data: Path) -> Iterator[str]:
    if os.geteuid() == 0:
        pytest.skip("root reads every file; ledger_is_a_folder covers an unopenable ledger")
    ledger = migrated(data / "kiosk.sqlite3")
    ledger.chmod(0)
    try:
        yield f"ledger {ledger}: cannot be read and written by this user"
    finally:
        ledger.chmod(0o600)


@contextlib.contextmanager
def ledger_from_a_newer_version(data: Path) -> Iterator[str]:
    """A software downgrade: Alembic would stop with "Can't locate revision" after the paint."""
    ledger = migrated(data / "kiosk.sqlite3")
    engine = make_engine(f"sqlite:///{ledger}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    engine.dispose()
    yield f"ledger {ledger}: is at revision 0099_future, which this version of the software"


@contextlib.contextmanager
def ledger_of_another_program(data: Path) -> Iterator[str]:
    import sqlite3

    data.mkdir()
    con = sqlite3.connect(data / "kiosk.sqlite3")
    con.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    con.commit()
    con.close()
    yield f"ledger {data / 'kiosk.sqlite3'}: is an SQLite database but not a kiosk ledger"


@dataclass(frozen=True)
class Fault:
    name: str
    make: Callable[[Path], contextlib.AbstractContextManager[str]]


FAULTS = [
    Fault("data-folder-read-only", data_folder_read_only),
    Fault("data-folder-is-a-file", data_folder_is_a_file),
    Fault("ledger-not-a-database", ledger_not_a_database),
    Fault("ledger-corrupt", ledger_corrupt),
    Fault("ledger-is-a-folder", ledger_is_a_folder),
    Fault("ledger-unreadable", ledger_unreadable),
    Fault("ledger-from-a-newer-version", ledger_from_a_newer_version),
    Fault("ledger-of-another-program", ledger_of_another_program),
]

COMMANDS = [
    ["run"],
    ["run", "--check"],
    ["demo"],
    ["migrate"],
    ["audit"],
    ["report"],
    ["export", "--now"],
    ["purge", "--dry-run"],
    ["bon", "list"],
]


@pytest.fixture
def front_end(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Stands in for the Qt front end: records that it was started (the window would open)."""
    started: list[dict[str, Any]] = []

    def start(config: Any, **kwargs: Any) -> int:
        started.append({"config": config, **kwargs})
        return 0

    monkeypatch.setattr(cli, "_frontend", lambda: start)
    return started


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c))
@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
def test_bad_storage_is_one_line_and_exit_2_before_anything_starts(
    config_file: Path,
    capsys: pytest.CaptureFixture[str],
    front_end: list[dict[str, Any]],
    fault: Fault,
    command: list[str],
) -> None:
    with fault.make(config_file.parent / "data") as expected:
        code = cli.main([*command, "--config", str(config_file)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert not front_end, "the front end started (its window would have opened)"
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"kiosk: {expected}"), lines[0]


def test_a_new_ledger_is_created_at_head_before_the_window(
    config_file: Path, capsys: pytest.CaptureFixture[str], front_end: list[dict[str, Any]]
) -> None:
    assert cli.main(["run", "--config", str(config_file)]) == 0
    assert len(front_end) == 1 and front_end[0]["demo"] is False
    engine = make_engine(f"sqlite:///{config_file.parent / 'data' / 'kiosk.sqlite3'}")
    assert scanned_head() is not None and is_at_head(engine)
    engine.dispose()
    assert capsys.readouterr().err.count("kiosk:") == 0


def test_run_check_creates_the_ledger_and_opens_no_window(
    config_file: Path, capsys: pytest.CaptureFixture[str], front_end: list[dict[str, Any]]
) -> None:
    """The unit's ``ExecCondition``: with cage older than 0.2.0 (Debian 12's) ``kiosk run``'s
    exit status 2 never reaches systemd, so the check runs before cage and its status 2 skips
    the start instead of a restart every few seconds."""
    assert cli.main(["run", "--check", "--config", str(config_file)]) == 0
    assert front_end == []
    engine = make_engine(f"sqlite:///{config_file.parent / 'data' / 'kiosk.sqlite3'}")
    assert is_at_head(engine)
    engine.dispose()
    assert capsys.readouterr().err.count("kiosk:") == 0


def test_an_older_ledger_is_upgraded_by_the_check(
    config_file: Path, front_end: list[dict[str, Any]]
) -> None:
    ledger = config_file.parent / "data" / "kiosk.sqlite3"
    ledger.parent.mkdir()
    engine = make_engine(f"sqlite:///{ledger}")
    upgrade(engine, "0003")
    assert not is_at_head(engine)
    assert cli.main(["run", "--config", str(config_file)]) == 0
    assert is_at_head(engine)
    engine.dispose()


@pytest.mark.parametrize("problem", ["corrupt-ledger", "short-signing-key"])
def test_kiosk_run_itself_exits_before_its_window(config_file: Path, problem: str) -> None:
    """The real command in its own process, without a display (Qt offscreen): before this
    check the window opened and the automat ran on (the core failed on its worker, logged)."""
    if problem == "corrupt-ledger":
        with ledger_corrupt(config_file.parent / "data") as expected:
            pass
    else:
        (config_file.parent / "bon-key").write_text("too-short\n")
        expected = f"config error: {config_file}: bons.signing_key: is shorter than 32 bytes"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    try:
        result = subprocess.run(
            [sys.executable, "-m", "kiosk.cli", "run", "--config", str(config_file)],
            capture_output=True,
            text=True,
            timeout=30,
            env=env,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("kiosk run was still running after 30 s: the automat started")
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(f"kiosk: {expected}"), result.stderr
    assert "PySide6" not in result.stderr


def test_run_check_on_a_ledger_at_head_loads_neither_qt_nor_the_ledgers_tables(
    config_file: Path,
) -> None:
    """It runs before every start of the automat (the unit's ``ExecCondition``): the
    configuration and the SQLite file's header only. The first check migrates (Alembic and
    SQLAlchemy come in then, as for ``kiosk migrate``); the next reads and loads nothing more."""
    probe = (
        "import sys; from kiosk import cli;"
        f" code = cli.main(['run', '--check', '--config', {str(config_file)!r}]);"
        " print(code, sorted(m for m in ('PySide6', 'sqlalchemy', 'alembic') if m in sys.modules))"
    )

    def check() -> str:
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert check() == "0 ['alembic', 'sqlalchemy']"  # the new ledger created at head
    assert check() == "0 []"
