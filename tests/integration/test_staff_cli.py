"""``kiosk staff`` against a configured ledger, as an administrator uses it from a shell: PINs
read from stdin (never argv), the administrator named by ``--as`` and checked by PIN, one clear
line and exit 1 for every refusal, nothing changed."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.cli import main
from kiosk.config import load_config
from kiosk.ledger.db import make_engine
from kiosk.ledger.models import AuditEntry, StaffAccount


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, stdin: str, *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["staff", *args])
    out, err = capsys.readouterr()
    return code, out, err


def ledger(config_file: Path) -> tuple[list[tuple], list[tuple]]:
    engine = make_engine(load_config(config_file).database_url())
    with engine.connect() as conn:
        accounts = [tuple(r) for r in conn.execute(select(StaffAccount).order_by(StaffAccount.id))]
        audit = [(a.actor, a.role, a.action, a.details)
                 for a in conn.execute(select(AuditEntry).order_by(AuditEntry.id))]
    engine.dispose()
    return accounts, audit


def test_an_administrator_manages_staff_from_the_shell(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = ("--config", str(config_file))
    monkeypatch.setattr("getpass.getuser", lambda: "root")
    # a new installation: the first administrator is added by the operating-system user
    code, out, _ = run(capsys, monkeypatch, "90909\n", "add", "1", "--name", "Ada Admin",
                       "--roles", "administrator", *cfg)  # stderr: the ledger being created
    assert code == 0
    assert out == "Medarbejder 1 (Ada Admin, administrator) er oprettet.\n"
    # from now on the administrator says who they are, and their PIN is checked
    code, _, err = run(capsys, monkeypatch, "4711\n", "add", "17", "--name", "Sofie",
                       "--roles", "staff", *cfg)
    assert code == 1
    assert err == "kiosk: staff: der findes en administrator: angiv hvem du er med --as NUMMER\n"
    code, out, _ = run(capsys, monkeypatch, "90909\n4711\nSTAFFCARD-17\n", "add", "17", "--name",
                       "Sofie Skranke", "--roles", "staff,technician", "--card", "--as", "1", *cfg)
    assert code == 0 and "Medarbejder 17 (Sofie Skranke, staff technician) er oprettet." in out

    code, out, _ = run(capsys, monkeypatch, "", "list", *cfg)
    assert code == 0
    assert out.splitlines() == [
        "     1  Ada Admin                      administrator",
        "    17  Sofie Skranke                  staff technician             kort",
        "2 medarbejdere",
    ]
    code, out, _ = run(capsys, monkeypatch, "90909\n", "unlock", "17", "--as", "1", *cfg)
    assert out == "Medarbejder 17 var ikke låst; forkerte forsøg er nulstillet.\n"
    code, out, _ = run(capsys, monkeypatch, "90909\n8642\n", "reset-pin", "17", "--as", "1", *cfg)
    assert (code, out) == (0, "Medarbejder 17 har fået en ny PIN-kode.\n")
    code, out, _ = run(capsys, monkeypatch, "90909\n", "remove", "17", "--as", "1", *cfg)
    assert (code, out) == (0, "Medarbejder 17 er lukket og kan ikke længere logge ind.\n")
    code, out, _ = run(capsys, monkeypatch, "", "list", "--all", *cfg)
    assert "lukket 24" not in out and "lukket" in out.splitlines()[1]

    accounts, audit = ledger(config_file)
    assert [a[2] for a in audit] == [
        "staff_added", "staff_login", "staff_added", "staff_login", "staff_unlocked",
        "staff_login", "staff_pin_reset", "staff_login", "staff_removed",
    ]
    assert audit[0][:2] == ("os:root", "system")
    assert {a[:2] for a in audit[2:] if a[2] != "staff_login"} == {("1", "administrator")}
    everything = json.dumps([accounts, audit], default=str)
    for secret in ("90909", "4711", "8642", "STAFFCARD-17"):
        assert secret not in everything


@pytest.mark.parametrize(
    ("stdin", "args", "message"),
    [
        ("90909\n12ab\n", ("add", "17", "--name", "Bo", "--roles", "staff", "--as", "1"),
         "kiosk: staff: PIN-koden må kun bestå af cifre."),
        ("90909\n123\n", ("add", "17", "--name", "Bo", "--roles", "staff", "--as", "1"),
         "kiosk: staff: PIN-koden skal være 4 til 12 cifre."),
        ("90909\n1234\n", ("add", "17", "--name", "Bo", "--roles", "boss", "--as", "1"),
         "kiosk: staff: ukendt rolle 'boss'; vælg blandt staff, finance, technician,"
         " administrator"),
        ("90909\n1234\n", ("add", "1", "--name", "Bo", "--roles", "staff", "--as", "1"),
         "kiosk: staff: Medarbejdernummer 1 er allerede i brug."),
        ("11111\n1234\n", ("add", "17", "--name", "Bo", "--roles", "staff", "--as", "1"),
         "kiosk: staff: Forkert medarbejdernummer eller PIN-kode."),
        ("90909\n", ("remove", "1", "--as", "1"),
         "kiosk: staff: Medarbejder 1 er den sidste administrator og kan ikke lukkes; opret"
         " først en anden administrator."),
        ("90909\n", ("unlock", "5", "--as", "1"), "kiosk: staff: Der er ingen medarbejder med"
         " nummer 5."),
        ("90909\n", ("add", "17", "--name", "Bo", "--roles", "staff", "--as", "1"),
         "kiosk: staff: inddata sluttede, før \"Ny PIN for 17\" blev givet"),
    ],
)
def test_a_refusal_is_one_line_and_changes_no_account(
    config_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stdin: str,
    args: tuple[str, ...],
    message: str,
) -> None:
    cfg = ("--config", str(config_file))
    assert run(capsys, monkeypatch, "90909\n", "add", "1", "--name", "Ada", "--roles",
               "administrator", *cfg)[0] == 0
    before, _ = ledger(config_file)
    code, out, err = run(capsys, monkeypatch, stdin, *args, *cfg)
    assert (code, out, err) == (1, "", message + "\n")
    after = ledger(config_file)[0]
    tries = StaffAccount.__table__.columns.keys().index("failed_tries")
    assert [r[:tries] + r[tries + 1:] for r in after] == [r[:tries] + r[tries + 1:] for r in before]
    # only the administrator's wrong PIN counts, as at the automat
    assert [r[tries] for r in after] == [1 if "Forkert" in message else 0]


def test_a_pin_is_never_an_argument(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SystemExit) as exit_:
        run(capsys, monkeypatch, "", "add", "1", "--name", "Ada", "--roles", "administrator",
            "--pin", "90909", "--config", str(config_file))
    assert exit_.value.code == 2
    assert "unrecognized arguments: --pin 90909" in capsys.readouterr().err
