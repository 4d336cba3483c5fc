"""A real payment session in a process of its own, killed with SIGKILL right after a journal write.

Run as ``python -m tests.crash_worker LEDGER_URL WORLD_DB SCENARIO`` (the ledger already migrated)
with ``KIOSK_CRASH_AT`` naming the journal point (``point`` or ``point#n`` for its n-th write).
The ledger is a SQLite file (WAL, ``synchronous=FULL``) or a PostgreSQL schema (``crash_ledger``
makes either, and the URL names the schema, so this process and the test see the same ledger).
FBS and the card terminal are fakes that
keep what they did in a second SQLite file (``WORLD_DB``), so what FBS registered and what the
terminal approved survive the kill as they would at a real FBS and a real terminal. The session,
the journal, the bons and the FBS outbox are the production classes. The process ends with exit
0 and prints ``completed`` when the kill point was never reached.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from drivers.base import CardOutcome, CardResult
from kiosk.bons import BonBook, BonSigner
from kiosk.clock import Clock, SystemClock
from kiosk.domain import Claim, Patron
from kiosk.fbs.port import FeeRegistration, RegistrationStatus
from kiosk.ledger.db import make_engine
from kiosk.ledger.migrate import upgrade
from kiosk.money import Money
from kiosk.payment.journal import PaymentJournal
from tests.payment_fakes import (
    CPR,
    FakeFbs,
    FakeTerminal,
    debt_blocked_patron,
    mixed_claims,
    session_rig,
)

AUTOMAT = "crash-01"
SIGNING_KEY = "crash-test-signing-key"
CLAIM_TYPES = {"fee": "BIBGEB", "compensation": "BIBERS", "other": "BIBAND"}
CRASH_ENV = "KIOSK_CRASH_AT"

#: every journal point a session writes, in the order a payment meets them
JOURNAL_POINTS = (
    "plan_committed",  # PaymentJournal.commit_plan
    "tender_recorded",  # Ledger.record_tender (a coin or note)
    "bon_redeemed",  # BonBook.redeem_into_session (bon + tender row)
    "card_pending",  # PaymentJournal.start_card (before the terminal is asked)
    "terminal_approved",  # the terminal took the money; the ledger does not know yet
    "card_finished",  # PaymentJournal.finish_card
    "settled",  # PaymentJournal.settle (allocations + outbox + credit bon)
    "fbs_registered",  # FBS registered the fees; the outbox does not know yet
    "outbox_delivered",  # FbsOutbox.deliver_due wrote the answer
    "ended",  # PaymentJournal.end
    "credited_and_ended",  # PaymentJournal.credit_and_end (cancel with cash)
)


class Crasher:
    """Kills this process right after the named journal point's n-th write."""

    def __init__(self, spec: str) -> None:
        point, _, nth = spec.partition("#")
        if spec and point not in JOURNAL_POINTS:
            raise SystemExit(f"unknown journal point {point!r}")
        self.point, self.nth, self.seen = point, int(nth or 1), 0

    def reached(self, point: str) -> None:
        if point != self.point:
            return
        self.seen += 1
        if self.seen == self.nth:
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    def wrap(self, obj: Any, method: str, point: str) -> None:
        original: Callable[..., Any] = getattr(obj, method)

        def written(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            self.reached(point)
            return result

        setattr(obj, method, written)


def _world(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute(
        "CREATE TABLE IF NOT EXISTS fbs_fees (fee_id TEXT PRIMARY KEY, order_id TEXT NOT NULL)"
    )
    db.execute("CREATE TABLE IF NOT EXISTS fbs_calls (order_id TEXT NOT NULL)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS card_approvals"
        " (reference TEXT PRIMARY KEY, amount_ore INTEGER NOT NULL)"
    )
    return db


class DurableFbs(FakeFbs):
    """FakeFbs whose registrations are kept in the world file, deduplicated by order id the way
    FBS does: a retried order gets the same answer, a fee paid by another order is not paid
    again."""

    def __init__(self, world: str, crasher: Crasher | None = None) -> None:
        super().__init__()
        self.db = _world(world)
        self.crasher = crasher
        self.add(CPR, "1234", debt_blocked_patron(), mixed_claims())

    def register_payment(
        self, patron: Patron, claims: Sequence[Claim], order_id: str
    ) -> list[FeeRegistration]:
        answer = []
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("INSERT INTO fbs_calls VALUES (?)", (order_id,))
        for claim in claims:
            row = self.db.execute(
                "SELECT order_id FROM fbs_fees WHERE fee_id = ?", (claim.id,)
            ).fetchone()
            if row is None:
                self.db.execute("INSERT INTO fbs_fees VALUES (?, ?)", (claim.id, order_id))
                row = (order_id,)
            if row[0] == order_id:
                status = RegistrationStatus.REGISTERED
            else:
                status = RegistrationStatus.REGISTERED_BY_OTHER_ORDER
            answer.append(FeeRegistration(claim.id, status, f"conf-{claim.id}"))
        self.db.execute("COMMIT")
        if self.crasher:
            self.crasher.reached("fbs_registered")
        return answer


class DurableTerminal(FakeTerminal):
    """A terminal that remembers what it approved, so recovery can ask it afterwards."""

    def __init__(self, world: str, crasher: Crasher | None = None) -> None:
        super().__init__()
        self.db = _world(world)
        self.crasher = crasher

    def authorise(self, amount_ore: int, reference: str) -> CardResult:
        result = super().authorise(amount_ore, reference)
        self.db.execute("INSERT INTO card_approvals VALUES (?, ?)", (reference, amount_ore))
        if self.crasher:
            self.crasher.reached("terminal_approved")
        return result

    def resolve(self, reference: str, amount_ore: int) -> CardResult:
        row = self.db.execute(
            "SELECT amount_ore FROM card_approvals WHERE reference = ?", (reference,)
        ).fetchone()
        if row is None:
            return CardResult(CardOutcome.ABORTED, amount_ore, reference)
        return CardResult(CardOutcome.APPROVED, int(row[0]), reference, "T-" + reference)


def bon_book(engine: Any, clock: Clock) -> BonBook:
    return BonBook(engine, BonSigner(SIGNING_KEY), clock, AUTOMAT)


def journal_for(engine: Any, clock: Clock, book: BonBook) -> PaymentJournal:
    return PaymentJournal(engine, AUTOMAT, clock, book, CLAIM_TYPES)


@contextmanager
def crash_ledger(kind: str, folder: Path, template: Path | None = None) -> Iterator[str]:
    """A migrated, empty ledger for one crash case; yields its URL, which a worker process can
    open as it is. ``sqlite``: a file in ``folder`` (a copy of ``template`` when given, as
    migrating is the slow part). ``postgres``: a fresh schema of the test database, named in the
    URL's ``options`` (``-csearch_path``), dropped afterwards."""
    if kind == "sqlite":
        path = folder / "ledger.sqlite3"
        if template is not None:
            shutil.copy(template, path)
            yield f"sqlite:///{path}"
            return
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        yield f"sqlite:///{path}"
        return
    if kind != "postgres":
        raise ValueError(f"unknown ledger kind {kind!r}")
    from tests.conftest import postgres_url  # skips (or fails in CI) without PostgreSQL

    base = postgres_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        engine = make_engine(url.render_as_string(hide_password=False))
        upgrade(engine)
        engine.dispose()
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run(ledger_url: str, world: str, scenario: str, crash_at: str) -> None:
    crasher = Crasher(crash_at)
    clock = SystemClock()
    engine = make_engine(ledger_url)  # migrated by the test before the start
    rig = session_rig(
        engine,
        automat=AUTOMAT,
        clock=clock,
        fbs=DurableFbs(world, crasher),
        terminal=DurableTerminal(world, crasher),
        bons=bon_book(engine, clock),
        on_settled=lambda session_id: rig.outbox.deliver_due(session_id),
    )
    session, book, coins = rig.session, rig.book, rig.coins
    assert book is not None
    # a staff bon bought at the desk before the citizen arrives (not a journal point under test)
    desk_value = {"bon": Money.kr(150), "bon_then_card": Money.kr(20)}.get(scenario)
    desk_bon = book.issue(desk_value, "staff-01") if desk_value else None

    crasher.wrap(rig.journal, "commit_plan", "plan_committed")
    crasher.wrap(rig.ledger, "record_tender", "tender_recorded")
    crasher.wrap(book, "redeem_into_session", "bon_redeemed")
    crasher.wrap(rig.journal, "start_card", "card_pending")
    crasher.wrap(rig.journal, "finish_card", "card_finished")
    crasher.wrap(rig.journal, "settle", "settled")
    crasher.wrap(rig.outbox, "deliver_due", "outbox_delivered")
    crasher.wrap(rig.journal, "end", "ended")
    crasher.wrap(rig.journal, "credit_and_end", "credited_and_ended")

    session.start()
    session.identify(CPR)
    session.enter_pin("1234")
    if scenario == "card":  # FBS and debtor claims, 97.30 by card
        session.pay()
        session.choose_card()
    elif scenario == "cash":  # FBS claims only: 37.30 → 37.50 cash, 2.50 over → credit bon
        session.toggle("201")
        session.pay()
        session.choose_cash()
        for value in (2000, 1000, 1000):
            coins.insert(value)
    elif scenario == "cash_then_card":  # 20 kr in coins, the rest by card
        session.pay()
        session.choose_cash()
        coins.insert(2000)
        session.choose_card()
    elif scenario == "bon":  # a 150 kr desk bon pays 97.30; 52.70 comes back as a remainder bon
        assert desk_bon is not None
        session.pay()
        session.redeem_bon(desk_bon.short_code)
    elif scenario == "bon_then_card":  # a 20 kr desk bon pays part; the card pays 77.30
        assert desk_bon is not None
        session.pay()
        session.redeem_bon(desk_bon.qr_payload)
        session.choose_card()
    elif scenario == "cancel_cash":  # 25 kr in, then the citizen cancels: a credit bon
        session.pay()
        session.choose_cash()
        coins.insert(2000)
        coins.insert(500)
        session.cancel()
    else:
        raise SystemExit(f"unknown scenario {scenario!r}")
    if scenario != "cancel_cash":
        session.finish_receipt()
    print("completed", session.state.value, flush=True)


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2], sys.argv[3], os.environ.get(CRASH_ENV, ""))
