"""At each return to the attract screen the C heap's free pages go back to the system
(``kiosk.memory.TrimAtAttractScreen``): memory freed inside an arena stays resident otherwise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from kiosk.memory import TrimAtAttractScreen
from kiosk.payment.states import State

ROOT = Path(__file__).resolve().parents[2]

#: 80 MB in 4 KB blocks (below glibc's mmap threshold: from the heap), all freed but the last,
#: which pins the heap's top so glibc cannot give the rest back on its own; prints the resident
#: memory (KB) freed by the end
SCRIPT = """
import ctypes, sys
from pathlib import Path
from kiosk.memory import release_free_memory
def rss():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
blocks = [libc.malloc(4000) for _ in range(20_000)]
for b in blocks:
    libc.memset(b, 1, 4000)
for b in blocks[:-1]:
    libc.free(b)
before = rss()
if sys.argv[1] == "trim":
    assert release_free_memory()
print(before - rss())
"""


def freed_kb(mode: str) -> int:
    run = subprocess.run([sys.executable, "-c", SCRIPT, mode], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return int(run.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_free_memory_inside_the_heap_goes_back() -> None:
    assert freed_kb("keep") < 10_000  # glibc keeps it on its own, so the test can fail
    assert freed_kb("trim") > 50_000


def test_it_trims_once_per_return_to_the_attract_screen() -> None:
    calls: list[int] = []
    trim = TrimAtAttractScreen(release=lambda: calls.append(1) or True)
    states = [State.IDLE, State.IDENTIFYING, State.PIN, State.CLAIMS, State.CANCELLED,
              State.IDLE, State.IDLE, State.STAFF_LOGIN, State.IDLE]
    for state in states:
        trim.on_view(SimpleNamespace(state=state))  # type: ignore[arg-type]
    assert len(calls) == trim.trims == 2  # after the citizen's session and after the staff's
