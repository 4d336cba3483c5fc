"""The Z-report of one automat's day, over a day of real sessions on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kiosk.cli import main
from kiosk.ledger.repository import Ledger, TenderEvent
from kiosk.money import Money
from kiosk.payment.recovery import recover
from kiosk.reports import Count, day_bounds, report_lines, z_report
from tests.payment_fakes import CPR, add_staff, session_rig

DAY = date(2026, 11, 24)  # FakeClock starts at 10:00 UTC that day


@pytest.fixture
def day_of_work(engine: Engine) -> Engine:
    rig = session_rig(engine)
    session, coins, fbs, clock, book = rig.session, rig.coins, rig.fbs, rig.clock, rig.book
    assert book is not None

    # A: FBS claims (37.30) in cash: 40 kr in, 0.20 rounding, 2.50 credit bon; FBS refuses
    rig.login()
    session.toggle("201")
    session.pay()
    session.choose_cash()
    for value in (2000, 1000, 1000):
        coins.insert(value)
    fbs.refuse = "Der findes ingen regnskabsperiode"
    rig.outbox.deliver_due()
    session.finish_receipt()
    session.reset()
    clock.advance(600)
    # B: 5 kr in, then cancel: a credit bon
    rig.login()
    session.pay()
    session.choose_cash()
    coins.insert(500)
    session.cancel()
    session.reset()
    # C: the three debtor claims (60 kr) by card
    rig.login()
    session.pay()
    session.choose_card()
    session.finish_receipt()
    session.reset()
    # the desk: one bon kept, one voided
    book.issue(Money.kr(30), "staff-17")
    voided = book.issue(Money.kr(100), "staff-17")
    book.void(voided.short_code, "staff-02", "wrong amount")
    # another automat's coin is not this automat's business
    other = Ledger(engine, "other-01", clock)
    other.record_tender(TenderEvent(other.open_session(), "coin", Money(2000), Money(2000)))
    return engine


def test_the_days_z_report_adds_up(day_of_work: Engine) -> None:
    r = z_report(day_of_work, "test-01", DAY)
    assert r.sessions == {"done": 2, "cancelled": 1}
    assert r.tenders == {"coin": Count(4, Money(4500)), "card": Count(1, Money(6000))}
    assert r.cash == {("coin", 500): 1, ("coin", 1000): 2, ("coin", 2000): 1}
    assert r.cash_total == Money(4500) and r.received == Money(10500)
    assert r.settled == {"fbs": Money(3730), "debtor": Money(6000), "cash_rounding": Money(20)}
    assert r.credited == {"automat_credit": Count(2, Money(750))}
    # received = settled + credited, for the day as for each session
    assert r.received == sum(r.settled.values(), Money(0)) + Money(750)
    assert r.fbs == {"refused": Count(1, Money(3730))}
    (follow_up,) = r.follow_up
    assert follow_up.fee_ids == ("101", "102") and "regnskabsperiode" in follow_up.reason
    assert r.debtor == {"pending": Count(3, Money(6000))}
    assert r.bons_issued_at_desk == Count(2, Money(13000))
    assert r.bons_voided == Count(1, Money(10000))
    assert r.bons_redeemed == Count()
    assert r.bons_outstanding == Count(3, Money(3750))  # 30 kr desk + 2.50 + 5 kr credit
    assert r.unbalanced_sessions == []
    text = "\n".join(report_lines(r))
    assert "Til opfølgning" in text and "gebyr 101, 102" in text
    assert "Alle afsluttede sessioner balancerer" in text
    assert CPR.replace("-", "") not in text and CPR not in text


def test_the_next_day_shows_only_what_is_still_outstanding(day_of_work: Engine) -> None:
    """The day's figures are the day's; the follow-up list is a to-do: a registration FBS
    still refuses stays on it, a day older, until it is handled."""
    next_day = DAY + timedelta(days=1)
    made = day_bounds(next_day)[1]
    r = z_report(day_of_work, "test-01", next_day, now=made)
    assert r.tenders == {} and r.sessions == {} and r.fbs == {}
    (follow_up,) = r.follow_up
    assert follow_up.fee_ids == ("101", "102") and follow_up.age_days == 1
    assert r.bons_outstanding == Count(3, Money(3750))


def test_the_danish_day_is_the_reporting_day() -> None:
    start, end = day_bounds(date(2026, 7, 1))  # summer time: UTC+2
    assert (start.hour, end - start) == (22, timedelta(days=1))
    start, end = day_bounds(date(2027, 3, 28))  # clocks go forward: a 23-hour day
    assert end - start == timedelta(hours=23)


def test_kiosk_report_prints_the_day(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = str(config_file)
    add_staff(config_file, "17", "2468", "staff")
    monkeypatch.setattr("sys.stdin", io.StringIO("2468\n"))  # the PIN, asked
    assert main(["bon", "issue", "--config", cfg, "--amount", "25.00", "--as", "17"]) == 0
    capsys.readouterr()
    assert main(["report", "--config", cfg]) == 0  # today, Danish time
    out = capsys.readouterr().out
    assert ", automat test-01" in out
    (desk,) = [line for line in out.splitlines() if "udstedt i skranken" in line]
    assert desk.split()[-2:] == ["1", "25,00"]
    assert main(["report", "--config", cfg, "--day", "24/11/2026"]) == 2


def test_a_session_finished_at_restart_is_listed_with_its_credit_bon(engine: Engine) -> None:
    """The automat died with 25 kr in it; recovery made a credit bon nobody printed: the report
    tells staff which code to give the citizen who comes to the desk."""
    rig = session_rig(engine)
    session, coins, journal, book = rig.session, rig.coins, rig.journal, rig.book
    assert book is not None
    session.start()
    session.identify(CPR)
    session.enter_pin("1234")
    session.pay()
    session.choose_cash()
    coins.insert(2000)
    coins.insert(500)
    ref = session.plan.transaction_ref
    del session  # the process died here

    assert recover(engine, journal, "test-01").credited
    r = z_report(engine, "test-01", DAY)
    (recovered,) = r.recovered
    ((code, amount),) = recovered.credit_bons
    assert recovered.transaction_ref == ref and amount == Money(2500)
    assert book.verify(code).amount == Money(2500)
    text = "\n".join(report_lines(r))
    assert "Afsluttet ved genstart" in text and f"{code[:5]}-{code[5:]}" in text and ref in text


def test_money_credited_outside_a_payment_and_device_losses_are_listed(engine: Engine) -> None:
    """Issue 11: money found at start-up or after a session ended is credited at once; the
    Z-report lists those bons beside the restart's, and what a device took that nobody can value
    any more (its buffer overflowed, it was reset) as a line for the cash-box count."""
    from drivers.base import Credit, Fault, FaultKind

    session = session_rig(engine).session  # nobody at the automat
    session.on_device_event(Credit("coins", 2000, "DK020A", "coin", "cctalk:1:7", True))
    session.reset()
    session.on_device_event(Credit("coins", 500, "DK5", "coin", "cctalk:1:8"))
    session.on_device_event(Fault("coins", FaultKind.LOST_EVENTS, "2 event(s) after event 9 …"))

    r = z_report(engine, "test-01", DAY)
    assert [x.outcome for x in r.recovered] == ["money_at_restart", "money_outside_payment"]
    text = "\n".join(report_lines(r))
    assert "penge modtaget under en genstart, krediteret" in text
    assert "penge modtaget uden for en betaling, krediteret" in text
    assert "tæl kassen" in text and "coins: 2 event(s) after event 9" in text
    assert r.credited == {
        "money_at_restart": Count(1, Money(2000)),
        "money_outside_payment": Count(1, Money(500)),
    }
    assert r.unbalanced_sessions == []


def test_unbalanced_sessions_are_those_of_the_reports_scope_and_period(engine: Engine) -> None:
    """The balance check of a report sums only its own sessions (so a month's report on a
    fleet's year does not audit the year): a finished session here and in the period that
    received more than it settled is named; another automat's, or one of another day, is not."""
    from kiosk.clock import FakeClock

    clock = FakeClock()  # 24 Nov 2026, 10:00 UTC

    def unbalanced_session(automat: str) -> str:
        ledger = Ledger(engine, automat, clock)
        sid = ledger.open_session()
        ledger.record_tender(TenderEvent(sid, "coin", Money(2000), Money(2000)))
        ledger.set_session_state(sid, "cancelled", end_reason="cancel")  # nothing credited
        return sid

    here = unbalanced_session("test-01")
    unbalanced_session("other-01")
    clock.advance(86400)
    unbalanced_session("test-01")  # the next day
    assert z_report(engine, "test-01", DAY).unbalanced_sessions == [here]
