"""packaging/requirements.lock answers pyproject.toml (packaging/lock_check.py, which `make deb`
also runs): every runtime dependency and shipped extra pinned, in range, every pin hashed."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "packaging" / "lock_check.py"
_spec = importlib.util.spec_from_file_location("lock_check", SCRIPT)
assert _spec and _spec.loader
lock_check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lock_check)

HASH = "--hash=sha256:" + "ab" * 32
PYPROJECT = """
[project]
name = "x"
dependencies = [
    "PySide6-Essentials>=6.6,<6.12; python_version < '3.12'",
    "PySide6-Essentials>=6.6; python_version >= '3.12'",
    "only-on-windows>=1; sys_platform == 'win32'",
    "requests>=2.31",
]
[project.optional-dependencies]
pcsc = ["pyscard>=2.0"]
postgres = ["psycopg[binary]>=3.1"]
sftp = ["paramiko>=3.4"]
test = ["pytest>=8"]
"""
PINS = {
    "pyside6-essentials": "6.11.3",
    "requests": "2.32.0",
    "pyscard": "2.3.1",
    "psycopg": "3.3.9",
    "paramiko": "5.1.0",
    "urllib3": "2.0.0",  # a dependency's dependency
}


def write(tmp_path: Path, pyproject: str = PYPROJECT, pins: dict[str, str] = PINS,
          unhashed: str = "") -> tuple[Path, Path]:
    lock = "# header\n" + "".join(
        f"{name}=={version}" + ("" if name == unhashed else f" \\\n    {HASH} \\\n    {HASH}")
        + "\n    # via x\n"
        for name, version in pins.items())
    (tmp_path / "pyproject.toml").write_text(pyproject)
    (tmp_path / "requirements.lock").write_text(lock)
    return tmp_path / "pyproject.toml", tmp_path / "requirements.lock"


def test_the_repositorys_lock_answers_its_pyproject():
    assert lock_check.problems() == []
    found, malformed = lock_check.pins(lock_check.LOCK)
    assert not malformed
    assert "pyside6-essentials" in found and "pyscard" in found
    assert all(hashes for _, hashes in found.values())


def test_a_lock_that_agrees_passes_with_pins_beyond_the_top_level(tmp_path):
    # the win32 and the 3.12 requirement do not apply to Debian 12's python3; urllib3 is extra
    assert lock_check.problems(*write(tmp_path)) == []


def test_a_dependency_without_a_pin_is_named(tmp_path):
    pyproject = PYPROJECT.replace('"requests>=2.31",', '"requests>=2.31",\n    "Flask_WTF>=1.2",')
    assert lock_check.problems(*write(tmp_path, pyproject)) == [
        "Flask_WTF is required by pyproject.toml but not pinned"]


def test_a_shipped_extra_without_a_pin_is_named_but_not_the_test_extra(tmp_path):
    pins = {name: version for name, version in PINS.items() if name != "pyscard"}
    assert lock_check.problems(*write(tmp_path, pins=pins)) == [
        "pyscard is required by pyproject.toml but not pinned"]


def test_a_pin_outside_the_range_is_named(tmp_path):
    # the PySide6 6.12 cap on CPython 3.11 (pyproject.toml says why)
    pins = {**PINS, "pyside6-essentials": "6.12.0"}
    assert lock_check.problems(*write(tmp_path, pins=pins)) == [
        "pyside6-essentials==6.12.0 is outside pyproject.toml's "
        "PySide6-Essentials<6.12,>=6.6; python_version < \"3.12\""]


def test_a_pin_without_a_hash_is_named(tmp_path):
    assert lock_check.problems(*write(tmp_path, unhashed="paramiko")) == [
        "paramiko==5.1.0 has no --hash"]


def test_a_line_that_is_no_pin_is_named(tmp_path):
    pyproject, lock = write(tmp_path)
    lock.write_text(lock.read_text() + f"flask>=3 \\\n    {HASH}\n")
    assert lock_check.problems(pyproject, lock) == ["'flask>=3' is not a name==version pin"]


@pytest.mark.parametrize("agrees", [True, False])
def test_the_script_says_it_in_one_line_and_its_status(tmp_path, agrees):
    pins = PINS if agrees else {k: v for k, v in PINS.items() if k not in ("requests", "paramiko")}
    result = subprocess.run([sys.executable, str(SCRIPT), *map(str, write(tmp_path, pins=pins))],
                            capture_output=True, text=True, check=False)
    assert result.returncode == (0 if agrees else 1)
    assert result.stdout == ""
    if agrees:
        assert result.stderr == ""
    else:
        assert result.stderr == (
            "requirements.lock does not match pyproject.toml, run make lock: requests is required"
            " by pyproject.toml but not pinned; paramiko is required by pyproject.toml but not"
            " pinned\n")
