"""``kiosk report`` for the finance office: files, the fleet, and bad input (one line, nothing
written)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from kiosk.app import open_database
from kiosk.cli import main
from kiosk.config import load_config
from kiosk.ledger.repository import Ledger, TenderEvent
from kiosk.money import Money
from tests.payment_fakes import add_staff


def csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig")), delimiter=";"))


def pdf_text(path: Path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(path).pages)


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The command's one line on stderr (beside the log lines of a first migration)."""
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if " INFO " not in line]
    assert len(lines) == 1 and lines[0].startswith("kiosk: "), captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def test_kiosk_report_writes_the_csv_and_the_pdf(
    config_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cfg = str(config_file)
    add_staff(config_file, "17", "2468", "staff")
    monkeypatch.setattr("sys.stdin", io.StringIO("2468\n"))  # the PIN, asked
    assert main(["bon", "issue", "--config", cfg, "--amount", "25.00", "--as", "17"]) == 0
    capsys.readouterr()
    csv_path, pdf_path = tmp_path / "z.csv", tmp_path / "z.pdf"
    args = ["report", "--config", cfg, "--csv", str(csv_path), "--pdf", str(pdf_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"written: {csv_path}" in out and f"written: {pdf_path}" in out
    assert "Alle afsluttede sessioner balancerer." in out
    (desk,) = [r for r in csv_rows(csv_path) if r["post"] == "udstedt i skranken"]
    assert (desk["automat"], desk["antal"], desk["beløb_kr"], desk["beløb_øre"]) == (
        "test-01",
        "1",
        "25,00",
        "2500",
    )
    text = pdf_text(pdf_path)
    assert "Testbiblioteket" in text and "udstedt i skranken 1 25,00" in text


def test_kiosk_report_fleet_over_a_period(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = open_database(load_config(config_file))
    for automat, ore in (("test-01", 2000), ("other-01", 500)):
        ledger = Ledger(engine, automat)
        ledger.record_tender(TenderEvent(ledger.open_session(), "coin", Money(ore), Money(ore)))
    engine.dispose()
    csv_path = tmp_path / "fleet.csv"
    cfg = str(config_file)
    assert main(["report", "--config", cfg, "--fleet", "--from", "2020-01-01"]) == 0
    out = capsys.readouterr().out
    assert "Z-rapport 01.01.2020 – " in out and "Automater: other-01, test-01" in out
    assert ", automat other-01" in out and ", automat test-01" in out
    assert (
        main(["report", "--config", cfg, "--fleet", "--from", "2020-01-01", "--csv", str(csv_path)])
        == 0
    )
    coins = {r["automat"]: r["beløb_øre"] for r in csv_rows(csv_path) if r["post"] == "mønter"}
    assert coins == {"alle": "2500", "test-01": "2000", "other-01": "500"}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--day", "24/11/2026"], "--day must be a date as YYYY-MM-DD, got '24/11/2026'"),
        (["--from", "20261101"], "--from must be a date as YYYY-MM-DD"),
        (["--from", "2026-13-01", "--to", "2026-12-01"], "--from must be a date as YYYY-MM-DD"),
        (["--from", "2026-11-01", "--to", "2026-11-31"], "--to must be a date as YYYY-MM-DD"),
        (["--from", "2026-11-30", "--to", "2026-11-01"], "starts after it ends"),
        (["--from", "2999-01-01"], "starts after it ends"),  # --to is today
        (["--to", "2026-11-30"], "--to needs --from"),
        (["--day", "2026-11-24", "--from", "2026-11-01"], "either --day or --from/--to"),
    ],
)
def test_bad_dates_are_one_line_and_nothing_is_written(
    config_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    says: str,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    files = ["--csv", str(out / "z.csv"), "--pdf", str(out / "z.pdf")]
    assert main(["report", "--config", str(config_file), *args, *files]) == 2
    assert says in one_error_line(capsys)
    assert list(out.iterdir()) == []


def test_a_file_that_cannot_be_written_leaves_no_file_at_all(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CSV could be written, the PDF's folder does not exist: neither is written, and no
    temporary file is left beside the CSV."""
    out = tmp_path / "out"
    out.mkdir()
    missing = tmp_path / "no-such-folder" / "z.pdf"
    args = ["report", "--config", str(config_file), "--csv", str(out / "z.csv")]
    assert main([*args, "--pdf", str(missing)]) == 2
    line = one_error_line(capsys)
    assert f"cannot write {missing}" in line and "No such file or directory" in line
    assert list(out.iterdir()) == []
    assert main([*args, "--pdf", str(out)]) == 2  # a folder, not a file
    assert f"cannot write {out}" in one_error_line(capsys)
    assert list(out.iterdir()) == []
    assert main([*args, "--pdf", str(out / "z.csv")]) == 2
    assert "--csv and --pdf name the same file" in one_error_line(capsys)


def test_without_the_font_the_pdf_is_refused_in_one_line(
    config_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("kiosk.reports.pdf_file.FONT_DIRS", (tmp_path / "fonts",))
    out = tmp_path / "out"
    out.mkdir()
    args = ["report", "--config", str(config_file), "--csv", str(out / "z.csv")]
    assert main([*args, "--pdf", str(out / "z.pdf")]) == 2
    assert "apt install fonts-dejavu-core" in one_error_line(capsys)
    assert list(out.iterdir()) == []
