from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.console.rig import ConsoleRig, console_rig


@pytest.fixture
def rig(engine: Engine, tmp_path: Path) -> ConsoleRig:
    return console_rig(engine, tmp_path)


@pytest.fixture
def sqlite_rig(sqlite_engine: Engine, tmp_path: Path) -> ConsoleRig:
    return console_rig(sqlite_engine, tmp_path)
