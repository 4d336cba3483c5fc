"""Mutation testing of the money code's ``@property`` bodies, which mutmut 3 leaves alone.

mutmut swaps a function for a trampoline and so skips every decorated function but static and
class methods; the session's ``tally`` and ``due``, the tally's ``received`` and the audit's
per-session ``difference`` are properties (``LedgerHold.amount`` is one too, but cosmic-ray has no
operator for its body, a sum over a generator). cosmic-ray mutates the source text itself, so
this runs it over those properties only (its line filter), in a copy of the tree under
``mutants/properties`` (the work tree is never touched), with the tests that drive them. Called
by ``make mutation`` after mutmut; prints each property mutant's outcome and exits 1 when one
survives that docs/mutation.md does not argue equivalent.

    python -m tests.mutation_properties
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.mutation_summary import equivalent_in_note

REPO = Path(__file__).resolve().parents[1]
NOTE = REPO / "docs" / "mutation.md"
WORK = REPO / "mutants" / "properties"
TREE = WORK / "tree"
COPIED = ("kiosk", "drivers", "tests", "config", "pyproject.toml")

#: the tests that drive a citizen's session through its money (tally, due, what it received)
SESSION_TESTS = (
    "tests/integration/test_payment_session.py",
    "tests/integration/test_money_outside_payment.py",
    "tests/integration/test_ledger_fault.py",
    "tests/integration/test_ledger_fault_resume.py",
    "tests/integration/test_session_transitions.py",
    "tests/integration/test_bons.py",
)
#: module → (its properties under test as Class.name, the tests that exercise them)
SCOPE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "kiosk/payment/session.py": (
        (
            "PaymentSession.total",
            "PaymentSession.tally",
            "PaymentSession.received",
            "PaymentSession.due",
        ),
        SESSION_TESTS,
    ),
    "kiosk/payment/tally.py": (("Tally.received",), ("tests/unit/test_tally.py", *SESSION_TESTS)),
    "kiosk/ledger/audit.py": (
        ("SessionBalance.difference", "AuditReport.problems", "AuditReport.clean"),
        (
            "tests/integration/test_ledger.py",
            "tests/integration/test_recovery_settlement.py",
            "tests/integration/test_money_outside_payment.py",
        ),
    ),
    "kiosk/money.py": (("Money.is_negative",), ("tests/unit/test_money.py",)),
}


def property_lines(source: str, wanted: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    """Line range (first, last) of each wanted property's body, found by name."""
    found: dict[str, tuple[int, int]] = {}
    for cls in ast.parse(source).body:
        if not isinstance(cls, ast.ClassDef):
            continue
        for node in cls.body:
            name = f"{cls.name}.{getattr(node, 'name', '')}"
            if isinstance(node, ast.FunctionDef) and name in wanted:
                found[name] = (node.body[0].lineno, node.end_lineno or node.lineno)
    missing = set(wanted) - set(found)
    if missing:
        raise SystemExit(f"properties not found (renamed?): {sorted(missing)}")
    return found


def copy_tree() -> None:
    shutil.rmtree(TREE, ignore_errors=True)
    TREE.mkdir(parents=True)
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, TREE / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, TREE / name)


def run(*command: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(TREE)}
    env.pop("KIOSK_TEST_POSTGRES_URL", None)  # SQLite only, like the mutmut run
    subprocess.run(command, cwd=TREE, env=env, check=True)


def mutate(module: str, props: tuple[str, ...], tests: tuple[str, ...]) -> list[tuple[str, str]]:
    """Run cosmic-ray over the properties of one module; (name, outcome) per mutant."""
    from cosmic_ray.work_db import WorkDB, use_db

    lines = property_lines((REPO / module).read_text(), props)
    stem = module.replace("/", "_").removesuffix(".py")
    config, db = WORK / f"{stem}.toml", WORK / f"{stem}.sqlite"
    specs = ", ".join(f'"{a}-{b}"' for a, b in lines.values())
    test_command = " ".join(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-m",
         "'not postgres'", *tests]
    )
    config.write_text(
        "[cosmic-ray]\n"
        f'module-path = "{module}"\n'
        "timeout = 900.0\n"
        "excluded-modules = []\n"
        f"test-command = \"{test_command}\"\n\n"
        "[cosmic-ray.distributor]\n"
        'name = "local"\n\n'
        "[cosmic-ray.filters.line-filter.lines]\n"
        f'"{module}" = [{specs}]\n'
    )
    db.unlink(missing_ok=True)
    cosmic = Path(sys.executable).parent
    run(str(cosmic / "cosmic-ray"), "init", str(config), str(db))
    run(str(cosmic / "cr-filter-lines"), "--config", str(config), str(db))
    run(str(cosmic / "cosmic-ray"), "exec", str(config), str(db))
    outcomes: list[tuple[str, str]] = []
    seen: Counter[str] = Counter()
    with use_db(str(db), WorkDB.Mode.open) as work_db:
        done = sorted(
            work_db.completed_work_items,
            key=lambda pair: (pair[0].mutations[0].start_pos, pair[0].mutations[0].operator_name),
        )
        for item, result in done:
            if result.worker_outcome.value == "skipped":
                continue
            spec = item.mutations[0]
            owner = next(p for p, (a, b) in lines.items() if a <= spec.start_pos[0] <= b)
            key = f"{owner}:{spec.operator_name}"
            seen[key] += 1
            name = f"{module}:{key}#{seen[key]}"
            if result.worker_outcome.value != "normal":
                outcome = result.worker_outcome.value  # abnormal, exception, no-test
            else:
                outcome = "survived" if result.test_outcome.value == "survived" else "killed"
            outcomes.append((name, outcome))
            if outcome != "killed":
                print(f"{outcome}: {name}\n{result.diff}")
    return outcomes


def main() -> int:
    copy_tree()
    outcomes = [o for module, (p, t) in SCOPE.items() for o in mutate(module, p, t)]
    argued = equivalent_in_note(NOTE)
    counts = Counter(outcome for _, outcome in outcomes)
    print(f"property mutants: {len(outcomes)}")
    for outcome, count in sorted(counts.items()):
        print(f"  {outcome}: {count}")
    open_ = [name for name, outcome in outcomes if outcome != "killed" and name not in argued]
    print(f"  survived and argued equivalent in docs/mutation.md: "
          f"{sum(1 for n, o in outcomes if o != 'killed' and n in argued)}")
    for name in open_:
        print(f"surviving with neither a test nor a reason: {name}")
    return 1 if open_ else 0


if __name__ == "__main__":
    sys.exit(main())
