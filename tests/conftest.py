"""Shared fixtures: configuration files, and a ledger database on SQLite and on PostgreSQL.

PostgreSQL tests use ``KIOSK_TEST_POSTGRES_URL``. Without it they skip with one line of reason on a
laptop, and fail when ``CI`` is set: in CI they must run for real. Under pytest-xdist (``make
test`` runs two workers) each worker uses a database of its own, ``<name>_gw0`` and so on.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from kiosk.ledger.db import make_engine
from kiosk.ledger.migrate import upgrade

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
POSTGRES_ENV = "KIOSK_TEST_POSTGRES_URL"


@pytest.fixture(autouse=True)
def _drop_kiosk_log_handlers() -> Iterator[None]:
    """``kiosk.cli.main`` installs a stderr handler on the root logger, bound to the stderr of the
    moment; under pytest that is a capture stream closed after the test, and later log lines would
    end in "--- Logging error ---". A real process sets logging up once, so only tests need this."""
    yield
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_kiosk", False):
            root.removeHandler(handler)


def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV, "")
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {POSTGRES_ENV} is not: PostgreSQL tests must run in CI")
        pytest.skip(f"no PostgreSQL: set {POSTGRES_ENV} to run this test")
    return _worker_database(url)


@functools.cache
def _worker_database(url: str) -> str:
    """``url`` itself, or under pytest-xdist the worker's own database next to it (created when
    missing, which needs CREATEDB; ``.ci/run`` grants it). Every test already migrates into a
    fresh schema, so where the role may not create databases the workers share ``url``."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    own = base.set(database=f"{base.database}_{worker}")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        for attempt in range(5):
            with admin.connect() as conn:
                exists = conn.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database}
                ).first()
                if exists:
                    break
                try:
                    conn.execute(text(f'CREATE DATABASE "{own.database}"'))
                    break
                except DBAPIError as error:
                    if getattr(error.orig, "sqlstate", None) == "42501":  # no CREATEDB
                        return url
                    if attempt == 4:
                        raise
                    time.sleep(0.5)  # another run created it, or was copying template1
    finally:
        admin.dispose()
    return own.render_as_string(hide_password=False)


@contextmanager
def _fresh_schema() -> Iterator[Engine]:
    """An engine on a new, empty schema of the test PostgreSQL database, dropped afterwards."""
    url = postgres_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def _postgres_migration() -> list[tuple[str, Any]]:
    """What one Alembic upgrade of an empty schema sends to PostgreSQL, statement by statement
    (once per run, per worker)."""
    sent: list[tuple[str, Any]] = []
    with _fresh_schema() as engine:
        event.listen(
            engine, "before_cursor_execute", lambda _c, _cur, sql, params, _x, _many:
            sent.append((sql, dict(params)))
        )
        upgrade(engine)
    return sent


@pytest.fixture
def postgres_engine(_postgres_migration: list[tuple[str, Any]]) -> Iterator[Engine]:
    """A migrated ledger in a fresh schema of the test PostgreSQL database: the statements of
    one Alembic upgrade sent again, in one transaction as Alembic does (Alembic's own work was
    half of each PostgreSQL test's setup)."""
    with _fresh_schema() as engine:
        with engine.begin() as conn:
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            for sql, params in _postgres_migration:
                cursor.execute(sql, params)
        yield engine


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty ledger migrated to head once per run (per worker): Alembic is the slow part."""
    path = tmp_path_factory.mktemp("template") / "ledger.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection closes: the WAL is checkpointed into the file
    return path


@pytest.fixture
def sqlite_engine(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A migrated ledger of its own: a copy of the session's template."""
    path = tmp_path / "ledger.sqlite3"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """The ledger tests run on both databases."""
    return request.getfixturevalue(f"{request.param}_engine")


#: the bon signing key of the test configurations (the configuration wants at least 32 bytes)
BON_KEY = "s3cret-bon-key-for-tests-0123456789"

MINIMAL_CONFIG = """
[automat]
id = "test-01"
library_name = "Testbiblioteket"

[database]
data_dir = "data"

[fbs]
adapter = "rest"
agency_id = "DK-775100"

[fbs.rest]
base_url = "http://127.0.0.1:1/rest/external/v1"
username = "automat"
password = {{ file = "fbs-password" }}

[claims]
cut_off_date = 2020-09-01

[bons]
signing_key = {{ file = "bon-key" }}
{extra}
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """A valid minimal configuration in a temporary folder, with its secret files."""
    (tmp_path / "fbs-password").write_text("s3cret-fbs\n")
    (tmp_path / "bon-key").write_text(BON_KEY + "\n")
    path = tmp_path / "kiosk.toml"
    path.write_text(MINIMAL_CONFIG.format(extra=""))
    return path


#: modules pytest-xdist must give to one worker: ``proof`` starts, at its first test, the
#: campaigns of all the module's tests; the PC/SC tests share one pcscd and vpcd's fixed port
ONE_WORKER = ("tests/integration/test_device_truth.py", "tests/integration/test_pcsc_reader.py")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """``-n`` (``make test``): each test a unit of work, except each module of
    :data:`ONE_WORKER`, which is one unit; the largest units are handed out first, so the
    device-truth proof (the longest) starts at once. (pytest-xdist's own ``xdist_group`` mark
    does nothing on pytest 9.2: xdist 3.8 renames items through an attribute pytest dropped.)"""
    if config.getoption("dist") != "load":
        return None  # an explicit --dist other than the default
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in ONE_WORKER else nodeid

    return Scheduling(config, log)  # type: ignore[arg-type]


def pytest_configure(config: pytest.Config) -> None:
    """One crash seed for the whole run, drawn where the header prints it: pytest-xdist's workers
    start later and inherit it through the environment."""
    from tests.world.seed import SEED_ENV, crash_seed

    os.environ[SEED_ENV] = str(crash_seed())
    config.stash[_PROOF_LINES] = []


def pytest_report_header(config: pytest.Config) -> str:
    from tests.world.seed import SEED_ENV, crash_seed

    return f"device-truth crash proof: {SEED_ENV}={crash_seed()}"


_PROOF_LINES = pytest.StashKey[list[str]]()


def _proof_lines() -> list[str]:
    """The device-truth proof's summary, when its campaigns ran in this process."""
    import sys

    if "tests.world.summary" not in sys.modules:
        return []
    from tests.world.seed import crash_seed
    from tests.world.summary import lines

    return lines(crash_seed())


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A pytest-xdist worker hands the summary to the controller, which prints it."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["device_truth"] = _proof_lines()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """pytest-xdist: a worker ended; keep the proof summary it ran (at most one worker does)."""
    output = getattr(node, "workeroutput", {})
    node.config.stash[_PROOF_LINES] += output.get("device_truth", [])  # type: ignore[attr-defined]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The device-truth proof's summary (kills, money in by device, money accounted,
    discrepancies), when its campaigns ran in this session (here or in a pytest-xdist worker)."""
    report = _proof_lines() or terminalreporter.config.stash[_PROOF_LINES]
    if report:
        terminalreporter.section("device-truth crash proof")
        for line in report:
            terminalreporter.write_line(line)
