"""Logging to stderr (journald takes it from there) with every CPR-shaped number masked.

The mask is applied to the *formatted* line — message, arguments, exception text and stack — so
no code path can leak a CPR by logging it in an unusual way.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from kiosk.cpr import scrub

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


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
    root.setLevel(level)
    return handler
