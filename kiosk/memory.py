"""The automat's C heap: a bounded number of glibc malloc arenas.

glibc gives each thread that allocates while others hold the lock an arena of its own, up to
eight per core. A running automat has a dozen threads (the session worker, four slow-work threads,
the outbox and export workers, the device threads), and each arena keeps what its thread freed:
over thousands of sessions every arena grows towards the peak of every kind of work that ever ran
on it, so resident memory crept up ~2 KB per session with the Python objects, Qt's widgets and
SQLite's memory all flat (the soak benchmark, README "Months of sessions"). Two arenas hold the
same work; the GIL already serialises most allocation.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # <malloc.h>
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """At most ``arenas`` malloc arenas from now on (threads started later share them); False
    where the C library is not glibc. Call it before the core starts its threads."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    if mallopt(M_ARENA_MAX, arenas) != 1:
        log.warning("mallopt(M_ARENA_MAX, %d) refused", arenas)
        return False
    return True
