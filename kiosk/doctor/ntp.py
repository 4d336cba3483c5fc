"""Whether the system clock is synchronised, by the rule ``timedatectl`` answers with.

systemd's timedated computes ``NTPSynchronized`` from the kernel alone: ``adjtimex(2)`` with
nothing to change, synchronised when the kernel's maximum error estimate is below 16 s. The kernel
adds 500 µs to that estimate every second and every NTP client (timesyncd, chrony, ntpd) sets it
back on each synchronisation, so it reaches 16 s (and stays) about nine hours after the last one,
or from boot when nothing synchronises the clock. Asking the kernel directly gives the same answer
without D-Bus and timedated, which a container or a sandboxed service does not have; a system
where the call is missing or refused is *unknown*, never "synchronised".
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from kiosk.clock import LOCAL_TIME
from kiosk.doctor.lines import Result, Status

#: timedated's threshold (``ntp_synced()`` in systemd's src/timedate/timedated.c)
SYNCHRONISED_BELOW_US = 16_000_000


class _Timex(ctypes.Structure):
    """The head of ``struct timex`` (sys/timex.h); the rest is room the kernel may fill."""

    _fields_ = [
        ("modes", ctypes.c_uint),
        ("offset", ctypes.c_long),
        ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long),
        ("esterror", ctypes.c_long),
        ("status", ctypes.c_int),
        ("_rest", ctypes.c_char * 512),
    ]


def kernel_max_error_us() -> int:
    """The kernel's maximum error estimate of the system clock in µs (``adjtimex`` with modes 0,
    which reads only); :class:`OSError` where it cannot be asked."""
    adjtimex = getattr(ctypes.CDLL(None, use_errno=True), "adjtimex", None)
    if adjtimex is None:
        raise OSError("adjtimex() is not available on this system")
    timex = _Timex()
    if adjtimex(ctypes.byref(timex)) < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"adjtimex(): {os.strerror(errno)}")
    return int(timex.maxerror)


@dataclass(frozen=True, slots=True)
class ClockSync:
    #: None: it could not be determined
    synchronised: bool | None
    detail: str


def clock_sync() -> ClockSync:
    try:
        max_error = kernel_max_error_us()
    except OSError as exc:
        return ClockSync(None, exc.strerror or str(exc))
    if max_error < SYNCHRONISED_BELOW_US:
        return ClockSync(True, f"maximum error {max_error / 1000:.0f} ms")
    return ClockSync(False, "the kernel's maximum error estimate has reached 16 s")


def clock_check(probe: Callable[[], ClockSync] = clock_sync, *, demo: bool = False) -> Result:
    """``FAIL`` when the clock is not synchronised (in a demo only ``warn``): debtor files,
    receipts, bons and reports carry its date. Unknown is a ``warn``, never a pass."""
    sync = probe()
    shown = datetime.now(LOCAL_TIME).strftime("%d.%m.%Y %H:%M")
    if sync.synchronised is None:
        return Status.WARN, (
            f"unknown whether NTP synchronises it ({sync.detail}); it says {shown} Danish time: "
            "compare with a reliable clock"
        )
    if sync.synchronised:
        return Status.OK, f"NTP synchronised ({sync.detail}); {shown} Danish time"
    return (Status.WARN if demo else Status.FAIL), (
        f"not synchronised by NTP ({sync.detail}): debtor files and receipts would carry its "
        f"date, {shown} Danish time; see `timedatectl status`"
    )
