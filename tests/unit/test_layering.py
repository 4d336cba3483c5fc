"""The layers keep their direction (design.md): the core and the drivers stay free of Qt, the
drivers do not reach into the core, the core knows concrete drivers only in its one factory
(``kiosk/devices.py``), no product module imports the tests, and no two modules of the product
import each other, directly or round a longer cycle (function-level imports count too: a cycle
that only works because an import is deferred is still a cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGES = ("kiosk", "drivers", "ui", "console")
DRIVER_FACTORY = "kiosk.devices"


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def product_modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py")}


def imports_of(name: str, path: Path) -> set[str]:
    """Every module ``name`` imports, anywhere in it, as dotted names (relative ones resolved)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            # ``from pkg import name``: the submodule pkg.name if there is one, else pkg itself
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def product_graph() -> dict[str, set[str]]:
    """module → the product modules it imports (a name resolves to its longest known prefix)."""
    modules = product_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        for imported in imports_of(name, path):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                edges.add(imported)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def top_level(imports: set[str]) -> set[str]:
    return {name.split(".")[0] for name in imports}


def test_core_never_imports_qt() -> None:
    offenders = [
        name
        for name, path in product_modules().items()
        if name.startswith("kiosk") and top_level(imports_of(name, path)) & {"PySide6", "ui"}
    ]
    assert offenders == []


def test_the_core_and_the_console_keep_to_their_own_front_end() -> None:
    """The fleet console is a front end like the Qt UI: the core imports neither it nor the web
    libraries, and the console imports neither Qt nor the automat's UI."""
    web = {"flask", "flask_wtf", "werkzeug", "waitress", "jinja2", "console"}
    offenders = [
        name
        for name, path in product_modules().items()
        if (name.startswith(("kiosk", "drivers")) and top_level(imports_of(name, path)) & web)
        or (name.startswith("console") and top_level(imports_of(name, path)) & {"PySide6", "ui"})
    ]
    assert offenders == []


def test_drivers_import_neither_qt_nor_core() -> None:
    offenders = [
        name
        for name, path in product_modules().items()
        if name.startswith("drivers")
        and top_level(imports_of(name, path)) & {"PySide6", "kiosk", "ui"}
    ]
    assert offenders == []


def test_no_product_module_imports_the_tests() -> None:
    offenders = [
        name
        for name, path in product_modules().items()
        if "tests" in top_level(imports_of(name, path))
    ]
    assert offenders == []


def test_the_core_knows_concrete_drivers_only_in_its_factory() -> None:
    """``drivers.base`` is the interface; ``drivers.<protocol>`` is for kiosk/devices.py."""
    offenders = sorted(
        f"{name} imports {target}"
        for name, targets in product_graph().items()
        if name.startswith("kiosk") and name != DRIVER_FACTORY
        for target in targets
        if target.startswith("drivers.") and not target.startswith("drivers.base")
        and target != "drivers"
    )
    assert offenders == []


def test_no_import_cycles() -> None:
    assert [" <-> ".join(c) for c in cycles(product_graph())] == []
