"""Run the export every N minutes in a background thread; errors are logged and retried.

``trigger`` asks for a run now (e.g. before the automat shuts down for the night).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.workers import PeriodicWorker


class ExportScheduler(PeriodicWorker[Any]):
    def __init__(self, run: Callable[[], Any], interval_s: float, *, run_at_start: bool = True):
        # at start by default: the run repairs whatever a crash left half-exported
        super().__init__(
            run,
            interval_s,
            name="debtor-export",
            what="debtor export",
            first_delay_s=0.0 if run_at_start else interval_s,
        )

    def tick(self) -> bool:
        """One export run; never raises. True when it succeeded."""
        return self.run_once()
