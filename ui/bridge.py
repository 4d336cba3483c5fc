"""The thin layer between the Qt-free :class:`PaymentSession` and the GUI thread.

- One *session worker* thread owns the session: every call into it (citizen input, device events,
  results of slow work) is posted there, so the session never needs a lock.
- A :class:`PoolRunner` runs slow work (FBS, card authorisation, settlement) on a thread pool and
  posts the callback back to the session worker.
- Each :class:`SessionView` reaches the GUI as a :class:`Snapshot` through a queued signal into a
  ``@Slot`` receiver: the GUI thread never waits for the session, FBS or a device (invariant 5).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot

if TYPE_CHECKING:  # the session (and the ledger under it) loads after the first screen is up
    from kiosk.payment.session import PaymentSession, SessionView

log = logging.getLogger(__name__)


class SessionWorker:
    """One thread that runs everything that touches the session, in the order it was posted."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="session")
        self._closed = False

    def post(self, fn: Callable[..., Any], *args: Any) -> Future[Any] | None:
        if self._closed:
            return None
        try:
            return self._executor.submit(self._run, fn, args)
        except RuntimeError:  # shut down meanwhile
            return None

    @staticmethod
    def _run(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        try:
            return fn(*args)
        except Exception:
            log.exception("session worker: %s failed", getattr(fn, "__name__", fn))
            raise

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until everything posted so far has run (tests and shutdown; never the GUI)."""
        done = threading.Event()
        if self.post(done.set) is None:
            return True
        return done.wait(timeout)

    def shutdown(self) -> None:
        self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=False)


class PoolRunner:
    """The session's :class:`~kiosk.payment.session.Runner`: slow work on a pool, the callback
    on the session worker."""

    def __init__(self, worker: SessionWorker, max_workers: int = 4) -> None:
        self._worker = worker
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="slow")

    def submit(
        self, work: Callable[[], Any], done: Callable[[Any, BaseException | None], None]
    ) -> None:
        def finished(future: Future[Any]) -> None:
            if future.cancelled():
                return
            error = future.exception()
            self._worker.post(done, None if error else future.result(), error)

        self._pool.submit(work).add_done_callback(finished)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a screen draws: the session's view plus what the worker knows about the devices."""

    view: SessionView
    methods: tuple[str, ...] = ()  # payment methods whose devices are healthy now


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    fbs_ok: bool
    methods: tuple[str, ...]

    @property
    def in_service(self) -> bool:
        """FBS answers and at least one payment device (card or cash) works."""
        return self.fbs_ok and any(m in ("card", "cash") for m in self.methods)


class SessionBridge(QObject):
    """Posts GUI intents to the session worker and delivers every new view to the GUI thread.

    Only plain Qt types cross threads in a signal: a view is put in a locked queue and a
    parameterless queued signal wakes the GUI thread, which emits ``snapshot`` itself. (Python
    objects carried by a cross-thread ``Signal(object)`` crashed PySide6 6.12 under load with
    "deallocating None".)
    """

    snapshot = Signal(object)  # Snapshot, emitted on the GUI thread
    refused = Signal(str)  # an intent the session refused in its current state
    service = Signal(object)  # ServiceStatus, emitted on the GUI thread
    printed = Signal(bool)  # the receipt came out of the printer (False: show it on screen)
    _views_waiting = Signal()  # worker → GUI: there are views in the queue
    _service_checked = Signal(bool, str)  # worker → GUI: FBS ok, methods joined by ","

    def __init__(
        self,
        session: PaymentSession | None = None,
        *,
        worker: SessionWorker | None = None,
        runner: PoolRunner | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session: PaymentSession | None = None
        self.worker = worker or SessionWorker()
        self.runner = runner or PoolRunner(self.worker)
        self._views: deque[Snapshot] = deque()
        self._lock = threading.Lock()
        self._views_waiting.connect(self._deliver_views)
        self._service_checked.connect(self._deliver_service)
        if session is not None:
            self.attach(session)

    def attach(self, session: PaymentSession) -> None:
        self.session = session
        session.runner = self.runner
        session.listeners.append(self._on_view)

    def attach_later(self, build: Callable[[], PaymentSession]) -> None:
        """Build the session on the worker (opening the ledger takes a while) so the first
        screen shows at once; every intent and device event posted meanwhile waits behind it."""
        self.worker.post(lambda: self.attach(build()))

    # -- worker side -------------------------------------------------------------------------
    def _methods(self) -> tuple[str, ...]:
        return tuple(self.session.available_methods()) if self.session else ()

    def _on_view(self, view: SessionView) -> None:
        """Runs on the session worker; the wake-up signal crosses to the GUI thread queued."""
        with self._lock:
            self._views.append(Snapshot(view, self._methods()))
        self._views_waiting.emit()

    @Slot()
    def _deliver_views(self) -> None:
        while True:
            with self._lock:
                if not self._views:
                    return
                snap = self._views.popleft()
            self.snapshot.emit(snap)

    @Slot(bool, str)
    def _deliver_service(self, fbs_ok: bool, methods: str) -> None:
        self.service.emit(ServiceStatus(fbs_ok, tuple(m for m in methods.split(",") if m)))

    def _call(self, name: str, *args: Any) -> None:
        self.worker.post(self._call_now, name, *args)

    def device_listener(self, event: object) -> None:
        """Give this to drivers: called on their thread, the event is handled on the worker.
        Card and barcode reads become an identification (or a bon while paying); the value
        itself never crosses into Qt."""
        from drivers.base.reader import IdentifierRead, ReadRejected

        if isinstance(event, IdentifierRead):
            self.worker.post(self._read, event)
        elif isinstance(event, ReadRejected):
            self.refused.emit("read_rejected")
        else:
            self.worker.post(lambda: self.session and self.session.on_device_event(event))

    def _read(self, event: Any) -> None:
        from drivers.base.reader import IdSource
        from kiosk.identification import IdentificationError, Identifier
        from kiosk.payment.states import State

        session = self.session
        if session is None:
            return
        paying = session.state in (State.CHOOSING_TENDER, State.PAYING)
        if paying and event.source is IdSource.BARCODE and session.bons is not None:
            return self._call_now("redeem_bon", event.value)
        if session.state not in (State.IDLE, State.IDENTIFYING):
            return  # a card shown mid-session changes nothing
        try:
            identification = Identifier().from_event(event)
        except IdentificationError as exc:
            self.refused.emit(exc.reason.value)
            return
        self._call_now("identify", identification.identifier)

    def _identify_typed(self, text: str) -> None:
        from kiosk.identification import IdentificationError, Identifier

        try:
            identification = Identifier().typed(text)
        except IdentificationError as exc:
            self.refused.emit(exc.reason.value)
            return
        self._call_now("identify", identification.identifier)

    def _call_now(self, name: str, *args: Any) -> None:
        """On the worker: call the session, turning a refusal into a ``refused`` signal."""
        if self.session is None:
            self.refused.emit(name)
            return
        try:
            getattr(self.session, name)(*args)
        except (RuntimeError, ValueError) as exc:
            log.info("session refused %s: %s", name, exc)
            self.refused.emit(name)

    # -- GUI intents (return at once) --------------------------------------------------------
    def start(self) -> None:
        self._call("start")

    def identify(self, typed: str) -> None:
        """Typed on the keypad: a CPR or a card number, checked before FBS is asked."""
        self.worker.post(self._identify_typed, typed)

    def enter_pin(self, pin: str) -> None:
        self._call("enter_pin", pin)

    def toggle(self, claim_id: str) -> None:
        self._call("toggle", claim_id)

    def pay(self) -> None:
        self._call("pay")

    def back(self) -> None:
        self._call("back")

    def choose_card(self) -> None:
        self._call("choose_card")

    def choose_cash(self) -> None:
        self._call("choose_cash")

    def redeem_bon(self, payload: str) -> None:
        self._call("redeem_bon", payload)

    def finish_receipt(self) -> None:
        self._call("finish_receipt")

    def cancel(self) -> None:
        self._call("cancel")

    def timeout(self) -> None:
        self._call("timeout")

    def reset(self) -> None:
        self._call("reset")

    def refresh(self) -> None:
        """Ask for a fresh snapshot (e.g. after a language switch)."""
        self.worker.post(lambda: self.session and self._on_view(self.session.view()))

    def check_service(self, fbs_health: Callable[[], bool]) -> None:
        """FBS health runs on the pool, device health on the worker; the result is emitted."""

        def probe() -> bool:
            return fbs_health()

        def done(ok: Any, error: BaseException | None) -> None:
            self._service_checked.emit(bool(ok) and error is None, ",".join(self._methods()))

        # through the worker, so a check asked for during start-up runs once the session exists
        self.worker.post(lambda: self.runner.submit(probe, done))

    def print_receipt(self, printer: Callable[[SessionView], Any], view: SessionView) -> None:
        """Print on the pool; the outcome reaches the GUI as ``printed``."""

        def done(_result: Any, error: BaseException | None) -> None:
            if error is not None:
                log.warning("receipt not printed: %s", error)
            self.printed.emit(error is None)

        self.runner.submit(lambda: printer(view), done)

    def close(self) -> None:
        self.runner.shutdown()
        self.worker.shutdown()
