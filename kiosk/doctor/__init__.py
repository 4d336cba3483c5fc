"""``kiosk doctor``: is this automat fit to take payments? One line per check, in this order:
the configuration, the data folder, the ledger, its schema (migration state), free disk space, the
clock (NTP), the debtor delivery target, FBS and each configured device.

Each line is ``ok``, ``warn`` (worth a look; the automat can work) or ``FAIL``; the exit status is
1 when any line is ``FAIL``. A check that raises is a ``FAIL`` line, never a traceback. The
doctor changes no data: it may create a missing data or delivery folder (as every start does) and
writes and removes a probe file where it checks that files can be written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from kiosk.doctor import ntp
from kiosk.doctor.lines import Line, Status, checked, first_line, guarded
from kiosk.doctor.ntp import ClockSync, clock_check


def run_doctor(
    config_path: Path,
    *,
    demo: bool = False,
    wait_s: float = 5.0,
    clock_probe: Callable[[], ClockSync] | None = None,
) -> Iterator[Line]:
    """The lines, each as soon as its check is done (FBS and devices take seconds);
    ``clock_probe`` stands in for the kernel's answer (:func:`kiosk.doctor.ntp.clock_sync`)."""
    probe = clock_probe or ntp.clock_sync
    from kiosk.config import load_config
    from kiosk.logs import setup_logging

    try:
        config = load_config(config_path)
    except Exception as exc:  # ConfigError: one line naming the file and the key
        yield Line(Status.FAIL, "configuration", first_line(exc))
        yield checked("clock", lambda: clock_check(probe, demo=demo))
        return
    setup_logging(config.logging.level)
    yield Line(Status.OK, "configuration", f"{config_path} (automat {config.automat.id})")

    from kiosk.doctor.connections import connection_lines
    from kiosk.doctor.storage import StorageChecks

    yield from guarded("ledger", StorageChecks(config, demo=demo).lines())
    yield checked("clock", lambda: clock_check(probe, demo=demo))
    yield from guarded("connections", connection_lines(config, demo=demo, wait_s=wait_s))


def exit_status(lines: Iterable[Line]) -> int:
    """1 if any line is ``FAIL``, else 0 (``warn`` does not count)."""
    return 1 if any(line.status is Status.FAIL for line in lines) else 0


__all__ = ["ClockSync", "Line", "Status", "exit_status", "run_doctor"]
