"""The Z-report over a period and a fleet, and its CSV and PDF for the finance office.

A scripted period on two automats sharing one ledger (SQLite and PostgreSQL): card, cash and
mixed payments into FBS and the debtor system, two refusals by FBS (one closed by hand in staff
mode), desk bons issued and voided in staff mode, one redeemed at the other automat, a
remainder bon, a cancellation, money outside a payment and at a restart, a crash finished by
recovery, an expired bon, a debtor file, a cash-box emptying in technician mode that counts a
coin short. Staff's doings go through the staff desk (``StaffDesk``), as the screens do. The
report's figures, the CSV's and the text of the PDF are compared with sums the test takes from
the tables itself (plain SQL), the confirmation ids with what FBS answered, and the emptying's
expected contents with the coins the acceptor delivered.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, bindparam, text

from drivers.base import Credit, Fault, FaultKind
from kiosk.bons import BonBook, BonSigner
from kiosk.cashbox import CashBoxes
from kiosk.clock import FakeClock
from kiosk.cpr import Cpr
from kiosk.debtor.delivery import FolderDelivery
from kiosk.debtor.exporter import Exporter
from kiosk.debtor.profile import load_profile
from kiosk.domain import Patron, PayableIn
from kiosk.ledger.models import UtcDateTime
from kiosk.money import Money
from kiosk.payment.recovery import recover
from kiosk.reports import (
    FLEET,
    Count,
    Period,
    ZReport,
    fleet_report,
    period_report,
    report_lines,
)
from kiosk.reports.csv_file import HEADER, render_csv
from kiosk.reports.entries import finance_entries
from kiosk.reports.files import write_report_files
from kiosk.reports.words import SECTIONS
from kiosk.staff.desk import StaffDesk
from kiosk.staff.roles import Role, StaffUser
from tests.conftest import REPO
from tests.payment_fakes import BON_SIGNING_KEY, FakeFbs, SessionRig, claim, session_rig

A, B = "test-01", "test-02"
PERIOD = Period(date(2026, 11, 24), date(2026, 11, 26))  # FakeClock starts 24 Nov 10:00 UTC
DAY = 86400
#: citizens: identifier → (patron id, CPR or None, claims); some patron ids are CPR-shaped, as
#: a SIP2 patron identifier may be, and must never reach a report
CPRS = ("251285-1234", "020285-1235", "111111-1118", "010190-1234")
#: the fees FBS refuses (no account period): 111 stays on the follow-up list, 191 is closed
REFUSED_FEES = {"111", "191"}
#: who does staff's and the technician's part of the day
CLERK = StaffUser("17", "Kim Skranke", frozenset({Role.STAFF}))
TECHNICIAN = StaffUser("07", "Tove Tekniker", frozenset({Role.TECHNICIAN}))
#: FBS's reason for refusing fee 111, quoting a CPR (FBS's texts are not ours to trust)
REFUSAL = "Ingen regnskabsperiode for 2026 (låner 010190-1234) – kontakt økonomi"
SHOWN_REFUSAL = "Ingen regnskabsperiode for 2026 (låner ******-****) – kontakt økonomi"


def citizen(pid: str, name: str, cpr: str | None = None) -> Patron:
    return Patron(pid, name, cpr=Cpr.parse(cpr) if cpr else None)


class YearEndFbs(FakeFbs):
    """Refuses fees 111 and 191 every time it is asked (no account period for them), registers
    the rest."""

    def register_payment(self, patron: Patron, claims: Any, order_id: str) -> Any:
        self.refuse = REFUSAL if any(c.id in REFUSED_FEES for c in claims) else ""
        return super().register_payment(patron, claims, order_id)


def world_fbs() -> FakeFbs:
    fbs = YearEndFbs()
    old, new = date(2019, 3, 1), date(2022, 5, 10)
    fbs.add(
        "3210000101",
        "1111",
        citizen("2512851234", "Åse Ærø"),
        [claim("101", "20.00", PayableIn.FBS, old), claim("102", "17.30", PayableIn.FBS, old)],
    )
    fbs.add(
        "3210000102",
        "1111",
        citizen("P-CASH", "Bo Bøgh"),
        [claim("111", "37.30", PayableIn.FBS, old)],
    )
    fbs.add(
        CPRS[1],
        "1111",
        citizen("0202851235", "Dorte Dæhn", CPRS[1]),
        [
            claim("211", "60.00", PayableIn.DEBTOR, date(2021, 1, 10)),
            claim("212", "45.50", PayableIn.DEBTOR, new),
        ],
    )
    fbs.add(
        "3210000104",
        "1111",
        citizen("P-BON", "Eva Eng"),
        [claim("121", "25.00", PayableIn.FBS, old)],
    )
    fbs.add(
        "3210000105",
        "1111",
        citizen("P-CANCEL", "Finn Fæ"),
        [claim("131", "10.00", PayableIn.FBS, old)],
    )
    fbs.add(
        "3210000106",
        "1111",
        citizen("1111111118", "Gert Gå", CPRS[2]),
        [claim("141", "50.00", PayableIn.FBS, old)],
    )
    fbs.add(
        "3210000201",
        "1111",
        citizen("P-B1", "Hans Hø"),
        [claim("151", "80.00", PayableIn.FBS, old)],
    )
    fbs.add(
        "3210000202", "1111", citizen("P-B2", "Ida Iæ"), [claim("161", "20.00", PayableIn.FBS, old)]
    )
    fbs.add(
        "3210000203",
        "1111",
        citizen("P-B3", "Jens Jø"),
        [claim("171", "40.00", PayableIn.FBS, old)],
    )
    fbs.add(
        "3210000107",
        "1111",
        citizen("P-LATE", "Karl Kå"),
        [claim("181", "20.00", PayableIn.FBS, old)],
    )
    fbs.add(
        "3210000108",
        "1111",
        citizen("P-CLOSED", "Lis Lø"),
        [claim("191", "15.00", PayableIn.FBS, old)],
    )
    return fbs


@dataclass
class World:
    engine: Engine
    clock: FakeClock
    fbs: FakeFbs
    outgoing: Path
    now: datetime  # when the reports are made


def pay(rig: SessionRig, card: str, how: str, *money: int) -> None:
    """A citizen with ``card`` pays everything selected: by card, cash (coins and notes in øre:
    notes from 5000 up) or bons (short codes)."""
    s = rig.session
    rig.login(card, "1111")
    s.pay()
    if how == "card":
        s.choose_card()
    elif how == "cash":
        s.choose_cash()
        for value in money:
            (rig.notes if value >= 5000 else rig.coins).insert(value)
    rig.outbox.deliver_due()


def done(rig: SessionRig) -> None:
    rig.session.finish_receipt()
    rig.session.reset()


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    clock = FakeClock()
    fbs = world_fbs()
    a = session_rig(engine, automat=A, clock=clock, fbs=fbs)
    book = a.book
    assert book is not None
    # day 1 at automat A
    pay(a, "3210000101", "card")  # FBS 37.30 by card, registered
    done(a)
    pay(a, "3210000102", "cash", 2000, 1000, 1000)  # FBS 37.30 in cash: refused, 2.50 credit
    done(a)
    pay(a, "3210000108", "cash", 1000, 500)  # FBS 15.00: refused, closed by hand below
    done(a)
    clock.advance(600)
    pay(a, CPRS[1], "cash", 10000, 500, 50)  # debtor 105.50: a note and coins
    done(a)
    boxes = CashBoxes(engine, A, clock, {"coins": "coin", "notes": "note"})
    desk = StaffDesk(engine, clock, A, book, cash_boxes=boxes)
    desk_30 = desk.issue_bon(CLERK, Money.kr(30), "kontant i skranken").ticket
    desk_40 = desk.issue_bon(CLERK, Money.kr(40)).ticket  # redeemed at the other automat
    a.login("3210000104", "1111")
    a.session.pay()
    a.session.redeem_bon(desk_30.short_code)  # 25.00 claim: a remainder bon of 5.00
    a.outbox.deliver_due()
    done(a)
    a.login("3210000105", "1111")
    a.session.pay()
    a.session.choose_cash()
    a.coins.insert(500)
    a.session.cancel()  # 5.00 credit
    a.session.reset()
    a.session.on_device_event(Credit("coins", 2000, "DK020A", "coin", "cctalk:1:7", True))
    a.session.reset()
    a.session.on_device_event(Credit("coins", 1000, "DK1K0A", "coin", "cctalk:1:8"))
    a.session.reset()
    a.session.on_device_event(Fault("coins", FaultKind.LOST_EVENTS, "2 event(s) after event 9"))
    voided = desk.issue_bon(CLERK, Money.kr(100)).ticket
    desk.void_bon(CLERK, voided.short_code, "forkert beløb")
    short = BonBook(engine, BonSigner(BON_SIGNING_KEY), clock, A, validity=timedelta(days=1))
    short.issue(Money.kr(10), "staff-17")  # unused: expires on day 2
    a.login("3210000106", "1111")
    a.session.pay()
    a.session.choose_cash()
    a.coins.insert(2000)  # then the automat dies: recovery credits the 20.00
    assert recover(engine, a.journal, A).credited
    outgoing = tmp_path / "outgoing"
    profile = load_profile(REPO / "config" / "debtor" / "opus.toml")
    exporter = Exporter(engine, A, profile, tmp_path / "spool", FolderDelivery(outgoing), clock)
    assert exporter.run()
    # staff close the refusal of fee 191 by hand; 111 stays on the list
    (refused_191,) = [i for i in desk.follow_up_items(CLERK) if i.fee_ids == ("191",)]
    desk.close_follow_up(CLERK, refused_191.item_id, "registered_by_hand")
    # the technician empties the coin box and counts one 50-øre coin short
    (coin_box,) = [b for b in desk.boxes_to_count(TECHNICIAN) if b.device == "coins"]
    counted = dict(coin_box.expected)
    counted[50] -= 1
    emptied = desk.empty_cash_box(TECHNICIAN, "coins", counted).emptying
    assert emptied.difference == Money(-50)
    # day 2 at automat B, on the same ledger
    clock.advance(DAY)
    b = session_rig(engine, automat=B, clock=clock, fbs=fbs)
    pay(b, "3210000201", "card")
    done(b)
    pay(b, "3210000202", "cash", 2000)
    done(b)
    b.login("3210000203", "1111")
    b.session.pay()
    b.session.redeem_bon(desk_40.short_code)  # issued at A
    b.outbox.deliver_due()
    done(b)
    # day 4, after the period: not in it
    clock.advance(2 * DAY)
    late = session_rig(engine, automat=A, clock=clock, fbs=fbs)
    pay(late, "3210000107", "cash", 2000)
    done(late)
    return World(engine, clock, fbs, outgoing, clock.now())


# -- the ledger's own sums, by plain SQL --------------------------------------------------------
class Truth:
    """Sums taken from the tables with SQL written here, not with the report's queries."""

    def __init__(self, engine: Engine, automats: Iterable[str], period: Period) -> None:
        self.engine = engine
        self.automats = list(automats)
        self.start, self.end = period.bounds()

    def rows(self, sql: str) -> list[Any]:
        kinds = {
            "a": bindparam("a", expanding=True),
            "start": bindparam("start", type_=UtcDateTime()),
            "end": bindparam("end", type_=UtcDateTime()),
        }
        values = {"a": self.automats, "start": self.start, "end": self.end}
        used = [k for k in kinds if f":{k}" in sql]
        stmt = text(sql).bindparams(*(kinds[k] for k in used))
        with self.engine.connect() as conn:
            return list(conn.execute(stmt, {k: values[k] for k in used}))

    def counts(self, sql: str) -> dict[str, Count]:
        return {str(k): Count(int(n), Money(int(s))) for k, n, s in self.rows(sql)}

    SESSIONS = "SELECT id FROM citizen_sessions WHERE automat_id IN :a"

    def tenders(self) -> dict[str, Count]:
        return self.counts(
            f"SELECT kind, COUNT(*), SUM(amount_ore) FROM tenders WHERE state = 'received'"
            f" AND session_id IN ({self.SESSIONS}) AND created_at >= :start"
            " AND created_at < :end GROUP BY kind"
        )

    def cash(self) -> dict[tuple[str, str, int], int]:
        return {
            (d, k, int(o)): int(n)
            for d, k, o, n in self.rows(
                "SELECT device, kind, denomination_ore, COUNT(*) FROM tenders"
                f" WHERE state = 'received' AND kind IN ('coin', 'note') AND session_id IN"
                f" ({self.SESSIONS}) AND created_at >= :start AND created_at < :end"
                " GROUP BY device, kind, denomination_ore"
            )
        }

    def card_refs(self) -> list[str]:
        return sorted(
            r
            for (r,) in self.rows(
                f"SELECT reference FROM tenders WHERE kind = 'card' AND state = 'received'"
                f" AND session_id IN ({self.SESSIONS}) AND created_at >= :start"
                " AND created_at < :end"
            )
        )

    def settled(self) -> dict[str, Money]:
        out: dict[str, Money] = {}
        for kind, payable_in, total in self.rows(
            "SELECT kind, payable_in, SUM(amount_ore) FROM allocations WHERE session_id IN"
            f" ({self.SESSIONS}) AND created_at >= :start AND created_at < :end"
            " GROUP BY kind, payable_in"
        ):
            key = "cash_rounding" if kind == "cash_rounding" else payable_in
            out[key] = Money(int(total))
        return out

    def credited(self) -> Count:
        ((n, total),) = self.rows(
            "SELECT COUNT(*), COALESCE(SUM(amount_ore), 0) FROM bons WHERE origin_session_id IN"
            f" ({self.SESSIONS}) AND issued_at >= :start AND issued_at < :end"
        )
        return Count(int(n), Money(int(total)))

    def outbox(self, kind: str) -> dict[str, Count]:
        found = self.counts(
            "SELECT state, COUNT(*), SUM(amount_ore) FROM outbox WHERE kind = :kind"
            f" AND session_id IN ({self.SESSIONS}) AND created_at >= :start"
            " AND created_at < :end GROUP BY state".replace(":kind", f"'{kind}'")
        )
        if kind == "debtor_item":
            found = {("exported" if k == "exported" else "pending"): c for k, c in found.items()}
        return found

    def refused(self) -> Count:
        ((n, total),) = self.rows(
            "SELECT COUNT(*), COALESCE(SUM(amount_ore), 0) FROM outbox WHERE state = 'refused'"
            f" AND session_id IN ({self.SESSIONS}) AND created_at < :end"
        )
        return Count(int(n), Money(int(total)))

    def debtor_files(self) -> dict[str, str]:
        """Debtor claim ref → the name of the file its item went into ('' if none yet)."""
        out = {}
        for payload, file_name in self.rows(
            "SELECT o.payload, b.file_name FROM outbox o LEFT JOIN export_batches b"
            " ON b.id = o.batch_id WHERE o.kind = 'debtor_item' AND o.session_id IN"
            f" ({self.SESSIONS}) AND o.created_at >= :start AND o.created_at < :end"
        ):
            data = json.loads(payload) if isinstance(payload, str) else payload
            out[data["claim_ref"]] = file_name or ""
        return out

    def audited(self, action: str) -> Count:
        found = Count()
        for (details,) in self.rows(
            f"SELECT details FROM audit_log WHERE action = '{action}' AND automat_id IN :a"
            " AND at >= :start AND at < :end"
        ):
            data = json.loads(details) if isinstance(details, str) else details
            found += Count(1, Money(int(data["amount_ore"])))
        return found

    def redeemed(self) -> Count:
        ((n, total),) = self.rows(
            "SELECT COUNT(*), COALESCE(SUM(amount_ore), 0) FROM bons WHERE redeemed_session_id"
            f" IN ({self.SESSIONS}) AND redeemed_at >= :start AND redeemed_at < :end"
        )
        return Count(int(n), Money(int(total)))

    def outstanding(self) -> Count:
        ((n, total),) = self.rows(
            "SELECT COUNT(*), COALESCE(SUM(amount_ore), 0) FROM bons WHERE issued_at < :end"
            " AND expires_at > :end AND (redeemed_at IS NULL OR redeemed_at >= :end)"
            " AND (voided_at IS NULL OR voided_at >= :end)"
        )
        return Count(int(n), Money(int(total)))

    def expired(self) -> Count:
        ((n, total),) = self.rows(
            "SELECT COUNT(*), COALESCE(SUM(amount_ore), 0) FROM bons WHERE state = 'issued'"
            " AND expires_at > :start AND expires_at <= :end"
        )
        return Count(int(n), Money(int(total)))

    def closed(self) -> list[tuple[str, str, str, Money]]:
        """Refused registrations closed by hand in the period: order, who, outcome, amount."""
        return [
            (order, who, outcome, Money(int(ore)))
            for order, who, outcome, ore in self.rows(
                "SELECT idempotency_key, closed_by, close_outcome, amount_ore FROM outbox"
                f" WHERE state = 'closed' AND session_id IN ({self.SESSIONS})"
                " AND closed_at >= :start AND closed_at < :end ORDER BY closed_at, id"
            )
        ]

    def emptyings(self) -> list[tuple[str, str, Money, Money, Money]]:
        """Each emptying: device, who, expected, counted, difference."""
        return [
            (device, who, Money(int(e)), Money(int(c)), Money(int(d)))
            for device, who, e, c, d in self.rows(
                "SELECT device, emptied_by, expected_ore, counted_ore, difference_ore FROM"
                " cash_box_emptyings WHERE automat_id IN :a AND emptied_at >= :start"
                " AND emptied_at < :end ORDER BY emptied_at, id"
            )
        ]

    def emptied(self) -> Count:
        ((n, total),) = self.rows(
            "SELECT COUNT(*), COALESCE(SUM(expected_ore), 0) FROM cash_box_emptyings WHERE"
            " automat_id IN :a AND emptied_at >= :start AND emptied_at < :end"
        )
        return Count(int(n), Money(int(total)))


