"""The automat's C heap: a bounded number of glibc malloc arenas, fixed thresholds for
mmapped blocks and trimming, and a trim at each attract screen.

glibc gives each thread that allocates while others hold the lock an arena of its own, up to
eight per core. A running automat has a dozen threads (the session worker, four slow-work threads,
the outbox and export workers, the device threads), and each arena keeps what its thread freed:
over thousands of sessions every arena grows towards the peak of every kind of work that ever ran
on it, so resident memory crept up ~2 KB per session with the Python objects, Qt's widgets and
SQLite's memory all flat (the soak benchmark, README "Months of sessions"). Two arenas hold the
same work; the GIL already serialises most allocation.

glibc also moves its thresholds: each mmapped block freed raises the size from which blocks are
mmapped to that block's size (up to 32 MB) and the trim threshold to twice it. After the first
large image or result set is freed, blocks of that size come from the arenas instead and leave
holes there when freed. Fixing both thresholds (at glibc's own starting values) keeps every large
block mmapped, so freeing it gives it back (the soak's 500 → 2,000 sessions: 2.9 MB growth
before, 0.9 MB after).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kiosk.payment.states import State

if TYPE_CHECKING:
    from kiosk.payment.session import PaymentSession
    from kiosk.payment.view import SessionView

log = logging.getLogger(__name__)

# mallopt's parameters, <malloc.h>
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
ARENAS = 2
#: glibc's starting values for both, kept fixed (setting them stops glibc moving them)
MMAP_THRESHOLD = TRIM_THRESHOLD = 128 * 1024


@functools.cache
def _glibc(name: str) -> Any:
    """The C library's function ``name``, found once (the trim runs after every session);
    None where the C library is not glibc or lacks it."""
    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
    except (OSError, AttributeError):
        return None


def tune_malloc(arenas: int = ARENAS) -> bool:
    """At most ``arenas`` malloc arenas from now on (threads started later share them), and
    fixed thresholds for mmapped blocks and trimming; False where the C library is not glibc.
    Call it before the core starts its threads."""
    mallopt = _glibc("mallopt")
    if mallopt is None:
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    settings = {M_ARENA_MAX: arenas, M_MMAP_THRESHOLD: MMAP_THRESHOLD,
                M_TRIM_THRESHOLD: TRIM_THRESHOLD}
    refused = [param for param, value in settings.items() if mallopt(param, value) != 1]
    if refused:
        log.warning("mallopt refused parameters %s", refused)
    return not refused


def release_free_memory() -> bool:
    """Give the C heap's free pages back to the system (glibc ``malloc_trim(0)``: the free
    memory inside every arena, not only at an arena's top); False where that is not glibc."""
    trim = _glibc("malloc_trim")
    if trim is None:
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim(0)
    return True


class TrimAtAttractScreen:
    """A session watcher (``Core.session_watchers``): each time the session returns to the
    attract screen, the heap's free pages go back to the system, where no citizen waits for the
    few milliseconds it takes. Without it the peaks of sessions (a claims list, a receipt, a
    heartbeat's read of the ledger beside them) leave free memory scattered inside the arenas,
    which glibc returns only from an arena's top (README "Months of sessions")."""

    def __init__(self, release: Callable[[], bool] = release_free_memory) -> None:
        self.release = release
        self.trims = 0
        self._idle = True

    def attach(self, session: PaymentSession) -> None:
        session.listeners.append(self.on_view)

    def on_view(self, view: SessionView) -> None:
        idle = view.state is State.IDLE
        if idle and not self._idle and self.release():
            self.trims += 1
        self._idle = idle
