"""Shared fixtures: configuration files, and a ledger database on SQLite and on PostgreSQL.

PostgreSQL tests use ``KIOSK_TEST_POSTGRES_URL``. Without it they skip with one line of reason on a
laptop, and fail when ``CI`` is set: in CI they must run for real.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

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
    return url


@pytest.fixture
def postgres_engine() -> Iterator[Engine]:
    """A migrated ledger in a fresh schema of the test PostgreSQL database."""
    url = postgres_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    upgrade(engine)
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


def pytest_report_header(config: pytest.Config) -> str:
    from tests.world.seed import SEED_ENV, crash_seed

    return f"device-truth crash proof: {SEED_ENV}={crash_seed()}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The device-truth proof's summary (kills, money in by device, money accounted,
    discrepancies), when its campaigns ran in this session."""
    import sys

    if "tests.world.summary" not in sys.modules:
        return
    from tests.world.seed import crash_seed
    from tests.world.summary import lines

    report = lines(crash_seed())
    if report:
        terminalreporter.section("device-truth crash proof")
        for line in report:
            terminalreporter.write_line(line)
