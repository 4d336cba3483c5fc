"""The automat's glibc malloc (``kiosk.memory.tune_malloc``): its threads share two arenas (each
arena keeps what its threads freed, so a dozen arenas made resident memory creep over months of
sessions), and a large block stays mmapped after one like it was freed (glibc's moving threshold
would put the next one inside an arena, where freeing it leaves a hole)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")

PRELUDE = """
import ctypes, sys
from kiosk.memory import tune_malloc
if sys.argv[1] == "tuned":
    assert tune_malloc()
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
"""

#: threads that each allocate (from C, as SQLite and Qt do) while the others hold theirs;
#: prints how many arenas glibc's malloc_info lists afterwards
ARENAS = PRELUDE + """
import tempfile, threading
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

#: a 1 MB block freed, then another: prints how many more blocks glibc holds mmapped after the
#: second (mallinfo2)
LARGE_BLOCKS = PRELUDE + """
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                               "usmblks", "fsmblks", "uordblks", "fordblks",
                                               "keepcost")]
libc.mallinfo2.restype = Info
libc.free(libc.malloc(2**20))
before = libc.mallinfo2().hblks
block = libc.malloc(2**20)
print(libc.mallinfo2().hblks - before)
"""


def run(script: str, mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", script, mode], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def test_six_allocating_threads_share_two_arenas() -> None:
    assert run(ARENAS, "glibc") > 2  # glibc's own way: an arena per thread, so the test can fail
    assert run(ARENAS, "tuned") <= 2


def test_a_large_block_is_mmapped_after_one_like_it_was_freed() -> None:
    assert run(LARGE_BLOCKS, "glibc") == 0  # glibc's own way: the threshold moved past 1 MB
    assert run(LARGE_BLOCKS, "tuned") == 1
