"""Logging to stderr (journald takes it from there) with every CPR-shaped number masked, and
the last lines of this run kept in memory for technician mode's log export (:func:`recent_lines`),
which also works where there is no journal (a laptop demo).

The mask is applied to the *formatted* line — message, arguments, exception text and stack — so
no code path can leak a CPR by logging it in an unusual way.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import deque
from typing import TextIO

from kiosk.cpr import scrub

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
KEEP_LINES = 5000


class CprMaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class CprMaskingFilter(logging.Filter):
    """For handlers we do not own: mask the message and arguments before they are formatted."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


class RecentLines(logging.Handler):
    """The last :data:`KEEP_LINES` formatted (masked) log lines of this process."""

    def __init__(self, keep: int = KEEP_LINES) -> None:
        super().__init__()
        self.lines: deque[str] = deque(maxlen=keep)
        self._guard = threading.Lock()
        self.setFormatter(CprMaskingFormatter(FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # a broken record must not break the caller
            return
        with self._guard:
            self.lines.append(line)

    def snapshot(self) -> list[str]:
        with self._guard:
            return list(self.lines)


RECENT = RecentLines()


def recent_lines() -> list[str]:
    """This run's last log lines, CPR masked (empty before :func:`setup_logging`)."""
    return RECENT.snapshot()


def setup_logging(level: str = "INFO", stream: TextIO | None = None) -> logging.Handler:
    """Install one masked stderr handler on the root logger (replacing earlier ones of ours)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_kiosk", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(CprMaskingFormatter(FORMAT))
    handler.addFilter(CprMaskingFilter())
    handler._kiosk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    RECENT._kiosk = True  # type: ignore[attr-defined]
    root.addHandler(RECENT)
    root.setLevel(level)
    return handler
