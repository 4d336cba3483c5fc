"""``kiosk audit`` in detail, on SQLite and PostgreSQL: which money counts, what each problem line
says, and what ``unaccounted`` (which recovery credits from) holds per session.

Received counts approved and reversed tenders, never pending, declined or unknown ones; settled,
credited and refunded are summed per session; a session is checked only once it has ended; the
lines name the session, the amounts in the wire form and the difference with its sign. Found by
mutation testing (docs/mutation.md).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, update

from kiosk.clock import local
from kiosk.ledger.audit import run_audit, unaccounted, unbalanced
from kiosk.ledger.models import Allocation, Bon, CitizenSession, OutboxItem, Refund, Tender
from kiosk.ledger.repository import Ledger

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


class Books:
    def __init__(self, engine: Engine, automat: str = "a1") -> None:
        self.engine = engine
        self.ledger = Ledger(engine, automat)
        self.bons = 0

    def session(self) -> str:
        return self.ledger.open_session()

    def tender(self, sid: str, ore: int, kind: str = "card", state: str = "received",
               at: datetime = T0) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(Tender).values(
                    session_id=sid, kind=kind, state=state, amount_ore=ore, created_at=at
                )
            )

    def allocate(self, sid: str, ore: int, kind: str = "claim", at: datetime = T0) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(Allocation).values(
                    session_id=sid, kind=kind, claim_id="c1" if kind == "claim" else None,
                    payable_in="fbs" if kind == "claim" else "none", amount_ore=ore,
                    created_at=at,
                )
            )

    def bon(self, sid: str, ore: int, at: datetime = T0) -> None:
        self.bons += 1
        with self.engine.begin() as conn:
            conn.execute(
                insert(Bon).values(
                    id=f"bon-{self.bons}-{sid[:8]}", short_code=f"B{self.bons}{sid[:6]}",
                    amount_ore=ore, reason="automat_credit", issuer="automat", issued_at=at,
                    expires_at=at + timedelta(days=90), origin_session_id=sid,
                )
            )

    def refund(self, sid: str, ore: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(Refund).values(session_id=sid, amount_ore=ore, method="card",
                                      created_at=T0)
            )

    def end(self, sid: str, state: str = "done", at: datetime = T0) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(CitizenSession).where(CitizenSession.id == sid)
                .values(state=state, ended_at=at)
            )

    def plan(self, sid: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(CitizenSession).where(CitizenSession.id == sid)
                .values(plan={"transaction_ref": "K1", "patron_id": "P1", "claims": []},
                        state="paying")
            )

    def outbox(self, sid: str, key: str, kind: str = "fbs_registration", state: str = "done",
               fee_ids: list[str] | None = None) -> None:
        finished = state in ("done", "exported")
        with self.engine.begin() as conn:
            conn.execute(
                insert(OutboxItem).values(
                    session_id=sid, kind=kind, idempotency_key=key, state=state,
                    amount_ore=100, payload={"fee_ids": fee_ids or []}, created_at=T0,
                    done_at=T0 if finished else None,
                )
            )


def test_every_part_of_the_balance_counts_and_only_ended_sessions_are_checked(
    engine: Engine,
) -> None:
    books = Books(engine)
    sid = books.session()
    books.tender(sid, 5000)
    books.tender(sid, 700, state="reversed")  # taken, then reversed: still money that came
    books.tender(sid, 9999, state="declined")
    books.tender(sid, 8888, state="pending")
    books.tender(sid, 7777, state="outcome_unknown")
    books.allocate(sid, 3730)
    books.allocate(sid, 20, kind="cash_rounding")
    books.bon(sid, 1000)
    books.refund(sid, 950)
    books.end(sid)
    open_one = books.session()
    books.tender(open_one, 2000)
    books.plan(open_one)
    report = run_audit(engine)
    assert report.clean and report.problems == 0, report.lines()
    assert report.sessions_checked == 1 and report.open_sessions == [open_one]
    assert report.lines() == [
        f"session {open_one} is still open (not yet settled)",
        "audit: 1 finished session(s) checked: clean",
    ]
    assert unaccounted(engine) == {open_one: 2000}


def test_an_unbalanced_session_is_described_with_every_sum_and_the_signed_difference(
    engine: Engine,
) -> None:
    books = Books(engine)
    short, over = books.session(), books.session()
    books.tender(short, 5000)
    books.allocate(short, 3730)
    books.bon(short, 1000)
    books.refund(short, 20)
    books.end(short, "cancelled")
    books.tender(over, 1000)
    books.bon(over, 1500)  # credited more than came in
    books.end(over, "recovered")
    report = run_audit(engine)
    assert not report.clean and report.problems == 2
    lines = {b.session_id: b.describe() for b in report.unbalanced}
    assert lines[short] == (
        f"session {short} (cancelled): received 50.00 != settled 37.30 + credited 10.00"
        " + refunded 0.20 (difference 2.50)"
    )
    assert lines[over] == (
        f"session {over} (recovered): received 10.00 != settled 0.00 + credited 15.00"
        " + refunded 0.00 (difference -5.00)"
    )
    assert report.lines()[-1] == "audit: 2 finished session(s) checked: 2 problem(s)"
    assert unaccounted(engine) == {short: 250}  # only what is held, never a negative


def test_sums_that_would_cancel_under_a_wrong_sign_are_still_found(engine: Engine) -> None:
    """``unbalanced`` first keeps the sessions whose one signed figure (received minus the rest)
    is off zero. Were settled, credited or refunded counted with received's sign, a session
    whose one part equals received plus the others would sum to zero and pass unseen (the
    mutants ``x_unbalanced__mutmut_5`` and its kind): each session here is such a one."""
    books = Books(engine)
    parts = {"settled": books.allocate, "credited": books.bon, "refunded": books.refund}
    sessions = []
    for big, small in (("settled", "credited"), ("credited", "refunded"), ("refunded", "settled")):
        sid = books.session()
        books.tender(sid, 100)
        parts[big](sid, 200)  # = received 100 + the other part 100
        parts[small](sid, 100)
        books.end(sid, "cancelled")
        sessions.append(sid)
    report = run_audit(engine)
    assert {b.session_id: b.difference.ore for b in report.unbalanced} == {
        sid: -200 for sid in sessions}


def test_a_session_one_ore_off_either_way_is_found(engine: Engine) -> None:
    """The query keeps sessions whose signed figure is not zero, whatever it is (the mutant
    ``x_unbalanced__mutmut_104`` kept all but those one øre over)."""
    books = Books(engine)
    over, under = books.session(), books.session()
    books.tender(over, 101)
    books.allocate(over, 100)
    books.tender(under, 100)
    books.allocate(under, 101)
    for sid in (over, under):
        books.end(sid)
    report = run_audit(engine)
    assert {b.session_id: b.difference.ore for b in report.unbalanced} == {over: 1, under: -1}


def test_money_written_at_the_periods_first_instant_is_the_periods(engine: Engine) -> None:
    """``since`` (a period's report reads the money written from its start): a row written at
    exactly that instant counts, for a balanced session as for one short of money (the
    mutant ``x_unbalanced__mutmut_41``, ``>`` for ``>=``)."""
    books = Books(engine)
    balanced, short = books.session(), books.session()
    books.tender(balanced, 300, at=T0)
    books.allocate(balanced, 300, at=T0 + timedelta(seconds=1))
    books.end(balanced)
    books.tender(short, 300, at=T0)
    books.end(short, "cancelled")
    with engine.connect() as conn:
        found = unbalanced(conn, CitizenSession.started_at >= T0, since=T0)
    assert [(b.session_id, b.difference.ore) for b in found] == [(short, 300)]


def test_unaccounted_is_per_automat(engine: Engine) -> None:
    here, there = Books(engine, "a1"), Books(engine, "a2")
    mine, theirs = here.session(), there.session()
    here.tender(mine, 1200)
    there.tender(theirs, 3400)
    assert unaccounted(engine, "a1") == {mine: 1200}
    assert unaccounted(engine, "a2") == {theirs: 3400}
    assert unaccounted(engine) == {mine: 1200, theirs: 3400}
    assert unaccounted(engine, "a3") == {}


def test_money_held_by_an_open_session_without_a_plan_is_named(engine: Engine) -> None:
    books = Books(engine)
    stray, planned, empty = books.session(), books.session(), books.session()
    books.tender(stray, 1250, kind="coin")
    books.tender(stray, 300, kind="coin", state="declined")  # not money
    books.tender(planned, 2000, kind="coin")
    books.plan(planned)
    books.tender(empty, 400, state="pending")
    report = run_audit(engine)
    assert report.stray_money == [
        f"session {stray} is open holding 12.50 with no payment plan: no payment can spend it,"
        " it must be credited"
    ]
    assert report.problems == 1 and not report.clean
    assert report.lines()[0] == report.stray_money[0]


def test_money_after_the_end_must_be_covered_by_a_bon_issued_since(engine: Engine) -> None:
    books = Books(engine)
    covered, uncovered, early_bon = books.session(), books.session(), books.session()
    for sid in (covered, uncovered, early_bon):
        books.tender(sid, 3000, at=T0)
        books.allocate(sid, 3000)
        books.end(sid, at=T0 + timedelta(minutes=1))
        books.tender(sid, 500, kind="coin", at=T0 + timedelta(minutes=2))
    books.tender(covered, 200, kind="coin", at=T0 + timedelta(minutes=3))
    books.bon(covered, 700, at=T0 + timedelta(minutes=3))  # both late coins, in one bon
    books.bon(uncovered, 200, at=T0 + timedelta(minutes=2))  # only part of it
    books.bon(early_bon, 500, at=T0)  # issued before the coin: covers something else
    books.tender(early_bon, 9000, state="declined", at=T0 + timedelta(minutes=4))
    problems = run_audit(engine).stray_money
    assert sorted(problems) == sorted([
        f"session {uncovered}: 5.00 came in after it ended and only 2.00 was credited since",
        f"session {early_bon}: 5.00 came in after it ended and only 0.00 was credited since",
    ])


def test_outbox_problems_name_the_claim_registered_twice_and_only_finished_ones_count(
    engine: Engine,
) -> None:
    books = Books(engine)
    sid = books.session()
    books.outbox(sid, "k1", fee_ids=["77", "78"])
    books.outbox(sid, "k2", fee_ids=["77"])
    books.outbox(sid, "k3", state="refused", fee_ids=["78"])  # refused: not registered
    books.outbox(sid, "k4", state="pending", fee_ids=["78"])
    books.outbox(sid, "k5", kind="debtor_item", state="pending")
    report = run_audit(engine)
    (problem,) = report.outbox_problems
    assert problem.startswith("claim 77 was registered in FBS by 2 items: [")
    assert report.problems == 1


def test_a_single_ore_held_is_unaccounted(engine: Engine) -> None:
    books = Books(engine)
    sid = books.session()
    books.tender(sid, 3731)
    books.allocate(sid, 3730)
    assert unaccounted(engine) == {sid: 1}


def test_problems_of_every_kind_add_up(engine: Engine) -> None:
    books = Books(engine)
    stray, registered = books.session(), books.session()
    for _ in range(2):
        unbalanced = books.session()
        books.tender(unbalanced, 1000)
        books.end(unbalanced)
    books.tender(stray, 500, kind="coin")
    books.outbox(registered, "k1", fee_ids=["77"])
    books.outbox(registered, "k2", fee_ids=["77"])
    report = run_audit(engine)
    assert (len(report.unbalanced), len(report.stray_money), len(report.outbox_problems)) == (
        2, 1, 1
    )
    assert report.problems == 4 and not report.clean
    assert report.lines()[-1] == "audit: 2 finished session(s) checked: 4 problem(s)"


def test_a_fleet_report_names_each_unbalanced_session_under_its_own_automat(
    engine: Engine,
) -> None:
    """The fleet's balance check runs once and each automat's report gets its own sessions."""
    from kiosk.reports import fleet_report
    from kiosk.reports.period import Period

    now = datetime.now(UTC)
    a, b = Books(engine, "a1"), Books(engine, "b2")
    fine, short_a, short_b = a.session(), a.session(), b.session()
    a.tender(fine, 500, at=now)
    a.allocate(fine, 500, at=now)
    for books, sid in ((a, short_a), (b, short_b)):
        books.tender(sid, 1000, at=now)
    for books, sid in ((a, fine), (a, short_a), (b, short_b)):
        books.end(sid, at=now)
    fleet = fleet_report(engine, Period.day(local(now).date()), now=now)
    by_automat = {r.automat_id: r.unbalanced_sessions for r in fleet.automats}
    assert by_automat == {"a1": [short_a], "b2": [short_b]}
    assert fleet.unbalanced_sessions == sorted([short_a, short_b])
