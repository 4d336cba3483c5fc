"""The automat's own retry timer for writes the ledger could not take (kiosk/payment/hold.py):
the tests elsewhere run the retries themselves; this is the timer the automat runs with."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from kiosk.payment.hold import LedgerHold, timer_schedule
from tests.conftest import REPO


def test_a_held_write_is_tried_again_on_its_own_after_the_interval() -> None:
    hold = LedgerHold(retry_s=0.05, schedule=timer_schedule, post=lambda call: call())
    tried = threading.Event()
    hold.retry_later(tried.set)
    assert tried.wait(10), "the retry never came"


def test_a_pending_retry_does_not_keep_the_automat_from_stopping() -> None:
    """A retry due in a minute: the process still ends at once when the automat stops."""
    code = "from kiosk.payment.hold import timer_schedule; timer_schedule(60, lambda: None)"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, timeout=20,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_a_retry_interval_of_nothing_is_refused() -> None:
    """Zero would retry a failing ledger in a busy loop."""
    for retry_s in (0, -1):
        with pytest.raises(ValueError, match=r"^the ledger retry interval must be positive$"):
            LedgerHold(retry_s=retry_s, schedule=timer_schedule, post=lambda call: call())
