"""The Z-report over a period and a fleet, and its CSV and PDF for the finance office.

A scripted period on two automats sharing one ledger (SQLite and PostgreSQL): card, cash and
mixed payments into FBS and the debtor system, two refusals by FBS (one closed by hand in staff
mode), desk bons issued and voided in staff mode, one redeemed at the other automat, a
remainder bon, a cancellation, money outside a payment and at a restart, a crash finished by
recovery, an expired bon, a debtor file, a cash-box emptying in technician mode that counts a
coin short (``tests/finance_world.py``, shared with the console's finance pages). The
report's figures, the CSV's and the text of the PDF are compared with sums the test takes from
the tables itself (plain SQL), the confirmation ids with what FBS answered, and the emptying's
expected contents with the coins the acceptor delivered.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text, update

from kiosk.ledger.models import CitizenSession
from kiosk.money import Money
from kiosk.reports import (
    FLEET,
    Count,
    Period,
    ZReport,
    fleet_report,
    period_report,
    report_lines,
)
from kiosk.reports.csv_file import render_csv
from kiosk.reports.entries import finance_entries
from kiosk.reports.files import write_report_files
from kiosk.reports.words import SECTIONS
from tests.finance_truth import (
    Truth,
    assert_csv_is_the_ledgers,
    assert_figures_are_the_ledgers,
    assert_pdf_is_the_ledgers,
    csv_count,
    csv_rows,
    no_personal_data,
    pdf_has_row,
    pdf_scope,
    pdf_text,
)
from tests.finance_world import PERIOD, SHOWN_REFUSAL, A, B, World, build_world, done
from tests.payment_fakes import session_rig


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    return build_world(engine, tmp_path)


# -- the tests -----------------------------------------------------------------------------------
def test_the_periods_report_csv_and_pdf_equal_the_ledger(world: World, tmp_path: Path) -> None:
    r = period_report(world.engine, PERIOD, (A,), now=world.now)
    truth = Truth(world.engine, [A], PERIOD)
    assert_figures_are_the_ledgers(r, truth)
    # every kind of session and money the period had is there (the scenario did what it says)
    assert set(r.tenders) == {"coin", "note", "card", "bon"}
    assert set(r.credited) == {
        "automat_credit",
        "remainder",
        "money_outside_payment",
        "money_at_restart",
        "restart",
    }
    assert r.bons_expired == Count(1, Money.kr(10)) and r.bons_voided == Count(1, Money.kr(100))
    assert r.settled["cash_rounding"] == Money(20)

    # FBS's confirmation ids, as FBS gave them, per fee; the refusal is on the follow-up list
    confirmed = {
        f.fee_id: f.confirmation_id for answers in world.fbs.registrations.values() for f in answers
    }
    in_report = {
        fee.fee_id: fee.confirmation_id
        for reg in r.fbs_registrations
        if reg.state == "done"
        for fee in reg.fees
    }
    assert in_report == {k: v for k, v in confirmed.items() if k in {"101", "102", "121"}}
    assert in_report == {"101": "conf-101", "102": "conf-102", "121": "conf-121"}
    (follow_up,) = r.follow_up
    assert follow_up.fee_ids == ("111",) and follow_up.reason == SHOWN_REFUSAL
    assert follow_up.age_days == 3  # paid on the 24th, the report made on the 27th
    # the other refusal was closed by hand at the desk: who, how, and it is no longer retried
    (closed,) = r.follow_ups_closed
    assert closed.fee_ids == ("191",) and (closed.closed_by, closed.closed_role) == ("17", "staff")
    assert r.fbs["closed"] == Count(1, Money.kr(15))
    # the emptying counted the coins the acceptor delivered, less the one 50-øre coin missing
    (emptying,) = r.emptyings
    coins = truth.rows(
        "SELECT t.denomination_ore, COUNT(*) FROM tenders t JOIN citizen_sessions s"
        " ON s.id = t.session_id WHERE s.automat_id = 'test-01' AND t.device = 'coins'"
        " AND t.state = 'received' AND t.created_at <= :end GROUP BY t.denomination_ore"
    )
    assert dict(emptying.expected) == {int(o): int(n) for o, n in coins}
    assert emptying.difference == Money(-50) and emptying.emptied_by == "07"
    # each debtor item names its file, and that file is the one delivered
    files = {d.file_name for d in r.debtor_items}
    assert len(files) == 1 and (world.outgoing / files.pop()).is_file()
    assert all(d.batch_sequence == 1 for d in r.debtor_items)

    csv_path, pdf_path = tmp_path / "z.csv", tmp_path / "z.pdf"
    write_report_files(r, csv_path=csv_path, pdf_path=pdf_path, library_name="Århus Bibliotek")
    rows = csv_rows(csv_path.read_bytes())
    assert_csv_is_the_ledgers(rows, A, truth)
    confirmations = {r_["ekstern_reference"] for r_ in rows if r_["sektion"] == "fbs_gebyrer"}
    assert {"conf-101", "conf-102", "conf-121"} <= confirmations
    (refused,) = [r_ for r_ in rows if (r_["sektion"], r_["post"]) == ("opfølgning", "afvist")]
    assert SHOWN_REFUSAL in refused["tekst"] and refused["alder_dage"] == "3"
    (closed_row,) = [r_ for r_ in rows if (r_["sektion"], r_["post"]) == ("opfølgning", "lukket")]
    assert closed_row["reference"] == closed.order_id and closed_row["beløb_øre"] == "1500"
    assert closed_row["tekst"] == "17: Registreret manuelt i FBS"
    assert csv_count(rows, "tømninger", A, "i alt difference") == Count(1, Money(-50))
    card_rows = [r_ for r_ in rows if r_["sektion"] == "kortbetalinger"]
    assert sum(int(r_["beløb_øre"]) for r_ in card_rows) == truth.tenders()["card"].amount.ore

    text_ = pdf_text(pdf_path.read_bytes())
    assert "Århus Bibliotek" in text_ and "Kontanter pr. enhed og valør" in text_
    assert_pdf_is_the_ledgers(pdf_scope(text_, A), truth)
    assert pdf_has_row(text_, "afvist", "24.11.2026", "11.00", follow_up.order_id, "gebyr", "111")
    assert pdf_has_row(text_, "lukket", "24.11.2026")  # closed on day 1
    assert closed.order_id in text_ and "17: Registreret manuelt i FBS" in text_
    assert pdf_has_row(text_, "difference", "24.11.2026") and "-0,50" in text_
    for fee, conf in in_report.items():
        assert conf in text_ and f"gebyr {fee}" in text_
    for shown in (csv_path.read_bytes().decode("utf-8-sig"), text_, "\n".join(report_lines(r))):
        no_personal_data(shown, world)


def test_the_fleet_report_adds_up_per_automat_and_in_total(world: World, tmp_path: Path) -> None:
    fleet = fleet_report(world.engine, PERIOD, now=world.now)
    assert [r.automat_id for r in fleet.automats] == [A, B]
    assert fleet.total.automat_id == FLEET and fleet.total.automat_ids == (A, B)
    for r in fleet.automats:
        assert_figures_are_the_ledgers(r, Truth(world.engine, [r.automat_id], PERIOD))
    total = fleet.total
    assert_figures_are_the_ledgers(total, Truth(world.engine, [A, B], PERIOD))
    # the totals are the automats' sums, except what is fleet-wide anyway (counted once)
    a, b = fleet.automats
    assert total.received == a.received + b.received
    assert total.settled_total == a.settled_total + b.settled_total
    assert total.bons_redeemed == a.bons_redeemed + b.bons_redeemed
    # the totals read money by time alone (whole_fleet): the same rows as the automats' reports
    whole = period_report(world.engine, PERIOD, (A, B), label=FLEET, now=world.now,
                          whole_fleet=True)
    for listed in ("card_payments", "fbs_registrations", "debtor_items", "follow_up"):
        together = getattr(a, listed) + getattr(b, listed)
        assert sorted(map(repr, getattr(whole, listed))) == sorted(map(repr, together)), listed
    assert total.credited_total == a.credited_total + b.credited_total
    assert total.tenders == {
        k: a.tenders.get(k, Count()) + b.tenders.get(k, Count()) for k in total.tenders
    }
    assert total.bons_outstanding == a.bons_outstanding == b.bons_outstanding
    assert b.bons_redeemed == Count(1, Money.kr(40))  # the desk bon of automat A
    assert b.bons_issued_at_desk == Count()
    assert not total.details  # the files list each payment once, under its automat

    csv_path, pdf_path = tmp_path / "fleet.csv", tmp_path / "fleet.pdf"
    write_report_files(fleet, csv_path=csv_path, pdf_path=pdf_path)
    rows = csv_rows(csv_path.read_bytes())
    for automat, automats in ((A, [A]), (B, [B]), (FLEET, [A, B])):
        assert_csv_is_the_ledgers(rows, automat, Truth(world.engine, automats, PERIOD))
    # detail rows once, under their automat: summing one automat's rows never counts twice
    details = {"kortbetalinger", "fbs_gebyrer", "debitor_poster", "tømninger", "opfølgning"}
    assert not [
        r_
        for r_ in rows
        if r_["automat"] == FLEET
        and r_["sektion"] in details
        and r_["post"] not in ("i alt", "i alt forventet", "i alt difference")
    ]
    card_rows = Counter(r_["automat"] for r_ in rows if r_["sektion"] == "kortbetalinger")
    assert card_rows == {A: 1, B: 1}

    text_ = pdf_text(pdf_path.read_bytes())
    for automat, automats in ((FLEET, [A, B]), (A, [A]), (B, [B])):
        assert_pdf_is_the_ledgers(pdf_scope(text_, automat), Truth(world.engine, automats, PERIOD))
    no_personal_data(text_ + csv_path.read_bytes().decode("utf-8-sig"), world)


def test_every_field_a_row_fills_is_a_column_of_its_pdf_table(world: World) -> None:
    """The PDF shows all that the CSV says: no section leaves out a field its rows fill."""
    fleet = fleet_report(world.engine, PERIOD, now=world.now)
    entries = finance_entries(fleet)
    assert {e.section for e in entries} == set(SECTIONS)
    for e in entries:
        shown = {f for f, _ in SECTIONS[e.section].columns}
        filled = {
            f
            for f in ("at", "reference", "external_ref", "text", "count", "amount", "age_days")
            if getattr(e, f) not in (None, "")
        }
        assert filled <= shown, (e.section, filled - shown)


def test_a_day_is_the_period_of_one_day(world: World) -> None:
    """The day report and the period report are one computation: the days add up."""
    days = [
        period_report(world.engine, Period.day(PERIOD.first + timedelta(days=i)), (A,))
        for i in range(3)
    ]
    whole = period_report(world.engine, PERIOD, (A,))
    assert sum((d.received for d in days), Money(0)) == whole.received
    assert sum((d.settled_total for d in days), Money(0)) == whole.settled_total
    assert days[0].received == whole.received  # automat A worked on the first day only
    assert days[2].bons_outstanding == whole.bons_outstanding


def test_fbss_confirmation_ids_from_the_simulator_reach_the_report(sqlite_engine: Engine) -> None:
    """Over REST, against the FBS simulator: the confirmationId FBS answers is kept with the
    registration (outbox ``result``) and shown per fee in the report and its CSV."""
    from kiosk.fbs.rest import ClaimClassifier, RestClient, RestFbsPort
    from kiosk.fbs.simulator.seed import seeded_state
    from kiosk.fbs.simulator.server import start_simulator

    with start_simulator(seeded_state(cut_off_date=date(2020, 9, 1)), sip2_port=None) as sim:
        client = RestClient(sim.rest_url, sim.state.agency_id, "demo", "demo", timeout_s=10.0)
        port = RestFbsPort(client, ClaimClassifier.of(date(2020, 9, 1), (), []))
        rig = session_rig(sqlite_engine, fbs=port)
        rig.login("3210000001", "0101")  # a seed patron with old claims only
        rig.session.pay()
        rig.session.choose_card()
        rig.outbox.deliver_due()
        done(rig)
        registered = sorted(str(fee) for _, fee in sim.state.registrations)
        port.close()
    r = period_report(sqlite_engine, Period.day(date(2026, 11, 24)), (A,))
    (reg,) = r.fbs_registrations
    assert reg.state == "done" and sorted(f.fee_id for f in reg.fees) == registered
    assert {f.confirmation_id for f in reg.fees} == {"CONF-00000001"}  # the simulator's first
    rows = csv_rows(render_csv(finance_entries(r)))
    shown = {(x["tekst"], x["ekstern_reference"]) for x in rows if x["sektion"] == "fbs_gebyrer"}
    assert shown == {(f"gebyr {fee}", "CONF-00000001") for fee in registered}


DETAIL_LISTS = ("card_payments", "fbs_registrations", "follow_up", "debtor_items", "debtor_files")


def test_the_figures_alone_are_the_detailed_reports_figures(world: World) -> None:
    """The console's page reads the figures without the lists (``details=False``): every
    figure is the one the detailed report (the files', the automat's) computes from its rows."""
    for automats, whole in (([A], False), ([B], False), ([A, B], False), ([A, B], True)):
        full = period_report(world.engine, PERIOD, automats, now=world.now, whole_fleet=whole)
        bare = period_report(world.engine, PERIOD, automats, now=world.now, whole_fleet=whole,
                             details=False)
        assert full.details and not bare.details
        for f in dataclasses.fields(ZReport):
            if f.name not in (*DETAIL_LISTS, "details"):
                assert getattr(bare, f.name) == getattr(full, f.name), (automats, f.name)
        if len(automats) == 2:  # the world has every kind of row: the comparison means something
            assert full.follow_up and full.fbs_registrations and full.debtor_items
        assert not any(getattr(bare, listed) for listed in DETAIL_LISTS)
    page = fleet_report(world.engine, PERIOD, now=world.now, details=False)
    files = fleet_report(world.engine, PERIOD, now=world.now)
    assert [r.details for r in files.automats] == [True, True]
    for shown, filed in zip(page.automats, files.automats, strict=True):
        assert not shown.details and shown.follow_up_total == filed.follow_up_total
        assert shown.received == filed.received and shown.fbs == filed.fbs


def test_money_of_a_session_begun_days_before_the_period_is_its_automats(world: World) -> None:
    """The automats' reports are read together, each row given to its session's automat: the
    period's sessions through their index, an older session (recovered days later, say) by its
    id. Here B's first card payment's session is moved three days back."""
    with world.engine.begin() as conn:
        (sid,) = conn.execute(
            text("SELECT session_id FROM tenders t JOIN citizen_sessions s ON s.id = t.session_id"
                 " WHERE s.automat_id = :b AND t.kind = 'card'"), {"b": B}
        ).scalars().all()
        began = conn.execute(
            select(CitizenSession.started_at).where(CitizenSession.id == sid)
        ).scalar_one()
        moved = conn.execute(
            update(CitizenSession)
            .where(CitizenSession.id == sid)
            .values(started_at=began - timedelta(days=3))
        )
        assert moved.rowcount == 1
    fleet = fleet_report(world.engine, PERIOD, now=world.now, details=False)
    for r in fleet.automats:
        truth = Truth(world.engine, [r.automat_id], PERIOD)
        assert r.tenders == truth.tenders(), r.automat_id
        assert r.settled == truth.settled(), r.automat_id
        assert r.fbs == truth.outbox("fbs_registration"), r.automat_id
    b = fleet.automats[1]
    assert b.tenders["card"].count == 1  # the moved session's payment is still B's
