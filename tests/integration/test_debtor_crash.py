"""Exactly once under SIGKILL: the exporter is killed at each step of writing and delivering; the
next run repairs, and every item is in exactly one imported file, with no gap in the sequence.

An "importer" takes every finished file out of the target folder as soon as it appears (also
between the crash and the repair), so a file sent twice would be seen twice. Every step runs on a
SQLite ledger file and on a fresh schema of the test PostgreSQL database (skipped without
``KIOSK_TEST_POSTGRES_URL``, required in CI); the killed exporter gets the ledger's URL.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.ledger.audit import run_audit
from kiosk.ledger.db import make_engine
from kiosk.ledger.models import ExportBatch
from tests.crash_worker import crash_ledger
from tests.integration.test_debtor_export import (
    assert_exactly_once,
    files_in,
    make_exporter,
    seed,
)

STEPS = [
    "allocated",
    "spool_temp",
    "spool_renamed",
    "written",
    "staged",
    "staged_recorded",
    "published",
    "delivered",
]

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from kiosk.ledger.db import make_engine
    from tests.integration.test_debtor_export import make_exporter

    url, folder, crash_at = sys.argv[1], Path(sys.argv[2]), sys.argv[3]

    def step(name):
        if name == crash_at:
            os.kill(os.getpid(), signal.SIGKILL)

    make_exporter(make_engine(url), folder, on_step=step).run()
    sys.exit(3)  # the step was never reached
    """
)


def importer(outgoing: Path, imported: Path) -> None:
    """Take every published file, as a debtor system's pick-up job would (temp names stay)."""
    imported.mkdir(exist_ok=True)
    for path in outgoing.glob("*") if outgoing.exists() else []:
        if not path.name.startswith("."):
            assert not (imported / path.name).exists(), f"{path.name} delivered twice"
            shutil.move(path, imported / path.name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty migrated ledger: a SQLite file, or a fresh PostgreSQL schema named in the URL."""
    with crash_ledger(request.param, tmp_path) as url:
        yield url


@pytest.mark.parametrize("step", STEPS)
def test_sigkill_at_each_step_is_repaired_exactly_once(
    ledger_url: str, tmp_path: Path, step: str
) -> None:
    url = ledger_url
    engine = make_engine(url)
    outgoing, imported = tmp_path / "outgoing", tmp_path / "imported"
    seed(engine, 2)
    make_exporter(engine, tmp_path).run()  # batch 1, delivered normally
    importer(outgoing, imported)
    seed(engine, 3)

    child = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(tmp_path), step],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    importer(outgoing, imported)
    assert run_audit(engine).clean, run_audit(engine).lines()  # mid-export is not a problem
    with engine.connect() as conn:
        sha = conn.scalar(select(ExportBatch.sha256).where(ExportBatch.sequence == 2))

    seed(engine, 1)  # a payment made while the automat restarted
    repaired = make_exporter(engine, tmp_path).run()
    importer(outgoing, imported)

    assert [b.sequence for b in repaired] == ([3] if step == "delivered" else [2, 3])
    assert_exactly_once(engine, imported)
    assert files_in(outgoing) == {}, "no temporary file left behind"
    second = next(p for p in imported.iterdir() if p.name.endswith("_000002.txt"))
    assert hashlib.sha256(second.read_bytes()).hexdigest() == sha  # the bytes first rendered
    assert (tmp_path / "spool" / second.name).read_bytes() == second.read_bytes()
    engine.dispose()
