"""The slow-work pool's threads all exist from the start, so a process's thread count is flat
from its first session (issue 15: the soak's ``threads_growth``)."""

from __future__ import annotations

import threading
import time

from kiosk.payment.runner import PoolRunner, SessionWorker


def slow_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("slow")]


def test_every_slow_worker_runs_before_any_work_is_submitted() -> None:
    before = len(slow_threads())
    worker = SessionWorker()
    runner = PoolRunner(worker, max_workers=3)
    try:
        assert len(slow_threads()) - before == 3
        done = threading.Event()
        runner.submit(lambda: 42, lambda result, error: done.set())
        assert done.wait(5)  # the start-up jobs let go of their threads
        deadline = time.monotonic() + 5
        ran: list[int] = []
        for n in range(6):  # more overlapping jobs than threads: no thread more
            runner.submit(lambda n=n: time.sleep(0.05) or n, lambda r, e: ran.append(r))
        while len(ran) < 6 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sorted(ran) == list(range(6))
        assert len(slow_threads()) - before == 3
    finally:
        runner.shutdown()
        worker.shutdown()
