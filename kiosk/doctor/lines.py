"""One line of ``kiosk doctor``: ``ok|warn|FAIL name: detail``.

A check is a function returning ``(Status, detail)``; :func:`checked` runs it so that a check that
raises is a ``FAIL`` line with the exception's first line, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    OK = "ok"
    #: worth a look, but the automat can work: does not change the exit status
    WARN = "warn"
    #: the automat cannot work as configured: exit status 1
    FAIL = "FAIL"


Result = tuple[Status, str]


@dataclass(frozen=True, slots=True)
class Line:
    status: Status
    name: str
    detail: str

    def __str__(self) -> str:
        return f"{self.status.value:<4} {self.name}: {self.detail}"


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def checked(name: str, check: Callable[[], Result]) -> Line:
    try:
        status, detail = check()
    except Exception as exc:  # any failure of a check is its answer, as one line
        return Line(Status.FAIL, name, first_line(exc))
    return Line(status, name, detail)


def guarded(name: str, lines: Iterator[Line]) -> Iterator[Line]:
    """The lines of a group of checks; if the group itself raises, one ``FAIL`` line for it."""
    try:
        yield from lines
    except Exception as exc:
        yield Line(Status.FAIL, name, first_line(exc))
