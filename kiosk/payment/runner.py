"""Where the session's work runs, without Qt.

One *session worker* thread owns the session: every call into it (citizen input, device events,
the results of slow work) is posted there and runs in order, so the session needs no lock. Slow
work (FBS, a card authorisation, settlement, printing) is handed to a :class:`Runner`, whose
callback comes back on the session worker. The UI, the device-truth proof's automat and the
benchmark all use these two classes; tests that want everything on their own thread use
:class:`InlineRunner`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

log = logging.getLogger(__name__)


class Runner(Protocol):
    """Runs slow work off the session worker and calls back on it."""

    def submit(
        self, work: Callable[[], Any], done: Callable[[Any, BaseException | None], None]
    ) -> None: ...


class InlineRunner:
    """Runs work at once on the calling thread (tests, recovery)."""

    def submit(
        self, work: Callable[[], Any], done: Callable[[Any, BaseException | None], None]
    ) -> None:
        try:
            result = work()
        except BaseException as exc:  # handed to the callback, like a future would
            done(None, exc)
            return
        done(result, None)


class SessionWorker:
    """One thread that runs everything that touches the session, in the order it was posted."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="session")
        self._closed = False

    def post(self, fn: Callable[..., Any], *args: Any) -> Future[Any] | None:
        if self._closed:
            return None
        try:
            return self._executor.submit(self._run, fn, args)
        except RuntimeError:  # shut down meanwhile
            return None

    @staticmethod
    def _run(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        try:
            return fn(*args)
        except Exception:
            log.exception("session worker: %s failed", getattr(fn, "__name__", fn))
            raise

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until everything posted so far has run (tests and shutdown; never the GUI)."""
        done = threading.Event()
        if self.post(done.set) is None:
            return True
        return done.wait(timeout)

    def shutdown(self) -> None:
        self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=False)


def _start_all(pool: ThreadPoolExecutor, workers: int) -> None:
    """Start the pool's threads now. Left to itself a pool starts one more the first time that
    many jobs overlap, which may be months into a run (the soak benchmark saw ``slow_1`` appear
    after hundreds of sessions, with a malloc arena and an FBS connection of its own). Each job
    holds its thread until all have one, so every submit finds no idle thread and starts one;
    none of them blocks the caller."""
    gate = threading.Barrier(workers)

    def hold() -> None:
        try:
            gate.wait(5.0)
        except threading.BrokenBarrierError:  # fewer threads than asked: the pool still works
            log.warning("slow-work pool: %d threads did not all start", workers)

    for _ in range(workers):
        pool.submit(hold)


class PoolRunner:
    """The session's :class:`Runner`: slow work on a pool, the callback on the session worker."""

    def __init__(self, worker: SessionWorker, max_workers: int = 4) -> None:
        self._worker = worker
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="slow")
        _start_all(self._pool, max_workers)

    def submit(
        self, work: Callable[[], Any], done: Callable[[Any, BaseException | None], None]
    ) -> None:
        def finished(future: Future[Any]) -> None:
            if future.cancelled():
                return
            error = future.exception()
            self._worker.post(done, None if error else future.result(), error)

        self._pool.submit(work).add_done_callback(finished)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
