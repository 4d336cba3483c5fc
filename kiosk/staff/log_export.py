"""Technician mode's log export for support: one zip file on a USB stick or in the automat's own
``support`` folder, named with the automat's id and the Danish time, holding the application's
log (the systemd journal of the last days where it can be read, and this run's last lines), the
devices' last problems, the configuration with its secrets hidden and a short system summary.

Everything in it passes the CPR mask and has every configured secret's value replaced, whatever
wrote it. The file is written beside its name (``.NAME.part``), synced and renamed, so a pulled
stick or a full one leaves nothing that looks like an export; the part file is removed on any
failure.
"""

from __future__ import annotations

import contextlib
import errno
import os
import platform
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Iterable
from datetime import datetime
from importlib import metadata
from pathlib import Path

from kiosk.clock import local
from kiosk.config.shown import HIDDEN, shown_value
from kiosk.cpr import scrub

JOURNAL_UNIT = "kiosk.service"  # packaging/systemd/kiosk.service
JOURNAL_DAYS = 7
JOURNAL_MAX_LINES = 100_000
JOURNAL_TIMEOUT_S = 30

JournalReader = Callable[[], str]


class ExportTargetError(RuntimeError):
    """The chosen place cannot take the file; ``str()`` is the Danish sentence for the screen."""


def usb_sticks(roots: Iterable[Path]) -> list[Path]:
    """Mount points directly under each root or one level down (``/media/STICK``,
    ``/run/media/USER/STICK``), sorted; roots that do not exist are skipped."""
    is_mount = os.path.ismount
    found: list[Path] = []
    for root in roots:
        for first in _subfolders(root):
            if is_mount(str(first)):
                found.append(first)
                continue
            found += [second for second in _subfolders(first) if is_mount(str(second))]
    return sorted(set(found))


def _subfolders(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.is_dir()]
    except OSError:  # missing, unreadable, or a stick pulled while we look
        return []


def archive_name(automat_id: str, when: datetime) -> str:
    return f"kiosk-logs-{automat_id}-{local(when):%Y%m%d-%H%M%S}.zip"


def read_journal(unit: str = JOURNAL_UNIT, days: int = JOURNAL_DAYS) -> str:
    """The unit's journal of the last ``days`` days, or one line saying why there is none (no
    systemd, no permission: the service user needs the ``systemd-journal`` group)."""
    command = [
        "journalctl", "--unit", unit, "--since", f"{days} days ago", "--no-pager", "--quiet",
        "--output", "short-iso", "--lines", str(JOURNAL_MAX_LINES),
    ]  # fmt: skip
    if shutil.which(command[0]) is None:
        return "Ingen systemd-journal på denne maskine (journalctl findes ikke).\n"
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, errors="replace",
            timeout=JOURNAL_TIMEOUT_S, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"Journalen kunne ikke læses: {exc}\n"
    if done.returncode != 0:
        return f"Journalen kunne ikke læses: {done.stderr.strip()[:300]}\n"
    return done.stdout or f"Journalen har intet for {unit} de sidste {days} dage.\n"


def summary_lines(
    automat_id: str, library: str, when: datetime, staff_no: str, config: object,
    health: dict[str, str],
) -> list[str]:
    """A few lines support reads first: which automat, which version, which database, how
    full the data folder is, and how each device is."""
    try:
        version = metadata.version("biblioteks-betalingsautomat")
    except metadata.PackageNotFoundError:
        version = "ukendt"
    database = getattr(config, "database", None)
    lines = [
        f"Automat: {automat_id} ({library})",
        f"Eksporteret: {local(when):%d.%m.%Y %H:%M:%S} (dansk tid) af personalenummer {staff_no}",
        f"Version: {version}; Python {platform.python_version()}; {platform.platform()}",
        f"Maskine: {platform.node()}",
    ]
    if database is not None:
        url = database.url or f"SQLite i {database.data_dir}"
        lines.append(f"Database: {shown_value('url', url) if database.url else url}")
        try:
            usage = shutil.disk_usage(database.data_dir)
            lines.append(f"Fri plads i {database.data_dir}: {usage.free // 2**20} MB"
                         f" af {usage.total // 2**20} MB")
        except OSError as exc:
            lines.append(f"Fri plads i {database.data_dir}: ukendt ({exc.strerror or exc})")
    lines += [f"Enhed {name}: {state}" for name, state in health.items()] or ["Ingen enheder."]
    return lines


def cleaned(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every CPR-shaped number masked and every secret's value hidden."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    return scrub(text)


def write_archive(folder: Path, name: str, files: dict[str, str], secrets: Iterable[str]) -> Path:
    """``files`` (archive path → text), each cleaned, zipped into ``folder/name`` at once."""
    hidden = list(secrets)
    final = folder / name
    part = folder / f".{name}.part"
    try:
        with open(part, "wb") as raw:
            with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for path, text in files.items():
                    archive.writestr(path, cleaned(text, hidden))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(part, final)
        _sync_folder(folder)
    except OSError as exc:
        _remove(part)
        raise ExportTargetError(why_not(exc, folder)) from None
    except BaseException:
        _remove(part)
        raise
    return final


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):  # the stick is gone: nothing is left on it either
        path.unlink(missing_ok=True)


def why_not(exc: OSError, folder: Path) -> str:
    """What the technician reads when ``folder`` did not take the file (nothing was left)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"Der er ikke plads til logfilen på {folder}. Intet blev gemt."
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"Der kan ikke skrives på {folder} (skrivebeskyttet?). Intet blev gemt."
    if exc.errno in (errno.ENOENT, errno.ENODEV, errno.ENOTDIR, errno.EIO, errno.ENXIO):
        return f"{folder} kan ikke længere nås (er USB-stikket taget ud?). Intet blev gemt."
    return f"Logfilen kunne ikke gemmes på {folder}: {exc.strerror or exc}. Intet blev gemt."
