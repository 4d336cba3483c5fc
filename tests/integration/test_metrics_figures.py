"""The metrics read the ledger's truth: a ledger with known rows (two automats on one database,
every session outcome, tenders of each kind and state, outbox items in each state, export
batches) gives exactly the figures those rows say, on SQLite and PostgreSQL; and the exposition
Prometheus reads says them under the documented names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from types import SimpleNamespace
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, insert

from drivers.base import Health
from drivers.base.printer import PaperStatus
from kiosk.clock import FakeClock
from kiosk.ledger.models import CitizenSession, ExportBatch, OutboxItem, Tender
from kiosk.metrics.collector import AutomatCollector
from kiosk.metrics.fbs_calls import FbsCalls
from kiosk.metrics.health import AutomatHealth
from kiosk.metrics.ledger_figures import LedgerReader, read_figures
from kiosk.metrics.sessions import SessionWatch
from kiosk.payment.states import State

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
_ids = count(1)


def session(conn: Any, automat: str, state: str) -> str:
    sid = f"s{next(_ids)}"
    conn.execute(insert(CitizenSession).values(
        id=sid, automat_id=automat, state=state, started_at=NOW - timedelta(hours=3)
    ))
    return sid


def tender(conn: Any, sid: str, kind: str, ore: int, state: str = "received") -> None:
    conn.execute(insert(Tender).values(
        session_id=sid, kind=kind, state=state, amount_ore=ore, created_at=NOW
    ))


def outbox(conn: Any, sid: str, kind: str, state: str, age: timedelta, ore: int = 2000) -> None:
    done = state in ("done", "exported")
    conn.execute(insert(OutboxItem).values(
        session_id=sid, kind=kind, state=state, amount_ore=ore, payload={},
        idempotency_key=f"k{next(_ids)}", created_at=NOW - age, done_at=NOW if done else None,
        closed_at=NOW if state == "closed" else None,
    ))


def batch(conn: Any, automat: str, sequence: int, state: str, delivered: datetime | None) -> None:
    conn.execute(insert(ExportBatch).values(
        automat_id=automat, sequence=sequence, profile="opus", file_name=f"f{sequence}",
        state=state, created_at=NOW - timedelta(days=1), delivered_at=delivered,
    ))


def known_rows(engine: Engine) -> None:
    with engine.begin() as conn:
        card = session(conn, "a1", "done")
        tender(conn, card, "card", 5000)
        cash = session(conn, "a1", "done")  # three coins and a note: one cash payment
        for ore in (2000, 2000, 500):
            tender(conn, cash, "coin", ore)
        tender(conn, cash, "note", 5000)
        mixed = session(conn, "a1", "done")  # a bon and a card
        tender(conn, mixed, "bon", 3000)
        tender(conn, mixed, "card", 1750)
        cancelled = session(conn, "a1", "cancelled")
        tender(conn, cancelled, "card", 9999, state="declined")  # no money came in
        tender(conn, cancelled, "coin", 1000)  # became a credit bon: still received
        session(conn, "a1", "timed_out")
        session(conn, "a1", "recovered")
        session(conn, "a1", "paying")  # open: no outcome yet
        outbox(conn, card, "fbs_registration", "pending", timedelta(minutes=7))
        outbox(conn, mixed, "fbs_registration", "pending", timedelta(minutes=2))
        outbox(conn, mixed, "fbs_registration", "done", timedelta(hours=2))
        outbox(conn, cancelled, "fbs_registration", "refused", timedelta(days=1))
        outbox(conn, cancelled, "fbs_registration", "parked", timedelta(days=20))
        outbox(conn, cancelled, "fbs_registration", "closed", timedelta(days=30))
        outbox(conn, cash, "debtor_item", "pending", timedelta(minutes=75))
        outbox(conn, cash, "debtor_item", "pending", timedelta(minutes=5))
        outbox(conn, cash, "debtor_item", "exported", timedelta(days=2))
        batch(conn, "a1", 1, "delivered", NOW - timedelta(hours=5))
        batch(conn, "a1", 2, "delivered", NOW - timedelta(minutes=40))
        batch(conn, "a1", 3, "written", None)
        # another automat of the fleet: none of this is a1's
        other = session(conn, "a2", "done")
        tender(conn, other, "card", 777_700)
        outbox(conn, other, "fbs_registration", "pending", timedelta(days=9))
        outbox(conn, other, "debtor_item", "pending", timedelta(days=9))
        batch(conn, "a2", 1, "delivered", NOW)


def test_the_figures_are_what_the_rows_say(engine: Engine) -> None:
    known_rows(engine)
    with engine.connect() as conn:
        f = read_figures(conn, "a1")
    assert f.sessions == {"done": 3, "cancelled": 1, "timed_out": 1, "recovered": 1}
    assert f.payments == {"card": 2, "cash": 2, "bon": 1}
    assert f.payments_ore == {"card": 6750, "cash": 10_500, "bon": 3000}
    assert f.fbs_pending == 2 and f.fbs_oldest_pending == NOW - timedelta(minutes=7)
    assert f.fbs_follow_up == 2  # refused and parked; the closed one is done with
    assert f.debtor_pending == 2 and f.debtor_oldest_pending == NOW - timedelta(minutes=75)
    assert f.last_export == NOW - timedelta(minutes=40)


def test_an_empty_ledger_has_no_ages_and_no_export(engine: Engine) -> None:
    with engine.connect() as conn:
        f = read_figures(conn, "a1")
    assert (f.sessions, f.payments, f.fbs_pending, f.debtor_pending) == ({}, {}, 0, 0)
    assert f.fbs_oldest_pending is None and f.last_export is None


class FakeDevice:
    def __init__(self, name: str, health: Health, paper: PaperStatus | None = None) -> None:
        self.name, self.health, self.last_paper = name, health, paper
        self.asked = 0

    def paper_status(self) -> PaperStatus:
        self.asked += 1
        return PaperStatus.OK


class FakeFbs:
    def __init__(self, calls: FbsCalls, ok: bool = True) -> None:
        self.calls, self.ok = calls, ok

    def health(self) -> Any:
        self.calls.observe("health", 0.01, None if self.ok else "health", self.ok)
        return SimpleNamespace(ok=self.ok)


def fake_core(engine: Engine, *, terminal: Health = Health.OK, coins: Health = Health.OK,
              paper: PaperStatus = PaperStatus.OK) -> Any:
    devices = SimpleNamespace(
        acceptors=[FakeDevice("coin_acceptor", coins)],
        terminal=FakeDevice("card_terminal", terminal),
        printer=FakeDevice("printer", Health.DOWN if paper is PaperStatus.OUT else Health.OK,
                           paper),
    )
    devices.health = lambda: {d.name: d.health for d in
                              (*devices.acceptors, devices.terminal, devices.printer)}
    worker = SimpleNamespace(name="fbs-outbox", runs=7, failures=2)
    return SimpleNamespace(
        config=SimpleNamespace(automat=SimpleNamespace(id="a1")), engine=engine,
        clock=FakeClock(NOW), fbs=None, devices=devices, outbox_worker=worker,
        export_scheduler=None, purge_scheduler=None, session_watchers=[],
    )


def scrape(collector: AutomatCollector) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    text = generate_latest(registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def collector_over(engine: Engine, **kw: Any) -> tuple[AutomatCollector, Any]:
    core = fake_core(engine, **kw)
    calls = FbsCalls()
    core.fbs = FakeFbs(calls)
    health = AutomatHealth(core, LedgerReader(engine, "a1"), calls, SessionWatch())
    return AutomatCollector(health), core


def test_the_exposition_names_the_figures(engine: Engine) -> None:
    known_rows(engine)
    collector, _core = collector_over(engine)
    m = scrape(collector)
    assert m[("kiosk_sessions_total", (("outcome", "done"),))] == 3
    assert m[("kiosk_payments_total", (("method", "cash"),))] == 2
    assert m[("kiosk_payments_ore_total", (("method", "cash"),))] == 10_500
    assert m[("kiosk_payments_ore_total", (("method", "card"),))] == 6750
    assert m[("kiosk_fbs_outbox_pending", ())] == 2
    assert m[("kiosk_fbs_outbox_oldest_age_seconds", ())] == 7 * 60
    assert m[("kiosk_fbs_follow_up_items", ())] == 2
    assert m[("kiosk_debtor_oldest_pending_age_seconds", ())] == 75 * 60
    assert m[("kiosk_debtor_last_export_timestamp_seconds", ())] == (
        NOW - timedelta(minutes=40)).timestamp()
    assert m[("kiosk_device_health", (("device", "card_terminal"), ("health", "ok")))] == 1
    assert m[("kiosk_device_health", (("device", "card_terminal"), ("health", "down")))] == 0
    assert m[("kiosk_printer_paper", (("state", "ok"),))] == 1
    assert m[("kiosk_worker_failures_total", (("worker", "fbs-outbox"),))] == 2
    assert m[("kiosk_ledger_read_ok", ())] == 1
    assert m[("kiosk_in_service", ())] == 1 and m[("kiosk_fbs_up", ())] == 1
    collector.automat.close()


def test_paper_out_is_asked_again_so_a_refill_clears_it(engine: Engine) -> None:
    collector, core = collector_over(engine, paper=PaperStatus.OUT)
    printer = core.devices.printer
    assert collector.automat.paper() is PaperStatus.OK  # asked the printer: refilled
    assert printer.asked == 1
    collector.automat.paper()
    assert printer.asked == 1  # at most once a minute
    collector.automat.close()


def test_health_says_why_the_automat_cannot_take_a_payment(engine: Engine) -> None:
    collector, core = collector_over(engine)
    assert collector.automat.healthz() == (True, "")
    core.devices.terminal.health = Health.DOWN
    assert collector.automat.healthz() == (True, "")  # cash still works
    core.devices.acceptors[0].health = Health.DOWN
    ok, reason = collector.automat.healthz()
    assert not ok and reason == "no payment device works (card terminal and cash acceptors down)"
    core.devices.terminal.health = Health.DEGRADED  # degraded still takes cards
    assert collector.automat.healthz() == (True, "")
    collector.automat.watch.on_view(SimpleNamespace(state=State.LEDGER_FAULT))
    assert collector.automat.healthz() == (False, "the ledger cannot take a write")
    assert collector.automat.watch.episodes == 1
    core.outbox_worker = None
    assert collector.automat.healthz()[1].startswith("starting")
    collector.automat.close()


def test_fbs_down_puts_the_automat_out_of_service(engine: Engine) -> None:
    collector, core = collector_over(engine)
    core.fbs.ok = False
    ok, reason = collector.automat.healthz()
    assert not ok and reason == "FBS does not answer"
    collector.automat.close()
