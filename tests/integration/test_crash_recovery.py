"""Kill a real payment session with SIGKILL right after each journal point, restart, recover.

The session runs in ``tests/crash_worker.py`` (its own process, FBS and card terminal fakes that
keep their state in a file of their own) on a SQLite ledger file, and again on a fresh schema of
the test PostgreSQL database (a fleet's ledger; skipped without ``KIOSK_TEST_POSTGRES_URL``,
required in CI), where the kill drops the session's connection and the server decides what was
committed. To keep CI time down, PostgreSQL runs every scenario to the end, every journal point
of the card scenario, and one representative kill of each other scenario (``POSTGRES_CASES``:
together they still cover every journal point); SQLite runs every case.

After the kill the test does what a restarted automat does — ``recover()`` and the FBS outbox
worker — and then checks what users and auditors rely on: ``kiosk audit`` is clean with no
session left open; the money is either settled or credited as a bon, never lost and never both;
every FBS claim is registered exactly once; every debtor item is queued exactly once; no CPR is
left in a session row; and a second restart changes nothing.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from kiosk.clock import SystemClock
from kiosk.ledger.audit import run_audit
from kiosk.ledger.db import make_engine
from kiosk.ledger.models import Allocation, Bon, CitizenSession, OutboxItem, Tender
from kiosk.payment.outbox import FbsOutbox
from kiosk.payment.plan import PaymentPlan
from kiosk.payment.recovery import recover
from tests.conftest import REPO
from tests.crash_worker import (
    AUTOMAT,
    CRASH_ENV,
    JOURNAL_POINTS,
    DurableFbs,
    DurableTerminal,
    bon_book,
    crash_ledger,
    journal_for,
)

WORKER_TIMEOUT = 120  # seconds; a run takes well under one, generous for a loaded machine

#: (scenario, kill point, what recovery must end with: settled / credited / nothing)
CASES = [
    ("card", "plan_committed", "nothing"),
    ("card", "card_pending", "nothing"),  # the terminal was never asked: aborted
    ("card", "terminal_approved", "settled"),  # the terminal took the money: ask it
    ("card", "card_finished", "settled"),
    ("card", "settled", "settled"),
    ("card", "fbs_registered", "settled"),  # FBS has it, the outbox does not know
    ("card", "outbox_delivered", "settled"),
    ("card", "ended", "settled"),
    ("cash", "plan_committed", "nothing"),
    ("cash", "tender_recorded#1", "credited"),
    ("cash", "tender_recorded#2", "credited"),
    ("cash", "tender_recorded#3", "settled"),  # the last coin paid it in full
    ("cash", "settled", "settled"),
    ("cash", "fbs_registered", "settled"),
    ("cash", "outbox_delivered", "settled"),
    ("cash", "ended", "settled"),
    ("cash_then_card", "tender_recorded", "credited"),
    ("cash_then_card", "card_pending", "credited"),
    ("cash_then_card", "terminal_approved", "settled"),
    ("cash_then_card", "card_finished", "settled"),
    ("cash_then_card", "settled", "settled"),
    ("bon", "bon_redeemed", "settled"),
    ("bon", "settled", "settled"),
    ("bon", "outbox_delivered", "settled"),
    ("bon", "ended", "settled"),
    ("bon_then_card", "bon_redeemed", "credited"),  # the bon's value comes back as a bon
    ("bon_then_card", "card_pending", "credited"),
    ("bon_then_card", "terminal_approved", "settled"),
    ("bon_then_card", "settled", "settled"),
    ("cancel_cash", "tender_recorded#2", "credited"),
    ("cancel_cash", "credited_and_ended", "credited"),
]
#: the cases also run on PostgreSQL: all of "card", one of each other scenario
POSTGRES_CASES = {c for c in CASES if c[0] == "card"} | {
    ("cash", "tender_recorded#2", "credited"),
    ("cash", "fbs_registered", "settled"),
    ("cash_then_card", "terminal_approved", "settled"),
    ("bon", "bon_redeemed", "settled"),
    ("bon_then_card", "bon_redeemed", "credited"),
    ("cancel_cash", "credited_and_ended", "credited"),
}
POSTGRES = pytest.mark.postgres
#: what each scenario takes in when it runs to the end, and what comes back as a bon
RECEIVED = {
    "card": 9730,
    "cash": 4000,
    "cash_then_card": 9730,
    "bon": 15000,
    "bon_then_card": 9730,
    "cancel_cash": 2500,
}
CREDIT_WHEN_SETTLED = {"card": 0, "cash": 250, "cash_then_card": 0, "bon": 5270, "bon_then_card": 0}


@pytest.fixture
def ledger_url(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[str]:
    """An empty migrated ledger on the database the case names: ``sqlite`` (a copy of the run's
    template) or ``postgres``."""
    with crash_ledger(request.param, tmp_path, sqlite_template) as url:
        yield url


@dataclass
class Crash:
    engine: Engine
    world: Path
    returncode: int
    stdout: str
    stderr: str


def run_worker(ledger_url: str, tmp_path: Path, scenario: str, crash_at: str) -> Crash:
    world = tmp_path / "world.sqlite3"
    env = {**os.environ, CRASH_ENV: crash_at, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "tests.crash_worker", ledger_url, str(world), scenario],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT,
    )
    return Crash(make_engine(ledger_url), world, proc.returncode, proc.stdout, proc.stderr)


def restart(crash: Crash) -> tuple[int, int]:
    """What the automat does at start-up: recover sessions, then run the FBS outbox.
    Returns (sessions recovery touched, outbox deliveries made)."""
    clock = SystemClock()
    journal = journal_for(crash.engine, clock, bon_book(crash.engine, clock))
    report = recover(crash.engine, journal, AUTOMAT, DurableTerminal(str(crash.world)))
    assert not report.unresolved
    outbox = FbsOutbox(crash.engine, DurableFbs(str(crash.world)), clock, automat_id=AUTOMAT)
    outbox.release_leases()  # as build_core does: the killed process held them
    deliveries = outbox.deliver_due()
    return report.touched, len(deliveries)


def world_rows(world: Path, sql: str) -> list[tuple]:
    if not world.exists():
        return []
    db = sqlite3.connect(world)
    try:
        return db.execute(sql).fetchall()
    except sqlite3.OperationalError:  # the worker died before it created the table
        return []
    finally:
        db.close()


def sums(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        received = conn.scalar(
            select(func.coalesce(func.sum(Tender.amount_ore), 0)).where(Tender.state == "received")
        )
        settled = conn.scalar(select(func.coalesce(func.sum(Allocation.amount_ore), 0)))
        credited = conn.scalar(
            select(func.coalesce(func.sum(Bon.amount_ore), 0)).where(
                Bon.origin_session_id.is_not(None)
            )
        )
    return int(received), int(settled), int(credited)


def test_every_journal_point_is_covered() -> None:
    covered = {point.partition("#")[0] for _, point, _ in CASES}
    assert covered == set(JOURNAL_POINTS)
    assert set(CASES) >= POSTGRES_CASES
    assert {point.partition("#")[0] for _, point, _ in POSTGRES_CASES} == set(JOURNAL_POINTS)
    assert {scenario for scenario, _, _ in POSTGRES_CASES} == set(RECEIVED)


@pytest.mark.parametrize(
    "ledger_url", ["sqlite", pytest.param("postgres", marks=POSTGRES)], indirect=True
)
@pytest.mark.parametrize("scenario", sorted(RECEIVED))
def test_each_scenario_runs_to_the_end_without_a_kill(
    ledger_url: str, tmp_path: Path, scenario: str
) -> None:
    crash = run_worker(ledger_url, tmp_path, scenario, "")
    assert crash.returncode == 0, crash.stderr
    assert crash.stdout.split()[:2] == [
        "completed",
        "cancelled" if "cancel" in scenario else "done",
    ]
    received, settled, credited = sums(crash.engine)
    assert received == RECEIVED[scenario] == settled + credited
    report = run_audit(crash.engine)
    assert report.clean and not report.open_sessions
    assert restart(crash) == (0, 0)
    crash.engine.dispose()


@pytest.mark.parametrize(
    ("ledger_url", "scenario", "point", "outcome"),
    [pytest.param("sqlite", *c, id=f"sqlite-{c[0]}-{c[1]}") for c in CASES]
    + [
        pytest.param("postgres", *c, id=f"postgres-{c[0]}-{c[1]}", marks=POSTGRES)
        for c in CASES
        if c in POSTGRES_CASES
    ],
    indirect=["ledger_url"],
)
def test_killed_at_a_journal_point_recovers_cleanly(
    ledger_url: str, tmp_path: Path, scenario: str, point: str, outcome: str
) -> None:
    crash = run_worker(ledger_url, tmp_path, scenario, point)
    assert crash.returncode == -signal.SIGKILL, (crash.stdout, crash.stderr)
    assert "completed" not in crash.stdout
    engine = crash.engine

    restart(crash)

    # kiosk audit: clean, and nothing left open
    report = run_audit(engine)
    assert report.clean, report.lines()
    assert report.open_sessions == []

    # the money: settled or credited (never both for the same øre, never lost)
    received, settled, credited = sums(engine)
    assert received == settled + credited
    with engine.connect() as conn:
        (session,) = conn.execute(select(CitizenSession)).all()
        outbox = conn.execute(select(OutboxItem)).all()
        bons = conn.execute(select(Bon)).all()
    if outcome == "nothing":
        assert (received, settled, credited) == (0, 0, 0)
    elif outcome == "credited":
        assert settled == 0 and credited == received > 0 and outbox == []
        assert [b.reason for b in bons if b.origin_session_id] == ["automat_credit"]
    else:
        assert received == RECEIVED[scenario]
        assert credited == CREDIT_WHEN_SETTLED[scenario]
    assert "cpr" not in (session.plan or {})  # forgotten once the session ended

    # FBS: every claim registered exactly once, by this session's order, and the outbox knows
    fbs_items = [o for o in outbox if o.kind == "fbs_registration"]
    registered = world_rows(crash.world, "SELECT fee_id, order_id FROM fbs_fees")
    if outcome == "settled":
        plan = PaymentPlan.from_json(session.plan)
        (item,) = fbs_items
        assert item.state == "done"
        assert sorted(registered) == sorted((c.id, plan.fbs_order_id) for c in plan.fbs_claims)
        calls = world_rows(crash.world, "SELECT order_id FROM fbs_calls")
        assert {order for (order,) in calls} == {plan.fbs_order_id}
        # every debtor claim of the plan is queued exactly once, still pending for the export
        debtor = Counter(o.payload["claim_ref"] for o in outbox if o.kind == "debtor_item")
        assert debtor == Counter(c.id for c in plan.debtor_claims)
        assert all(o.state == "pending" for o in outbox if o.kind == "debtor_item")
    else:
        assert registered == [] and fbs_items == []

    if scenario == "bon":  # the desk bon was used once; its remainder is a bon of its own
        states = Counter((b.reason, b.state) for b in bons)
        assert states == Counter({("desk_cash", "redeemed"): 1, ("remainder", "issued"): 1})

    # a second restart finds nothing to do
    assert restart(crash) == (0, 0)
    engine.dispose()
