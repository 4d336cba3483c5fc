"""The automat's threads share two malloc arenas (``kiosk.memory``): each arena keeps what its
threads freed, so a dozen arenas made resident memory creep over months of sessions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: threads that each allocate (from C, as SQLite and Qt do) while the others hold theirs;
#: prints how many arenas glibc's malloc_info lists afterwards
SCRIPT = """
import ctypes, sys, tempfile, threading
from kiosk.memory import limit_malloc_arenas
if sys.argv[1] == "limit":
    assert limit_malloc_arenas()
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.fopen.restype = ctypes.c_void_p
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
gate = threading.Barrier(6)
def work():
    blocks = [libc.malloc(1000) for _ in range(100)]
    gate.wait()
threads = [threading.Thread(target=work) for _ in range(6)]
for t in threads: t.start()
for t in threads: t.join()
with tempfile.NamedTemporaryFile("r") as f:
    fp = libc.fopen(f.name.encode(), b"w")
    libc.malloc_info(0, fp)
    libc.fclose(fp)
    print(f.read().count("<heap nr="))
"""


def arenas(mode: str) -> int:
    run = subprocess.run([sys.executable, "-c", SCRIPT, mode], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return int(run.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_six_allocating_threads_share_two_arenas() -> None:
    assert arenas("free") > 2  # glibc's own way: an arena per thread, so the test can fail
    assert arenas("limit") <= 2
