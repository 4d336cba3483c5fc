"""``kiosk cashbox expected|empty`` and ``kiosk followup list|close`` against a configured
ledger, as a technician or staff member uses them from a shell: the slip, the list, and one
clear line (exit 1, nothing written) for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from kiosk.app import open_database
from kiosk.cli import main
from kiosk.config import load_config
from kiosk.ledger.models import AuditEntry, CashBoxEmptying, OutboxItem
from kiosk.ledger.repository import Ledger, TenderEvent
from kiosk.money import Money
from tests.payment_fakes import session_rig


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def ledger(config_file: Path) -> Engine:
    engine = open_database(load_config(config_file))
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
                       "0,50=1", "10=1", "--staff", "4711")
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
                         "--staff", "4711")
    assert code == 1 and out == "" and err.startswith(message) and err.count("\n") == 1
    with ledger.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(CashBoxEmptying)) == 0
        assert conn.scalar(select(func.count()).select_from(AuditEntry)) == 0


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
                       "--staff", "s17")
    assert code == 1 and err == "kiosk: the outcome 'other' needs a note saying what was done\n"
    code, out, _ = run(capsys, "followup", "close", "--config", cfg, item, "--outcome",
                       "registered_by_hand", "--staff", "s17")
    assert code == 0 and "Lukket" in out and "af s17 (staff): Registreret manuelt i FBS" in out
    code, out, _ = run(capsys, "followup", "list", "--config", cfg)
    assert out == "Ingen registreringer på opfølgningslisten.\n"
    code, out, _ = run(capsys, "followup", "list", "--config", cfg, "--all")
    assert "af s17" in out
    code, _, err = run(capsys, "followup", "close", "--config", cfg, item, "--outcome",
                       "refunded", "--staff", "s02")
    assert code == 1 and "already closed" in err and "by s17" in err
    with ledger.connect() as conn:
        assert conn.scalar(select(OutboxItem.closed_by)) == "s17"
