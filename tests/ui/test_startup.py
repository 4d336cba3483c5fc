"""Start-up cost: a ledger already at head opens without importing Alembic, and one that is
not is still upgraded (the first start, an automat after a software update)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from kiosk.ledger.db import make_engine
from kiosk.ledger.migrate import (
    current_revision,
    head_revision,
    is_at_head,
    scanned_head,
    stamped_revisions,
    upgrade,
)

ROOT = Path(__file__).resolve().parents[2]


def test_the_head_read_from_the_files_is_alembics_head() -> None:
    assert scanned_head() == head_revision() is not None


def test_a_new_ledger_is_migrated_and_then_known_to_be_at_head(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    try:
        assert stamped_revisions(engine) is None and not is_at_head(engine)
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert is_at_head(engine)
        upgrade(engine)  # at head: nothing to do, nothing breaks
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_an_older_ledger_is_upgraded_through_alembic(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    try:
        upgrade(engine, "0004_debtor")  # a field automat before the last software update
        assert stamped_revisions(engine) == {"0004_debtor"} and not is_at_head(engine)
        upgrade(engine)
        assert current_revision(engine) == head_revision() == "0015_purged_figures"
        with engine.connect() as conn:  # the later migrations' columns and tables are really there
            conn.execute(text("SELECT resolve_token FROM tenders"))
            conn.execute(text("SELECT staff_no, pin_hash, locked_until FROM staff_accounts"))
            conn.execute(text("SELECT counted_ore, difference_ore FROM cash_box_emptyings"))
            conn.execute(text("SELECT written_at, devices, stopped FROM automat_heartbeats"))
    finally:
        engine.dispose()


def test_a_revision_the_files_do_not_know_is_left_to_alembic(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'from-the-future'"))
        assert not is_at_head(engine)  # so upgrade() asks Alembic, which refuses loudly
    finally:
        engine.dispose()


def test_several_heads_are_not_guessed(tmp_path: Path) -> None:
    for name, rev, down in (("a", "1", None), ("b", "2", "1"), ("c", "3", "1")):
        (tmp_path / f"{name}.py").write_text(f"revision = {rev!r}\ndown_revision = {down!r}\n")
    assert scanned_head(tmp_path) is None
    (tmp_path / "d.py").write_text("revision = '4'\ndown_revision = ('2', '3')\n")  # a merge
    assert scanned_head(tmp_path) == "4"


def test_opening_a_ledger_at_head_does_not_import_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    code = (
        "import sys\n"
        "from kiosk.ledger.db import make_engine\n"
        "from kiosk.ledger.migrate import upgrade\n"
        f"engine = make_engine({url!r})\n"
        "upgrade(engine)\n"
        "engine.dispose()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
