"""``kiosk bon issue|list|void`` against a configured ledger, as staff use it from a shell."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.cli import main
from kiosk.clock import SystemClock
from kiosk.config import load_config
from kiosk.ledger.db import make_engine
from kiosk.ledger.models import AuditEntry, Bon
from tests.payment_fakes import add_staff

CLERK, PIN = "17", "2468"  # a member of staff: issuing and voiding ask who, and their PIN


@pytest.fixture(autouse=True)
def clerk(config_file: Path) -> None:
    add_staff(config_file, CLERK, PIN, "staff")


def run(capsys: pytest.CaptureFixture[str], *args: str, pin: str = PIN) -> tuple[int, str, str]:
    """``kiosk ARGS`` with ``pin`` on stdin, where the PIN is asked (never an argument)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdin", io.StringIO(pin + "\n"))
        code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_issue_list_void(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = str(config_file)
    code, out, _ = run(
        capsys, "bon", "issue", "--config", cfg, "--amount", "50.00", "--as", CLERK
    )
    assert code == 0
    assert "BON" in out and "50,00 kr." in out and "Testbiblioteket" in out
    short = re.search(r"Kode: ([0-9A-Z]{5}-[0-9A-Z]{5})", out)[1]

    code, out, _ = run(capsys, "bon", "list", "--config", cfg)
    assert code == 0 and short in out and "1 udestående bon, 50,00 kr. i alt" in out

    code, out, _ = run(capsys, "bon", "void", "--config", cfg, short.lower(), "--as", CLERK)
    assert code == 0 and f"Bon {short} (50,00 kr.) er annulleret" in out
    code, _, err = run(capsys, "bon", "void", "--config", cfg, short, "--as", CLERK)
    assert code == 1 and "Bonen er annulleret af personalet og kan ikke bruges." in err

    code, out, _ = run(capsys, "bon", "list", "--config", cfg)
    assert "0 udestående bonner" in out

    engine = make_engine(load_config(config_file).database_url())
    with engine.connect() as conn:
        assert conn.scalar(select(Bon.state)) == "voided"
        actions = [e.action for e in conn.execute(select(AuditEntry))]
    # who issued and voided it, checked by PIN each time (the account was added first)
    assert actions == [
        "staff_added", "staff_login", "bon_issued", "staff_login", "bon_voided", "staff_login"
    ]
    engine.dispose()


@pytest.mark.parametrize("amount", ["0", "-5", "12.345", "ti kroner"])
def test_a_bad_amount_issues_nothing(
    config_file: Path, capsys: pytest.CaptureFixture[str], amount: str
) -> None:
    cfg = str(config_file)
    code, _, err = run(capsys, "bon", "issue", "--config", cfg, "--amount", amount, "--as", CLERK)
    assert code == 1 and err.splitlines()[-1].startswith("kiosk: ")
    code, out, _ = run(capsys, "bon", "list", "--config", cfg)
    assert "0 udestående bonner" in out


def test_an_unknown_code_is_refused(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "bon", "void", "--config", str(config_file), "XXXXX", "--as", CLERK)
    assert code == 1 and err.splitlines()[-1] == "kiosk: Vi kender ikke denne bon. Tjek koden."


def at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """The command's clock (it reads the system clock) stands at ``moment``."""
    monkeypatch.setattr(SystemClock, "now", lambda _self: moment)


def test_staff_read_plain_sentences_in_danish_time(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13, item 9: no internal keys (bon_voided, desk_cash), no UTC, and the last valid day
    named as on the slip ("gyldig til og med"), in the words of the screen."""
    cfg = str(config_file)
    issued = datetime(2026, 11, 18, 23, 30, tzinfo=UTC)  # 19 November, 00.30 in Denmark
    at(monkeypatch, issued)
    run(capsys, "bon", "issue", "--config", cfg, "--amount", "50.00", "--as", CLERK)
    code, out, err = run(capsys, "bon", "list", "--config", cfg)
    assert code == 0, err
    line = out.splitlines()[0]
    assert "50,00 kr." in line and "Betalt kontant i skranken" in line
    assert "udstedt 19.11.2026 kl. 00.30 af 17" in line
    assert "gyldig til og med 17.02.2027" in line  # 90 days: the slip's words and date
    short = line.split()[0]

    at(monkeypatch, issued + timedelta(hours=9, minutes=45))
    assert run(capsys, "bon", "void", "--config", cfg, short, "--as", CLERK)[0] == 0
    code, _, err = run(capsys, "bon", "void", "--config", cfg, short, "--as", CLERK)
    assert code == 1
    assert err.splitlines()[-1] == (
        "kiosk: Bonen er annulleret af personalet og kan ikke bruges."
        " Annulleret 19.11.2026 kl. 10.15 af 17."
    )
    for text in (out, err.splitlines()[-1]):
        assert not re.search(r"bon_\w+|desk_cash|\d{4}-\d\d-\d\d", text), text


def test_expired_bons_are_listed_as_expired_with_their_last_valid_day(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = str(config_file)
    at(monkeypatch, datetime(2026, 8, 19, 10, 0, tzinfo=UTC))
    run(capsys, "bon", "issue", "--config", cfg, "--amount", "20.00", "--as", CLERK)
    # 90 days: valid through 17 November; at 00.30 on the 18th (Danish time) it has expired
    at(monkeypatch, datetime(2026, 11, 17, 23, 30, tzinfo=UTC))
    out = run(capsys, "bon", "list", "--config", cfg)[1]
    assert "0 udestående bonner" in out
    out = run(capsys, "bon", "list", "--config", cfg, "--all")[1]
    assert "udløbet: var gyldig til og med 17.11.2026" in out
    assert "18.11.2026" not in out


def test_english_on_request_with_the_screens_english_words(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = str(config_file)
    at(monkeypatch, datetime(2026, 11, 19, 9, 15, tzinfo=UTC))
    run(capsys, "bon", "issue", "--config", cfg, "--amount", "50.00", "--as", CLERK)
    out = run(capsys, "bon", "list", "--config", cfg, "--lang", "en")[1]
    assert "Paid in cash at the desk" in out and "issued 19.11.2026 at 10.15 by 17" in out
    assert "valid through 17.02.2027" in out and "1 outstanding bon, 50,00 kr. in all" in out
    short = out.split()[0]
    void = ("bon", "void", "--config", cfg, short, "--as", CLERK, "--lang", "en")
    assert f"Bon {short} (50,00 kr.) is cancelled" in run(capsys, *void)[1]
    err = run(capsys, *void)[2]
    assert err.splitlines()[-1] == (
        "kiosk: This bon was cancelled by the staff and cannot be used."
        " Cancelled 19.11.2026 at 10.15 by 17."
    )


def test_a_bon_is_issued_only_by_staff_who_give_their_pin(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = str(config_file)
    add_staff(config_file, "4711", "1357", "technician")  # a technician is not staff
    code, out, err = run(capsys, "bon", "issue", "--config", cfg, "--amount", "50.00", "--as",
                         CLERK, pin="0000")
    assert code == 1 and out == "" and err == "kiosk: Forkert medarbejdernummer eller PIN-kode.\n"
    code, _, err = run(capsys, "bon", "issue", "--config", cfg, "--amount", "50.00", "--as",
                       "4711", pin="1357")
    assert code == 1 and err == "kiosk: Medarbejder 4711 har ikke adgang til dette (issue_bon).\n"
    assert "0 udestående bonner" in run(capsys, "bon", "list", "--config", cfg)[1]
