"""The composition root: builds the object graph from the configuration.

``build_core(config, demo=...)`` opens (and migrates) the ledger, connects FBS (demo: starts the
FBS simulator in-process on loopback and points the adapter at it), builds and starts the devices
(demo or ``emulated = true``: the emulators on ptys), runs recovery with the card terminal before
the first citizen, and starts the background workers (FBS outbox, debtor export, retention
purge, heartbeat). The UI gets a built :class:`Core`, asks it for sessions with
:meth:`Core.new_session` and ends with :meth:`Core.close`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from drivers.base import DeviceEvent
from kiosk.bons import BonBook, bon_book_for
from kiosk.cashbox import CashBoxes, cash_devices
from kiosk.clock import Clock, SystemClock
from kiosk.config import KioskConfig
from kiosk.device_log import DeviceLog
from kiosk.devices import DeviceSet, build_devices
from kiosk.fbs.factory import make_fbs_port
from kiosk.fbs.port import FbsPort
from kiosk.followup import FollowUps
from kiosk.ledger.db import make_engine
from kiosk.ledger.migrate import upgrade
from kiosk.ledger.repository import Ledger
from kiosk.memory import TrimAtAttractScreen
from kiosk.patron_ids import PatronIds
from kiosk.payment.journal import PaymentJournal
from kiosk.payment.outbox import FbsOutbox
from kiosk.payment.parts import Devices
from kiosk.payment.recovery import RecoveryReport, recover
from kiosk.payment.runner import Runner
from kiosk.payment.session import PaymentSession
from kiosk.receipts import ReceiptDesk
from kiosk.runtime import OutboxWorker, ReceiptService
from kiosk.staff.accounts import StaffBook, staff_book_for
from kiosk.staff.desk import StaffDesk
from kiosk.staff.technician import technician_for

if TYPE_CHECKING:  # imported where built: a kiosk without [debtor] never loads the exporter
    from kiosk.debtor.exporter import Exporter
    from kiosk.debtor.scheduler import ExportScheduler
    from kiosk.heartbeat.worker import HeartbeatWorker
    from kiosk.metrics import Metrics
    from kiosk.metrics.health import AutomatHealth
    from kiosk.retention import PurgeScheduler

log = logging.getLogger(__name__)


class EventRelay:
    """The one listener every driver gets. Events wait here until the owner of the session worker
    attaches (a coin credited before the UI is up is money: it must not be dropped). Every
    device problem is kept in ``log`` on the way, for technician mode."""

    def __init__(self, log: DeviceLog | None = None) -> None:
        self._lock = threading.Lock()
        self._target: Callable[[DeviceEvent], None] | None = None
        self._waiting: list[DeviceEvent] = []
        self.log = log or DeviceLog()

    def __call__(self, event: DeviceEvent) -> None:
        self.log.record(event)
        with self._lock:
            target = self._target
            if target is None:
                self._waiting.append(event)
                return
        target(event)

    def attach(self, target: Callable[[DeviceEvent], None]) -> None:
        with self._lock:
            self._target = target
            waiting, self._waiting = self._waiting, []
        for event in waiting:
            target(event)


@dataclass
class Core:
    config: KioskConfig
    engine: Engine
    ledger: Ledger
    clock: Clock
    bons: BonBook
    fbs: FbsPort | None = None
    devices: DeviceSet = field(default_factory=DeviceSet)
    journal: PaymentJournal | None = None
    outbox: FbsOutbox | None = None
    desk: ReceiptDesk | None = None
    receipts: ReceiptService | None = None
    outbox_worker: OutboxWorker | None = None
    export_scheduler: ExportScheduler | None = None  # with [debtor]
    purge_scheduler: PurgeScheduler | None = None  # the daily retention purge
    simulator: Any = None  # demo: kiosk.fbs.simulator.server.SimulatorHandle
    recovery: RecoveryReport | None = None
    cash_boxes: CashBoxes | None = None  # technician: expected contents, emptying
    follow_ups: FollowUps | None = None  # staff: the FBS follow-up list
    staff: StaffBook | None = None  # staff accounts: the login at the attract screen
    staff_desk: StaffDesk | None = None  # staff mode: bons, reprints, Z-report, follow-up, cash
    exporter: Exporter | None = None  # with [debtor]: technician mode's "export now"
    relay: EventRelay = field(default_factory=EventRelay)
    #: the automat's health as /metrics, /healthz and the heartbeat read it (with either on)
    health: AutomatHealth | None = None
    metrics: Metrics | None = None  # with [metrics] enabled: /metrics and /healthz
    heartbeat: HeartbeatWorker | None = None  # with [heartbeat] enabled
    started_at: datetime | None = None  # when build_core began
    #: told of each new session (before its first event): the metrics watch for ledger faults
    session_watchers: list[Callable[[PaymentSession], None]] = field(default_factory=list)
    _closers: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def new_session(self, runner: Runner | None = None) -> PaymentSession:
        """A citizen session over the real FBS port, ledger, devices and bons, with receipts
        printed after settlement. Call its methods on one thread (the session worker) and feed it
        device events there: :meth:`attach_device_listener`."""
        assert self.fbs is not None and self.journal is not None, "core built without FBS"
        session = PaymentSession(
            fbs=self.fbs,
            ledger=self.ledger,
            journal=self.journal,
            devices=Devices(acceptors=self.devices.acceptors, terminal=self.devices.terminal),
            bons=self.bons,
            clock=self.clock,
            cash=self.config.cash,
            claims_config=self.config.claims,
            runner=runner,
            staff=self.staff,
        )
        if self.receipts is not None:
            self.receipts.attach(session)
        for watch in self.session_watchers:
            watch(session)
        return session

    @property
    def device_log(self) -> DeviceLog:
        """The last problems of each device (technician mode)."""
        return self.relay.log

    def attach_device_listener(self, listener: Callable[[DeviceEvent], None]) -> None:
        """Where device events go from now on (called on the drivers' threads): e.g. the UI
        bridge's ``device_listener``, which posts them to the session worker."""
        self.relay.attach(listener)

    def close(self) -> None:
        """Stop the workers, the devices, the simulator; release the database. Idempotent."""
        while self._closers:
            closer = self._closers.pop()
            try:
                closer()
            except Exception:
                log.exception("shutting down: %s failed", getattr(closer, "__name__", closer))

    def __enter__(self) -> Core:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_database(config: KioskConfig, *, migrate: bool = True) -> Engine:
    engine = make_engine(config.database_url())
    if migrate:
        upgrade(engine)
    return engine


def with_simulator(config: KioskConfig, simulator: Any) -> KioskConfig:
    """The configuration with the FBS adapter pointed at a running simulator."""
    fbs = config.fbs
    if fbs.adapter == "rest":
        assert fbs.rest is not None
        fbs = fbs.model_copy(
            update={"rest": fbs.rest.model_copy(update={"base_url": simulator.rest_url})}
        )
    else:
        assert fbs.sip2 is not None
        if fbs.sip2.transport == "https":
            update: dict[str, Any] = {"url": simulator.sip2_envelope_url, "tls": False}
        else:
            if simulator.sip2_port is None:
                raise RuntimeError("the SIP2 TCP simulator is not installed")
            update = {"host": simulator.host, "port": simulator.sip2_port, "tls": False}
        fbs = fbs.model_copy(update={"sip2": fbs.sip2.model_copy(update=update)})
    return config.model_copy(update={"fbs": fbs})


def build_core(
    config: KioskConfig,
    clock: Clock | None = None,
    *,
    demo: bool = False,
    fbs: FbsPort | None = None,
    start_workers: bool = True,
    outbox_interval_s: float | None = None,
) -> Core:
    """The whole automat from one configuration. ``demo``: FBS simulator in-process and every
    device emulated. ``fbs`` replaces the configured adapter (tests). ``start_workers=False``
    leaves the outbox and export threads unstarted (tests drive ``tick`` themselves).
    ``outbox_interval_s`` overrides ``[fbs] outbox_interval_s`` (tests)."""
    clock = clock or SystemClock()
    started_at = clock.now()
    engine = open_database(config)
    log.info("ledger ready at %s", engine.url.render_as_string(hide_password=True))
    ledger = Ledger(engine, config.automat.id, clock)
    core = Core(config, engine, ledger, clock, bon_book_for(config, engine, clock))
    core.started_at = started_at
    core.relay.log.now = clock.now
    core._closers.append(engine.dispose)
    core.cash_boxes = CashBoxes(engine, config.automat.id, clock, cash_devices(config.devices))
    core.follow_ups = FollowUps(engine, config.automat.id, clock)
    try:
        _assemble(
            core,
            demo=demo,
            fbs=fbs,
            start_workers=start_workers,
            outbox_interval_s=(
                config.fbs.outbox_interval_s if outbox_interval_s is None else outbox_interval_s
            ),
        )
    except BaseException:
        core.close()
        raise
    return core


def _assemble(
    core: Core, *, demo: bool, fbs: FbsPort | None, start_workers: bool, outbox_interval_s: float
) -> None:
    config = core.config
    if demo and fbs is None:
        from kiosk.fbs.simulator.launch import state_for
        from kiosk.fbs.simulator.server import start_simulator

        core.simulator = start_simulator(
            state_for(config), host="127.0.0.1", rest_port=0, sip2_port=0
        )
        core._closers.append(core.simulator.stop)
        config = with_simulator(config, core.simulator)
        core.config = config
        log.info("demo: FBS simulator at %s", core.simulator.rest_url)
    core.fbs = fbs or make_fbs_port(config)
    close_fbs = getattr(core.fbs, "close", None)
    if callable(close_fbs):
        core._closers.append(close_fbs)
    # the C heap's free pages go back to the system at each return to the attract screen
    core.session_watchers.append(TrimAtAttractScreen().attach)
    if config.metrics.enabled or config.heartbeat.enabled:  # now, so every FBS call is timed
        from kiosk.metrics.health import watch_core

        core.health = watch_core(core)
        core._closers.append(core.health.close)
    if config.metrics.enabled and core.health is not None:  # /healthz says "starting" until
        from kiosk.metrics import start_metrics  # recovery is done

        core.metrics = start_metrics(core.health)
        if core.metrics is not None:
            core._closers.append(core.metrics.close)

    core.devices = build_devices(config.devices, demo=demo)
    core._closers.append(lambda: mark_clean_stops(core))  # runs once the devices have stopped
    core._closers.append(core.devices.stop)
    # each acceptor learns the newest event the ledger has from it, so at start-up it reports
    # what it took while nothing was recording (then the credits wait in the relay)
    positions = core.ledger.device_positions()
    for acceptor in core.devices.acceptors:
        if acceptor.name in positions:
            event_ref, clean = positions[acceptor.name]
            acceptor.resume_after(event_ref, stopped_cleanly=clean)
    core.devices.start(core.relay)

    core.journal = PaymentJournal(
        core.engine, config.automat.id, core.clock, core.bons, config.claims.debtor_claim_types,
        patron_ids=PatronIds.from_secret(config.bons.signing_key.get()),
    )
    if core.devices.terminal is not None:  # the resolve token is durable before the terminal
        core.devices.terminal.on_pending = core.journal.note_card_token  # is asked for money
    core.outbox = FbsOutbox(
        core.engine,
        core.fbs,
        core.clock,
        automat_id=config.automat.id,
        refused_retry=timedelta(minutes=config.fbs.refused_retry_minutes),
        refused_retry_for=timedelta(days=config.fbs.refused_retry_days),
        max_backoff=timedelta(minutes=config.fbs.max_backoff_minutes),
    )
    core.desk = ReceiptDesk(core.devices.printer)
    core.receipts = ReceiptService(
        core.engine,
        core.desk,
        core.outbox,
        library_name=config.automat.library_name,
        automat_id=config.automat.id,
        now=core.clock.now,
    )
    core.staff = staff_book_for(config, core.engine, core.clock)
    core.staff_desk = StaffDesk(
        core.engine, core.clock, config.automat.id, core.bons, core.receipts,
        follow_ups=core.follow_ups, cash_boxes=core.cash_boxes,
        library_name=config.automat.library_name,
    )
    # before the first citizen: finish or undo whatever a crash left, asking the terminal
    core.outbox.release_leases()
    core.recovery = recover(core.engine, core.journal, config.automat.id, core.devices.terminal)
    for ticket in core.recovery.bons:  # the citizen it belongs to may be standing right there
        core.receipts.print_bon(ticket)
    if core.recovery.unresolved:
        log.error(
            "recovery: %d session(s) wait for the card terminal", len(core.recovery.unresolved)
        )

    core.outbox_worker = OutboxWorker(core.outbox, outbox_interval_s)
    if config.debtor is not None:
        from kiosk.debtor.setup import exporter_from_config, scheduler_from_config

        core.exporter = exporter_from_config(config, core.engine, core.clock)
        core.export_scheduler = scheduler_from_config(config, core.exporter)
    from kiosk.retention import PurgeScheduler, purger_from_config

    core.purge_scheduler = PurgeScheduler(purger_from_config(config, core.engine, core.clock))
    if config.heartbeat.enabled and core.health is not None:  # its first beat: after recovery
        from kiosk.heartbeat.worker import HeartbeatWorker

        core.heartbeat = HeartbeatWorker(
            core.health, core.engine, core.clock, automat_id=config.automat.id,
            interval_s=config.heartbeat.interval_s, started_at=core.started_at,
        )
    core.staff_desk.technician = technician_for(core)
    workers = (core.outbox_worker, core.export_scheduler, core.purge_scheduler, core.heartbeat)
    for worker in workers:
        if worker is not None:
            core._closers.append(worker.stop)
            if start_workers:
                worker.start()


def mark_clean_stops(core: Core) -> None:
    """Each stopped acceptor whose newest event the ledger has: nothing of it is unrecorded, so
    a power cycle before the next start (which empties a coin acceptor's buffer) loses nothing."""
    for acceptor in core.devices.acceptors:
        position = acceptor.position()
        if position and not core.ledger.mark_clean_stop(acceptor.name, position):
            log.warning("%s stopped with events the ledger has not recorded", acceptor.name)


__all__ = [
    "Core",
    "EventRelay",
    "build_core",
    "open_database",
    "with_simulator",
]
