"""An automat in a process of its own, over the world's hardware and FBS, played by a citizen.

Forked by :mod:`tests.world.zygote` (role ``automat``) for every start, so each start is a new
process whose death is a real SIGKILL. It builds the production core with
:func:`kiosk.app.build_core` from a real configuration file (every device a real driver on the
world's pty paths, FBS the world's simulator over loopback, a ``[debtor]`` folder in the world's
folder, the ledger a SQLite file or a PostgreSQL schema): recovery of whatever the previous
process left runs there, then the start-up FBS outbox round and debtor export run, and a note
the validator holds or stacks at start-up reaches a session as it would on the automat (the
UI's idle timeout then ends that session). It says ``ready`` on its channel and waits.

On ``{"cmd": "play", "scenario": …, "crash_at": …}`` a citizen pays through a real
:class:`~kiosk.payment.session.PaymentSession` from ``core.new_session`` on one session thread
(what ``ui/bridge.py`` does, without Qt), with hands on the world's devices: coins and notes go
into the world's acceptors, the card is approved (or declined, or the link drops) by the world's
terminal. ``crash_at`` names a journal point (``point`` or ``point#n``): the process SIGKILLs
itself right after that write. Along the way it sends ``mark`` events (``coin_dropped``,
``note_fed``, ``card_token``, ``cancel``, ``timeout`` …) at which the test may SIGKILL it after a
random delay. Nothing here is a fake: the checks use only the world and the ledger.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict
from typing import Any

from drivers.base import Health
from kiosk.app import Core, build_core
from kiosk.config import load_config
from kiosk.logs import setup_logging
from kiosk.money import Money
from kiosk.payment.session import PaymentSession
from kiosk.payment.states import ENDED, State
from kiosk.payment.view import SessionView
from tests.world.client import WorldClient
from tests.world.wire import Channel

log = logging.getLogger("automat")

CPR, PIN = "0303903333", "0303"  # seed patron 1003, Carla Christensen: old and new claims
WAIT_S = 20.0  # generous: a loaded 2-core machine

#: every journal point the automat writes, and the method whose return is the write
JOURNAL_POINTS = (
    "plan_committed",  # PaymentJournal.commit_plan
    "tender_recorded",  # Ledger.record_tender (a coin or a note)
    "bon_redeemed",  # BonBook.redeem_into_session
    "card_pending",  # PaymentJournal.start_card (before the terminal is asked)
    "card_token",  # PaymentJournal.note_card_token, through the ZVT driver's on_pending
    "terminal_answered",  # ZvtTerminal.authorise returned: the ledger does not know yet
    "card_finished",  # PaymentJournal.finish_card
    "settled",  # PaymentJournal.settle
    "fbs_registered",  # the FBS port's register_payment returned: the outbox does not know yet
    "outbox_delivered",  # FbsOutbox.deliver_due (the session's own delivery)
    "ended",  # PaymentJournal.end
    "credited_and_ended",  # PaymentJournal.credit_and_end (cancel or timeout with money)
)


class ScenarioError(Exception):
    """The automat did not do what a citizen saw it do (a stuck screen, a coin not credited)."""


class SessionThread:
    """The session worker and the pool of the UI's ``SessionWorker``/``PoolRunner`` without Qt:
    everything that touches the session runs on one thread, in order; slow work (FBS, the card
    terminal, settlement, printing) on a pool whose callbacks come back to that thread."""

    def __init__(self) -> None:
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="session")
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="slow")

    def post(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        def run() -> Any:
            try:
                return fn(*args)
            except Exception:
                log.exception("session worker: %s failed", getattr(fn, "__name__", fn))
                raise

        return self._worker.submit(run)

    def call(self, fn: Callable[..., Any], *args: Any, timeout: float = WAIT_S) -> Any:
        return self.post(fn, *args).result(timeout)

    def submit(
        self, work: Callable[[], Any], done: Callable[[Any, BaseException | None], None]
    ) -> None:
        def finished(future: Future[Any]) -> None:
            error = future.exception()
            self.post(done, None if error else future.result(), error)

        self._pool.submit(work).add_done_callback(finished)

    def drain(self) -> None:
        self.call(lambda: None)


class Control:
    """The channel to the test: events out, commands in."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    def send(self, event: str, **data: Any) -> None:
        with contextlib.suppress(Exception):  # the test may be gone; we die soon anyway
            self.channel.send({"event": event, "t": time.time(), **data})

    def mark(self, name: str, **data: Any) -> None:
        self.send("mark", name=name, **data)


