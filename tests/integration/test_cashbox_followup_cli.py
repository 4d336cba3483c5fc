"""``kiosk cashbox expected|empty`` and ``kiosk followup list|close`` against a configured
ledger, as a technician or staff member uses them from a shell: the slip, the list, and one
clear line (exit 1, nothing written) for bad input."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from kiosk.app import open_database
from kiosk.cli import main
from kiosk.config import load_config
from kiosk.ledger.models import AuditEntry, CashBoxEmptying, OutboxItem
from kiosk.ledger.repository import Ledger, TenderEvent
from kiosk.money import Money
from kiosk.staff.accounts import staff_book_for
from kiosk.staff.rules import Actor
from tests.payment_fakes import FakeClock, session_rig

TECH, DESK = ("4711", "2468"), ("17", "1357")  # staff numbers and PINs


def run(capsys: pytest.CaptureFixture[str], *args: str, pin: str = "") -> tuple[int, str, str]:
    """``kiosk ARGS`` with ``pin`` on stdin (the PIN is asked, never an argument)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdin", io.StringIO(pin + "\n"))
        code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def ledger(config_file: Path) -> Engine:
    config = load_config(config_file)
    engine = open_database(config)
    book = staff_book_for(config, engine, FakeClock())
    setup = Actor("test-setup", "system")
    book.add(TECH[0], "Tea Tekniker", "technician", TECH[1], by=setup)
    book.add(DESK[0], "Sofie Skranke", "staff", DESK[1], by=setup)
    yield engine
    engine.dispose()


def test_expected_then_empty_prints_the_slip(
    config_file: Path, ledger: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = str(config_file)
    till = Ledger(ledger, "test-01")
    session = till.open_session()
    for value in (2000, 2000, 50):
        till.record_tender(TenderEvent(session, "coin", Money(value), Money(value),
                                       device="coin_acceptor"))
    code, out, _ = run(capsys, "cashbox", "expected", "--config", cfg)
    assert code == 0 and "coin_acceptor: 40,50 kr." in out and "20,00 kr.      2 stk." in out

    code, out, _ = run(capsys, "cashbox", "empty", "--config", cfg, "coin_acceptor", "20=2",
                       "0,50=1", "10=1", "--as", TECH[0], pin=TECH[1])
    assert code == 0 and "TØMNING AF KASSEBOKS" in out and "Testbiblioteket" in out
    assert "4711 (tekniker)" in out and "+10,00 kr." in out
    code, out, _ = run(capsys, "cashbox", "expected", "--config", cfg)
    assert code == 0 and out == "coin_acceptor: 0,00 kr.\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["coin_acceptor", "20=to"],
         "kiosk: the count of 20,00 kr. must be a whole number of pieces, 0 or more; got 'to'\n"),
        (["coin_acceptor", "20"],
         "kiosk: '20' is not DENOMINATION=COUNT (e.g. 20=3 for three 20 kr.)\n"),
        (["coin_acceptor", "3=1"], "kiosk: 3,00 kr. is not a denomination of coin_acceptor"),
        (["kasse", "20=1"], "kiosk: unknown cash box 'kasse' (known: coin_acceptor)\n"),
    ],
)
def test_bad_counts_are_one_line_and_write_nothing(
    config_file: Path, ledger: Engine, capsys: pytest.CaptureFixture[str], args: list[str],
    message: str,
) -> None:
    till = Ledger(ledger, "test-01")
    till.record_tender(TenderEvent(till.open_session(), "coin", Money(2000), Money(2000),
                                   device="coin_acceptor"))
    code, out, err = run(capsys, "cashbox", "empty", "--config", str(config_file), *args,
                         "--as", TECH[0], pin=TECH[1])
    assert code == 1 and out == "" and err.startswith(message) and err.count("\n") == 1
    with ledger.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(CashBoxEmptying)) == 0
        actions = set(conn.scalars(select(AuditEntry.action)))
    assert actions <= {"staff_added", "staff_login"}  # who tried is logged; no emptying


def test_followup_list_and_close(
    config_file: Path, ledger: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = str(config_file)
    rig = session_rig(ledger)  # the automat "test-01" of the configuration
    rig.login()
    rig.session.toggle("201")
    rig.session.pay()
    rig.session.choose_card()
    rig.fbs.refuse = "Ingen regnskabsperiode"
    (delivery,) = rig.outbox.deliver_due()
    item = str(delivery.item_id)

    code, out, _ = run(capsys, "followup", "list", "--config", cfg)
    assert code == 0 and f"{item:>6}" in out and "37,30 kr." in out and "gebyr 101, 102" in out
    assert "FBS: Ingen regnskabsperiode" in out and "Afvist af FBS – prøves igen" in out

    code, _, err = run(capsys, "followup", "close", "--config", cfg, item, "--outcome", "other",
                       "--as", DESK[0], pin=DESK[1])
    assert code == 1 and err == "kiosk: the outcome 'other' needs a note saying what was done\n"
    code, out, _ = run(capsys, "followup", "close", "--config", cfg, item, "--outcome",
                       "registered_by_hand", "--as", DESK[0], pin=DESK[1])
    assert code == 0 and "Lukket" in out and "af 17 (staff): Registreret manuelt i FBS" in out
    code, out, _ = run(capsys, "followup", "list", "--config", cfg)
    assert out == "Ingen registreringer på opfølgningslisten.\n"
    code, out, _ = run(capsys, "followup", "list", "--config", cfg, "--all")
    assert "af 17" in out
    code, _, err = run(capsys, "followup", "close", "--config", cfg, item, "--outcome",
                       "refunded", "--as", DESK[0], pin=DESK[1])
    assert code == 1 and "already closed" in err and "by 17" in err
    with ledger.connect() as conn:
        assert conn.scalar(select(OutboxItem.closed_by)) == "17"


@pytest.mark.parametrize(
    ("who", "pin", "message"),
    [
        (DESK[0], DESK[1], "kiosk: Medarbejder 17 har ikke adgang til dette (empty_cash_box)."),
        (TECH[0], "0000", "kiosk: "),  # a wrong PIN: the login's own words, counted as a try
        ("999", "1234", "kiosk: "),  # nobody
    ],
)
def test_only_a_technician_who_gives_their_pin_empties_a_cash_box(
    config_file: Path, ledger: Engine, capsys: pytest.CaptureFixture[str], who: str, pin: str,
    message: str,
) -> None:
    """The emptying names who counted in the audit log: the CLI asks who (``--as``) and their
    PIN, as staff mode does; staff (not technicians) may not, and nothing is written."""
    till = Ledger(ledger, "test-01")
    till.record_tender(TenderEvent(till.open_session(), "coin", Money(2000), Money(2000),
                                   device="coin_acceptor"))
    code, out, err = run(capsys, "cashbox", "empty", "--config", str(config_file),
                         "coin_acceptor", "20=1", "--as", who, pin=pin)
    assert code == 1 and out == "" and err.startswith(message) and err.count("\n") == 1
    with ledger.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(CashBoxEmptying)) == 0


def test_a_technician_cannot_close_a_follow_up_item(
    config_file: Path, ledger: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "followup", "close", "--config", str(config_file), "1",
                       "--outcome", "refunded", "--as", TECH[0], pin=TECH[1])
    assert code == 1 and err == "kiosk: Medarbejder 4711 har ikke adgang til dette (follow_up).\n"