def assert_figures_are_the_ledgers(r: ZReport, truth: Truth) -> None:
    assert r.tenders == truth.tenders()
    assert r.cash_by_device == truth.cash()
    assert sorted(c.terminal_ref for c in r.card_payments) == truth.card_refs()
    assert r.settled == truth.settled()
    assert r.credited_total == truth.credited()
    assert r.received == r.settled_total + r.credited_total.amount  # and so it balances
    assert r.fbs == truth.outbox("fbs_registration")
    assert r.follow_up_total == truth.refused()
    assert r.debtor == truth.outbox("debtor_item")
    assert {d.claim_ref: d.file_name for d in r.debtor_items} == truth.debtor_files()
    assert r.bons_issued_at_desk == truth.audited("bon_issued")
    assert r.bons_voided == truth.audited("bon_voided")
    assert r.bons_redeemed == truth.redeemed()
    assert r.bons_outstanding == truth.outstanding()
    assert r.bons_expired == truth.expired()
    emptied = Count(len(r.emptyings), sum((e.expected_total for e in r.emptyings), Money(0)))
    assert emptied == truth.emptied()
    assert [
        (e.device, e.emptied_by, e.expected_total, e.counted_total, e.difference)
        for e in r.emptyings
    ] == truth.emptyings()
    assert [
        (c.order_id, c.closed_by, c.outcome, c.amount) for c in r.follow_ups_closed
    ] == truth.closed()
    assert r.unbalanced_sessions == []


