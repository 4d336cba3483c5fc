"""The summary of the last ``make mutation`` run over the scope it names (docs/mutation.md).

mutmut generates mutants for whole files but ``make mutation`` runs only the scope's functions, so
``mutmut results`` would also list the rest as "not checked". This prints, for the scope only:
each status with its count, and every surviving mutant with whether docs/mutation.md argues it
equivalent. Exit 1 when a survivor is neither killed nor listed there as equivalent.

    python -m tests.mutation_summary 'kiosk.money.*' 'kiosk.payment.journal.*' ...
    python -m tests.mutation_summary --todo GLOB...   # the names a resumed run still has to try
"""

from __future__ import annotations

import fnmatch
import json
import re
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTE = REPO / "docs" / "mutation.md"
#: mutmut's exit-code → status table (mutmut.stats.status_by_exit_code), the ones a run gives
STATUS = {
    None: "not checked",
    0: "survived",
    1: "killed",
    3: "killed",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    36: "timeout",
    -24: "timeout",
    24: "timeout",
    152: "timeout",
    255: "timeout",
    -9: "segfault",
    -11: "segfault",
}


def results(mutants: Path) -> dict[str, str]:
    """Every generated mutant's status, from mutmut's ``.meta`` files."""
    found: dict[str, str] = {}
    for meta in sorted(mutants.rglob("*.py.meta")):
        exit_codes = json.loads(meta.read_text())["exit_code_by_key"]
        for name, code in exit_codes.items():
            found[name] = STATUS.get(code, "suspicious")
    return found


def equivalent_in_note(note: Path) -> set[str]:
    """Mutant names in docs/mutation.md's tables of equivalent mutants: each in backticks in a
    row's first cell (one reason may cover several mutants of one kind)."""
    if not note.exists():
        return set()
    names: set[str] = set()
    for line in note.read_text().splitlines():
        if line.startswith("|"):
            first_cell = line.split("|")[1]
            names |= set(re.findall(r"`([^`]+(?:__mutmut_\d+|#\d+))`", first_cell))
    return names


def main(args: list[str]) -> int:
    todo = args[:1] == ["--todo"]
    scope = args[1:] if todo else args
    if not scope:
        print("usage: python -m tests.mutation_summary [--todo] GLOB...", file=sys.stderr)
        return 2
    every = results(REPO / "mutants")
    chosen = {n: s for n, s in every.items() if any(fnmatch.fnmatch(n, g) for g in scope)}
    if todo:  # what a resumed run still has to try: never tried, or not killed last time
        print(" ".join(f"'{n}'" for n, s in sorted(chosen.items())
                       if s in ("not checked", "survived", "no tests", "suspicious")))
        return 0
    equivalent = equivalent_in_note(NOTE)
    counts = Counter(chosen.values())
    # a mutant no test reaches survives as surely as one the tests miss
    survivors = sorted(n for n, s in chosen.items() if s in ("survived", "no tests"))
    argued = [n for n in survivors if n in equivalent]
    open_ = [n for n in survivors if n not in equivalent]
    stale = sorted(n for n in equivalent - set(survivors) if "__mutmut_" in n)  # mutmut's
    print(f"mutants in scope: {len(chosen)}")
    for status, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {status}: {count}")
    print(f"  survived or not reached, and argued in docs/mutation.md: {len(argued)}")
    if stale:
        print(f"  listed as equivalent but not surviving now (killed or renumbered): {len(stale)}")
        for name in stale:
            print(f"    {name}")
    if open_:
        print(f"surviving mutants with neither a test nor a reason: {len(open_)}")
        for name in open_:
            print(f"  {name}")
    unfinished = counts["not checked"] + counts["suspicious"] + counts["segfault"]
    return 1 if open_ or unfinished else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
