"""The ledger's PostgreSQL connections run without JIT, keeping the options they were given."""

from __future__ import annotations

from sqlalchemy import Engine, text


def test_postgres_connections_have_no_jit_and_keep_the_callers_options(
    postgres_engine: Engine,
) -> None:
    """The test schema's ``search_path`` is the caller's option: both hold (JIT compiling cost
    a month's report more than it saved, bench/console.py)."""
    with postgres_engine.connect() as conn:
        assert conn.scalar(text("SHOW jit")) == "off"
        assert conn.scalar(text("SHOW search_path")).startswith("t_")
