"""A scripted period on two automats sharing one ledger, for the tests of the finance office's
reports (the Z-report over a period and a fleet, its CSV and PDF, and the fleet console's finance
pages): card, cash and mixed payments into FBS and the debtor system, two refusals by FBS (one
closed by hand in staff mode), desk bons issued and voided in staff mode, one redeemed at the
other automat, a remainder bon, a cancellation, money outside a payment and at a restart, a crash
finished by recovery, an expired bon, a debtor file, a cash-box emptying in technician mode that
counts a coin short. Staff's doings go through the staff desk (``StaffDesk``), as the screens do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from drivers.base import Credit, Fault, FaultKind
from kiosk.bons import BonBook, BonSigner
from kiosk.cashbox import CashBoxes
from kiosk.clock import FakeClock
from kiosk.cpr import Cpr
from kiosk.debtor.delivery import FolderDelivery
from kiosk.debtor.exporter import Exporter
from kiosk.debtor.profile import load_profile
from kiosk.domain import Patron, PayableIn
from kiosk.money import Money
from kiosk.payment.recovery import recover
from kiosk.reports import Period
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


def build_world(engine: Engine, tmp_path: Path) -> World:
    """The scripted period on ``engine`` (described above); ``tmp_path`` takes the debtor files."""
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