# -- reading the files back ---------------------------------------------------------------------
def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads æøå
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows and list(rows[0]) == list(HEADER)
    for row in rows:  # the two amounts agree: kroner with a decimal comma, øre exact
        if row["beløb_øre"]:
            ore = int(row["beløb_øre"])
            sign = "-" if ore < 0 else ""
            assert row["beløb_kr"] == f"{sign}{abs(ore) // 100},{abs(ore) % 100:02d}"
    return rows


def csv_count(rows: list[dict[str, str]], section: str, automat: str, post: str) -> Count:
    (row,) = [
        r for r in rows if (r["sektion"], r["automat"], r["post"]) == (section, automat, post)
    ]
    return Count(int(row["antal"] or 0), Money(int(row["beløb_øre"] or 0)))


def assert_csv_is_the_ledgers(rows: list[dict[str, str]], automat: str, truth: Truth) -> None:
    tenders = truth.tenders()
    for kind, post in (("coin", "mønter"), ("note", "sedler"), ("card", "kort"), ("bon", "bon")):
        assert csv_count(rows, "modtaget", automat, post) == tenders.get(kind, Count())
    settled = truth.settled()
    for key, post in (("fbs", "FBS (gamle krav)"), ("debtor", "debitorsystemet (nye krav)")):
        assert csv_count(rows, "afregnet", automat, post).amount == settled.get(key, Money(0))
    assert csv_count(rows, "krediteret", automat, "i alt") == truth.credited()
    fbs = truth.outbox("fbs_registration")
    for state, post in (("done", "registreret"), ("refused", "afvist"), ("pending", "afventer")):
        assert csv_count(rows, "fbs", automat, post) == fbs.get(state, Count())
    assert csv_count(rows, "opfølgning", automat, "i alt") == truth.refused()
    debtor = truth.outbox("debtor_item")
    assert csv_count(rows, "debitor", automat, "eksporteret") == debtor.get("exported", Count())
    assert csv_count(rows, "bons", automat, "udstedt i skranken") == truth.audited("bon_issued")
    assert csv_count(rows, "bons", automat, "annulleret") == truth.audited("bon_voided")
    assert csv_count(rows, "bons", automat, "indløst") == truth.redeemed()
    assert csv_count(rows, "tømninger", automat, "i alt forventet") == truth.emptied()
    cash = truth.cash()
    for (device, kind, ore), pieces in cash.items():
        label = f"{'mønt' if kind == 'coin' else 'seddel'} {Money(ore).format_da()}"
        (row,) = [
            r
            for r in rows
            if (r["sektion"], r["automat"], r["post"], r["reference"])
            == ("kontanter", automat, label, device)
        ]
        assert (int(row["antal"]), int(row["beløb_øre"])) == (pieces, pieces * ore)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pdf_scope(text_: str, automat: str) -> str:
    """The part of the PDF's text about one automat (or the fleet's totals)."""
    heading = "Alle automater i alt" if automat == FLEET else f"Automat {automat}"
    start = text_.index(heading)
    ends = [i for i in (text_.find("Automat ", start + len(heading)),) if i > 0]
    return text_[start : min(ends) if ends else len(text_)]


