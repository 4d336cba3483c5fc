"""Does packaging/requirements.lock still answer pyproject.toml? (make deb, tests/unit/test_lock.py)

The lock is resolved by `make lock` for the package's Python (Debian 12: CPython 3.11, Linux
x86_64). Checked here, without resolving anything: every runtime dependency of pyproject.toml and
of the extras the package ships that applies to that Python is pinned in the lock, at a version
its range allows, and every pin has at least one hash. A pin of something no longer required at
top level passes (it may be a dependency's dependency). Run as a script: prints one line naming
the problems and exits 1; silent and 0 when the two agree.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

try:
    from packaging.requirements import Requirement
    from packaging.version import Version
except ImportError:  # build.sh's Python may have pip but not packaging: pip carries its own copy
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef]
    from pip._vendor.packaging.version import Version  # type: ignore[no-redef]

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = REPO / "pyproject.toml"
LOCK = REPO / "packaging" / "requirements.lock"
# the extras packaging/deb/build.sh installs; `make lock` resolves the same (LOCK_EXTRAS)
SHIPPED_EXTRAS = ("pcsc", "postgres", "sftp")
# the marker environment of Debian 12's python3 on the automat
TARGET = {
    "python_version": "3.11",
    "python_full_version": "3.11.2",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
}
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")


def normalize(name: str) -> str:
    """PEP 503's form of a distribution name: PySide6_Essentials → pyside6-essentials."""
    return re.sub(r"[-_.]+", "-", name).lower()


def required(pyproject: Path = PYPROJECT) -> list[Requirement]:
    """The runtime dependencies and the shipped extras' that apply on the automat's Python."""
    project = tomllib.loads(pyproject.read_text())["project"]
    lines = list(project.get("dependencies", []))
    extras = project.get("optional-dependencies", {})
    for extra in SHIPPED_EXTRAS:
        lines += extras.get(extra, [])
    reqs = [Requirement(line) for line in lines]
    return [r for r in reqs if r.marker is None or r.marker.evaluate(TARGET)]


def pins(lock: Path = LOCK) -> tuple[dict[str, tuple[str, int]], list[str]]:
    """{name: (version, number of hashes)} of the lock, and the lines that are no pin."""
    # a requirement continues over lines ending in a backslash; comments run to the line's end
    logical = re.sub(r"\\\n", " ", lock.read_text())
    found: dict[str, tuple[str, int]] = {}
    malformed = []
    for line in logical.splitlines():
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        match = _PIN.match(words[0])
        if not match:
            malformed.append(words[0])
            continue
        hashes = sum(1 for word in words[1:] if word.startswith("--hash=sha256:"))
        found[normalize(match[1])] = (match[2], hashes)
    return found, malformed


def problems(pyproject: Path = PYPROJECT, lock: Path = LOCK) -> list[str]:
    """Where the lock and pyproject disagree, one sentence each; empty when they agree."""
    found, malformed = pins(lock)
    out = [f"{word!r} is not a name==version pin" for word in malformed]
    out += [f"{name}=={version} has no --hash" for name, (version, n) in found.items() if not n]
    for req in required(pyproject):
        name = normalize(req.name)
        if name not in found:
            out.append(f"{req.name} is required by pyproject.toml but not pinned")
        elif not req.specifier.contains(Version(found[name][0]), prereleases=True):
            out.append(f"{name}=={found[name][0]} is outside pyproject.toml's {req}")
    return out


def _shown(path: Path) -> str:
    """The path from the repository's top, or the file's name outside it."""
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return path.name


def main(argv: list[str]) -> int:
    """lock_check.py [PYPROJECT LOCK]: the repository's two files by default."""
    pyproject, lock = (Path(argv[0]), Path(argv[1])) if argv else (PYPROJECT, LOCK)
    found = problems(pyproject, lock)
    if found:
        print(f"{_shown(lock)} does not match {_shown(pyproject)}, run make lock: "
              + "; ".join(found), file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