class Crasher:
    """SIGKILLs this process right after the named journal point's n-th write."""

    def __init__(self, spec: str, control: Control) -> None:
        point, _, nth = spec.partition("#")
        if spec and point not in JOURNAL_POINTS:
            raise ValueError(f"unknown journal point {point!r}")
        self.point, self.nth, self.seen, self.control = point, int(nth or 1), 0, control

    def reached(self, point: str) -> None:
        if point != self.point:
            return
        self.seen += 1
        if self.seen == self.nth:
            self.control.send("dying", point=f"{point}#{self.nth}")
            os.kill(os.getpid(), signal.SIGKILL)

    def wrap(self, obj: Any, method: str, point: str, after: Callable[[], None] | None = None
             ) -> None:
        original: Callable[..., Any] = getattr(obj, method)

        def written(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            if after is not None:
                after()
            self.reached(point)
            return result

        setattr(obj, method, written)

    def arm(self, core: Core) -> None:
        """Wrap the built core's writers (the session, the receipt service and the driver call
        them through these very objects)."""
        journal, terminal = core.journal, core.devices.terminal
        assert journal is not None and core.fbs is not None and core.outbox is not None
        self.wrap(journal, "commit_plan", "plan_committed")
        self.wrap(core.ledger, "record_tender", "tender_recorded")
        self.wrap(core.bons, "redeem_into_session", "bon_redeemed")
        self.wrap(journal, "start_card", "card_pending")
        self.wrap(journal, "finish_card", "card_finished")
        self.wrap(journal, "settle", "settled")
        self.wrap(core.fbs, "register_payment", "fbs_registered")
        self.wrap(core.outbox, "deliver_due", "outbox_delivered")
        self.wrap(journal, "end", "ended")
        self.wrap(journal, "credit_and_end", "credited_and_ended")
        if terminal is not None:
            # bound into the driver by build_core: wrap the driver's hook, not the journal's
            self.wrap(terminal, "on_pending", "card_token",
                      after=lambda: self.control.mark("card_token"))
            self.wrap(terminal, "authorise", "terminal_answered")


class Citizen:
    """A person at the automat: the screen (the session's views), the keypad (session calls on
    the session thread) and hands on the world's devices."""

    def __init__(
        self, core: Core, session: PaymentSession, thread: SessionThread, world: WorldClient,
        control: Control,
    ) -> None:
        self.core, self.session, self.thread = core, session, thread
        self.world, self.control = world, control
        self._cond = threading.Condition()
        self.view: SessionView = session.view()
        self.staying = False  # still at the screen when the scenario ends: no idle timeout
        session.listeners.append(self._seen)

    def _seen(self, view: SessionView) -> None:
        with self._cond:
            self.view = view
            self._cond.notify_all()

    def wait(self, what: str, pred: Callable[[SessionView], bool], timeout: float = WAIT_S
             ) -> SessionView:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not pred(self.view):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ScenarioError(
                        f"waited {timeout:.0f} s for {what}; the screen shows"
                        f" {self.view.state.value} ({self.view.message or 'no message'}),"
                        f" received {self.view.received.ore} øre"
                    )
                self._cond.wait(min(left, 0.1))
            return self.view

    def wait_state(self, *states: State, timeout: float = WAIT_S) -> SessionView:
        names = "/".join(s.value for s in states)
        return self.wait(names, lambda v: v.state in states, timeout)

    def do(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.thread.call(fn, *args)

    # -- steps -----------------------------------------------------------------------------------
    def log_in_and_select(self, old: list[int], new: list[int]) -> None:
        """Fresh claims at FBS; the citizen types the CPR and PIN and pays exactly those."""
        made = self.world.add_claims(old, new)
        wanted = {str(i) for i in made["old"] + made["new"]}
        self.do(self.session.start)
        self.do(self.session.identify, CPR)
        self.do(self.session.enter_pin, PIN)
        self.wait_state(State.CLAIMS)

        def select() -> set[str]:
            selection = self.session.selection
            assert selection is not None
            for claim_id in sorted(selection.chosen - wanted):
                if claim_id in selection.chosen:
                    self.session.toggle(claim_id)
            for claim_id in sorted(wanted - selection.chosen):
                if claim_id not in selection.chosen:
                    self.session.toggle(claim_id)
            return {c.id for c in selection.covers()}

        covered = self.do(select)
        if covered != wanted:
            raise ScenarioError(f"could not select exactly {sorted(wanted)}: {sorted(covered)}")
        self.do(self.session.pay)
        self.wait_state(State.CHOOSING_TENDER)

    def choose_cash(self) -> None:
        self.do(self.session.choose_cash)
        self.world.wait("acceptors enabled",
                        lambda: all(self.world.cash_ready().values()), WAIT_S)

    def coin(self, ore: int, *, wait: bool = True) -> None:
        before = self.view.received.ore
        if not self.world.drop_coin(ore):
            raise ScenarioError(f"the coin acceptor refused a {ore} øre coin")
        self.control.mark("coin_dropped", ore=ore)
        if wait:
            self.wait(f"the {ore} øre coin credited", lambda v: v.received.ore >= before + ore)

    def note(self, kroner: int, *, wait: bool = True) -> None:
        before = self.view.received.ore
        if not self.world.feed_note(kroner):
            raise ScenarioError(f"the note validator refused a {kroner} kr note")
        self.control.mark("note_fed", ore=kroner * 100)
        if wait:
            self.wait(f"the {kroner} kr note credited",
                      lambda v: v.received.ore >= before + kroner * 100)

    def card(self, plan: str = "approve") -> None:
        self.world.terminal_next(plan)
        self.do(self.session.choose_card)

    def take_receipt(self) -> None:
        """Paid: wait for the receipt to be printed, take it, and leave."""
        jobs = self.core.receipts.jobs_done if self.core.receipts else 0
        self.wait_state(State.RECEIPT)
        if self.core.receipts is not None:
            deadline = time.monotonic() + WAIT_S
            while self.core.receipts.jobs_done <= jobs and time.monotonic() < deadline:
                time.sleep(0.02)
        self.do(self.session.finish_receipt)
        self.wait_state(State.DONE)
        self.do(self.session.reset)

    def leave_after_end(self, *states: State, end_screen_s: float = 0.0) -> None:
        """The end screen (the UI keeps it ``[ui] end_screen_seconds``; a coin can still drop
        meanwhile), then back to the attract screen."""
        self.wait_state(*states)
        time.sleep(end_screen_s)
        self.thread.drain()
        self.do(self.session.reset)

    def idle_watch(self) -> None:
        """What the UI's idle timer does to a session nobody attends: a device event that came
        with no citizen (a late coin, a note stacked at start-up) started one; time it out."""
        self.thread.drain()
        if self.view.state is State.IDLE:
            return
        self.control.send("unattended", state=self.view.state.value,
                          received=self.view.received.ore)
        self.do(self.session.timeout)
        self.wait("the idle timeout", lambda v: v.state in ENDED or v.state is State.IDLE)
        if self.view.state in ENDED:
            self.do(self.session.reset)


# -- the scenarios: claims (øre), then what the citizen does --------------------------------------
def card(c: Citizen, plan: str = "approve", stay: bool = False) -> None:
    """FBS and debtor claims, 35.00 by card. ``plan``: what the terminal does (``drop``: the
    link drops mid-authorisation and the terminal approves anyway). ``stay``: the citizen waits
    at the screen when the outcome is unknown, instead of walking away (the idle timeout)."""
    c.log_in_and_select([1500], [2000])
    c.card(plan)
    if plan == "approve":
        c.take_receipt()
    elif plan in ("decline", "abort"):
        c.wait("the card refused", lambda v: v.state is State.CHOOSING_TENDER)
        c.do(c.session.cancel)
        c.leave_after_end(State.CANCELLED)
    else:  # the session asks the terminal, whose link is gone: "we are checking your payment"
        c.wait("the card outcome unknown", lambda v: v.message == "card_unknown", timeout=30)
        c.staying = stay


def cash(c: Citizen) -> None:
    """82.30 (FBS and debtor) in cash: a 50 kr note and coins, 85.00 in, 2.50 back as a bon."""
    c.log_in_and_select([6230], [2000])
    c.choose_cash()
    c.note(50)
    for ore in (2000, 1000, 500):
        c.coin(ore)
    c.take_receipt()


def cash_then_card(c: Citizen) -> None:
    """55.00: 20 kr in coins, the rest by card."""
    c.log_in_and_select([3500], [2000])
    c.choose_cash()
    c.coin(2000)
    c.card()
    c.take_receipt()


def bon(c: Citizen) -> None:
    """A 150 kr desk bon pays 97.30; 52.70 comes back as a remainder bon."""
    ticket = c.core.bons.issue(Money.kr(150), "desk-staff")
    c.world.desk_bon(ticket.short_code, ticket.amount.ore)
    c.log_in_and_select([7730], [2000])
    c.do(c.session.redeem_bon, ticket.short_code)
    c.take_receipt()


def bon_then_card(c: Citizen) -> None:
    """A 20 kr desk bon pays part of 77.30; the card pays 57.30."""
    ticket = c.core.bons.issue(Money.kr(20), "desk-staff")
    c.world.desk_bon(ticket.short_code, ticket.amount.ore)
    c.log_in_and_select([5730], [2000])
    c.do(c.session.redeem_bon, ticket.qr_payload)
    c.wait_state(State.CHOOSING_TENDER)
    c.card()
    c.take_receipt()


def _cash_then_end(c: Citizen, end: str, race: bool) -> None:
    c.log_in_and_select([4000], [])
    c.choose_cash()
    c.coin(2000)
    if race:  # a coin in the acceptor's throat as the citizen presses cancel (or time runs out)
        c.coin(500, wait=False)
    else:
        c.coin(500)
    c.control.mark(end)
    c.do(c.session.cancel if end == "cancel" else c.session.timeout)
    # the end screen stays a while: the coin in the acceptor's throat lands during it
    c.leave_after_end(State.CANCELLED if end == "cancel" else State.TIMED_OUT,
                      end_screen_s=0.4 if race else 0.0)


def cancel_cash(c: Citizen) -> None:
    """25 kr in, then cancel: a credit bon."""
    _cash_then_end(c, "cancel", race=False)


def timeout_cash(c: Citizen) -> None:
    """25 kr in, then the idle timeout: a credit bon."""
    _cash_then_end(c, "timeout", race=False)


def cancel_race(c: Citizen) -> None:
    """20 kr in; a 5 kr coin drops as the citizen cancels."""
    _cash_then_end(c, "cancel", race=True)


def timeout_race(c: Citizen) -> None:
    """20 kr in; a 5 kr coin drops as the idle timeout ends the session."""
    _cash_then_end(c, "timeout", race=True)


SCENARIOS: dict[str, Callable[..., None]] = {
    "card": card,
    "cash": cash,
    "cash_then_card": cash_then_card,
    "bon": bon,
    "bon_then_card": bon_then_card,
    "cancel_cash": cancel_cash,
    "timeout_cash": timeout_cash,
    "cancel_race": cancel_race,
    "timeout_race": timeout_race,
}


# -- the process -----------------------------------------------------------------------------
def _wait(what: str, pred: Callable[[], bool], timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise ScenarioError(f"start-up: waited {timeout:.0f} s for {what}")
        time.sleep(0.01)


def start_up(core: Core, world: WorldClient, control: Control) -> Citizen:
    """After ``build_core``: the start-up outbox round and export run done, the devices up, and
    a session on its worker. Money a device brought in with no citizen there (a note left in
    escrow by the dead process, stacked by the validator's first poll) reached that session; the
    UI's idle timeout ends it, as it would on the screen."""
    for worker in (core.outbox_worker, core.export_scheduler):
        if worker is not None:
            _wait(f"the first {worker.what}", lambda w=worker: w.runs >= 1)
    thread = SessionThread()
    session = core.new_session(thread)
    citizen = Citizen(core, session, thread, world, control)
    core.attach_device_listener(lambda event: thread.post(session.on_device_event, event))
    devices = [*core.devices.acceptors, core.devices.terminal]
    _wait("the acceptors and the terminal",
          lambda: all(d is not None and d.health is Health.OK for d in devices))
    _wait("the note validator to finish what it held", world.validator_quiet)
    time.sleep(0.05)  # the last poll's events reach the relay (and the session)
    citizen.idle_watch()
    return citizen


def run(channel: Channel, args: dict[str, Any]) -> int:
    control = Control(channel)
    started = time.monotonic()
    control.mark("start", pid=os.getpid())
    config = load_config(args["config"])
    for handler in list(logging.getLogger().handlers):  # e.g. python-escpos's basicConfig
        logging.getLogger().removeHandler(handler)
    setup_logging(config.logging.level)
    world = WorldClient(args["world"])
    core = build_core(config)
    built = time.monotonic()
    control.mark("built", build_s=built - started)  # recovery done; start-up runs go on
    recovery: dict[str, Any] = {}
    if core.recovery is not None:  # session ids per outcome; the bons it printed, counted
        recovery = {k: v for k, v in asdict(core.recovery).items() if k != "bons"}
        recovery["bons"] = len(core.recovery.bons)
    try:
        citizen = start_up(core, world, control)
    except ScenarioError as exc:
        control.send("error", message=str(exc))
        return 1
    control.send("ready", recovery=recovery, build_s=built - started,
                 startup_s=time.monotonic() - started)
    played = False
    while True:
        command = channel.recv()
        if command is None or command.get("cmd") == "exit":
            core.close()
            return 0
        if played:  # the crasher wraps the core's writers once: one citizen per process
            control.send("error", message="one citizen per automat process")
            continue
        played = True
        crasher = Crasher(command.get("crash_at", ""), control)
        crasher.arm(core)
        name = command["scenario"]
        began = time.monotonic()
        try:
            SCENARIOS[name](citizen, **command.get("options", {}))
            if not citizen.staying:
                citizen.idle_watch()
        except ScenarioError as exc:
            control.send("error", message=f"{name}: {exc}")
            continue
        view = citizen.view
        control.send("completed", scenario=name, state=view.state.value,
                     play_s=time.monotonic() - began)