def pdf_has_row(scope: str, *cells: str) -> bool:
    """A line of the PDF that begins with these cells in this order (words apart)."""
    words = " ".join(cells).split()
    return any(line.split()[: len(words)] == words for line in scope.splitlines())


def assert_pdf_is_the_ledgers(scope: str, truth: Truth) -> None:
    def row(label: str, c: Count) -> None:
        cells = (label, str(c.count), c.amount.format_da(suffix=""))
        assert pdf_has_row(scope, *cells), (cells, scope)

    tenders = truth.tenders()
    for kind, post in (("coin", "mønter"), ("note", "sedler"), ("card", "kort"), ("bon", "bon")):
        row(post, tenders.get(kind, Count()))
    total = Count(
        sum(c.count for c in tenders.values()), sum((c.amount for c in tenders.values()), Money(0))
    )
    row("i alt", total)
    fbs = truth.outbox("fbs_registration")
    for state, post in (("done", "registreret"), ("refused", "afvist")):
        row(post, fbs.get(state, Count()))
    row("eksporteret", truth.outbox("debtor_item").get("exported", Count()))
    row("udstedt i skranken", truth.audited("bon_issued"))
    row("indløst", truth.redeemed())
    row("annulleret", truth.audited("bon_voided"))
    settled = truth.settled()
    assert pdf_has_row(scope, "FBS", "(gamle", "krav)", settled["fbs"].format_da(suffix=""))


def no_personal_data(text_: str, world: World) -> None:
    for cpr in CPRS:
        assert cpr not in text_ and cpr.replace("-", "") not in text_
    for _, patron, _ in world.fbs.patrons.values():
        if patron.id[0].isdigit():
            assert patron.id not in text_


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
    assert total.bons_outstanding == a.bons_outstanding == b.bons_outstanding
    assert b.bons_redeemed == Count(1, Money.kr(40))  # the desk bon of automat A
    assert b.bons_issued_at_desk == Count()

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
