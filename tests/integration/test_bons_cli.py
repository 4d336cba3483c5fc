"""``kiosk bon issue|list|void`` against a configured ledger, as staff use it from a shell."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.cli import main
from kiosk.config import load_config
from kiosk.ledger.db import make_engine
from kiosk.ledger.models import AuditEntry, Bon


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_issue_list_void(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = str(config_file)
    code, out, _ = run(
        capsys, "bon", "issue", "--config", cfg, "--amount", "50.00", "--issuer", "s17"
    )
    assert code == 0
    assert "BON" in out and "50,00 kr." in out and "Testbiblioteket" in out
    short = re.search(r"Kode: ([0-9A-Z]{5}-[0-9A-Z]{5})", out)[1]

    code, out, _ = run(capsys, "bon", "list", "--config", cfg)
    assert code == 0 and short in out and "1 outstanding bon(s), 50.00 in all" in out

    code, out, _ = run(capsys, "bon", "void", "--config", cfg, short.lower(), "--staff", "s02")
    assert code == 0 and "voided" in out
    code, _, err = run(capsys, "bon", "void", "--config", cfg, short, "--staff", "s02")
    assert code == 1 and "bon_voided" in err

    code, out, _ = run(capsys, "bon", "list", "--config", cfg)
    assert "0 outstanding bon(s)" in out

    engine = make_engine(load_config(config_file).database_url())
    with engine.connect() as conn:
        assert conn.scalar(select(Bon.state)) == "voided"
        actions = [e.action for e in conn.execute(select(AuditEntry))]
    assert actions == ["bon_issued", "bon_voided"]
    engine.dispose()


@pytest.mark.parametrize("amount", ["0", "-5", "12.345", "ti kroner"])
def test_a_bad_amount_issues_nothing(
    config_file: Path, capsys: pytest.CaptureFixture[str], amount: str
) -> None:
    cfg = str(config_file)
    code, _, err = run(capsys, "bon", "issue", "--config", cfg, "--amount", amount, "--issuer", "s")
    assert code == 1 and err.splitlines()[-1].startswith("kiosk: ")
    code, out, _ = run(capsys, "bon", "list", "--config", cfg)
    assert "0 outstanding bon(s)" in out


def test_an_unknown_code_is_refused(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "bon", "void", "--config", str(config_file), "XXXXX", "--staff", "s")
    assert code == 1 and "bon_unknown" in err
