"""The core and the drivers stay free of Qt; the drivers do not reach into the core."""

import ast

from tests.conftest import REPO


def imported_modules(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (REPO / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(REPO))] = names
    return found


def test_core_never_imports_qt() -> None:
    offenders = [p for p, mods in imported_modules("kiosk").items() if mods & {"PySide6", "ui"}]
    assert offenders == []


def test_drivers_import_neither_qt_nor_core() -> None:
    offenders = [
        p for p, mods in imported_modules("drivers").items() if mods & {"PySide6", "kiosk", "ui"}
    ]
    assert offenders == []
