"""Writing a report's CSV and PDF: both or neither.

Both files are made in memory first, then each is written beside its target under a temporary
name (fsynced) and only then renamed into place, so a folder that cannot be written, a missing
font or a full disk leaves no file, and no half of one, behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from kiosk.reports.csv_file import render_csv
from kiosk.reports.entries import Entry, finance_entries
from kiosk.reports.figures import FleetReport, ZReport
from kiosk.reports.pdf_file import FontNotFound, render_pdf


class ReportFileError(Exception):
    """A report file could not be made or written; nothing was written. One line."""


def report_title(report: ZReport | FleetReport, library_name: str) -> str:
    scope = "alle automater" if isinstance(report, FleetReport) else f"automat {report.automat_id}"
    period = report.period
    days = (
        f"{period.first:%d.%m.%Y}"
        if period.one_day
        else f"{period.first:%d.%m.%Y} – {period.last:%d.%m.%Y}"
    )
    return f"Z-rapport {days}, {scope}" + (f", {library_name}" if library_name else "")


def write_report_files(
    report: ZReport | FleetReport,
    *,
    csv_path: Path | None = None,
    pdf_path: Path | None = None,
    library_name: str = "",
) -> list[Path]:
    """Write the CSV and/or the PDF of ``report``; the paths written."""
    entries = finance_entries(report)
    outputs: list[tuple[Path, bytes]] = []
    if csv_path is not None:
        outputs.append((csv_path, report_bytes(report, "csv", entries=entries)))
    if pdf_path is not None:
        data = report_bytes(report, "pdf", library_name=library_name, entries=entries)
        outputs.append((pdf_path, data))
    _write_all(outputs)
    return [path for path, _ in outputs]


def report_bytes(
    report: ZReport | FleetReport,
    kind: Literal["csv", "pdf"],
    *,
    library_name: str = "",
    entries: list[Entry] | None = None,
) -> bytes:
    """The report's CSV or PDF in memory (the files above, the console's downloads); a missing
    font is a :class:`ReportFileError`."""
    entries = finance_entries(report) if entries is None else entries
    if kind == "csv":
        return render_csv(entries)
    try:
        return render_pdf(
            entries, title=report_title(report, library_name), made_at=_made_at(report)
        )
    except FontNotFound as exc:
        raise ReportFileError(str(exc)) from None


def _made_at(report: ZReport | FleetReport) -> datetime:
    figures = report.total if isinstance(report, FleetReport) else report
    return figures.made_at or datetime.now(UTC)


def _write_all(outputs: list[tuple[Path, bytes]]) -> None:
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in outputs:
            staged.append((_stage(path, data), path))
        for temp, path in staged:
            try:
                os.replace(temp, path)
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror, str(path)) from None
    except OSError as exc:
        for temp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        target = exc.filename if isinstance(exc.filename, str) else ""
        raise ReportFileError(f"cannot write {target or 'the report'}: {exc.strerror}") from None


def _stage(path: Path, data: bytes) -> str:
    """``data`` durably in a temporary file beside ``path``; its name."""
    if path.is_dir():
        raise OSError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    folder = path.parent
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    return temp
