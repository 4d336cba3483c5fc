"""The thin layer between the Qt-free :class:`PaymentSession` and the GUI thread.

- The session runs on the core's session worker and pool (``kiosk.payment.runner``): every call
  into it (citizen input, device events, results of slow work) is posted to the worker.
- Each :class:`SessionView` reaches the GUI as a :class:`Snapshot` through a queued signal into a
  ``@Slot`` receiver: the GUI thread never waits for the session, FBS or a device (invariant 5).
- The bridge decides nothing: what a card read means, or a typed number, the session says.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot

from kiosk.payment.runner import PoolRunner, SessionWorker
from kiosk.service import ServiceStatus  # the one rule, shared with /healthz

if TYPE_CHECKING:  # the session (and the ledger under it) loads after the first screen is up
    from kiosk.payment.session import PaymentSession
    from kiosk.payment.view import SessionView

log = logging.getLogger(__name__)

#: what a GUI-side callback of :meth:`SessionBridge.run` receives: the result, or the error
Done = Callable[[Any, BaseException | None], None]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a screen draws: the session's view plus what the worker knows about the devices."""

    view: SessionView
    methods: tuple[str, ...] = ()  # payment methods whose devices are healthy now


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
    _views_waiting = Signal()  # worker → GUI: there are views in the queue
    _service_checked = Signal(bool, str)  # worker → GUI: FBS ok, methods joined by ","
    _work_waiting = Signal()  # pool → GUI: finished work waits in the queue
    loaded = Signal()  # the session built by attach_later is attached (emitted on the worker)

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
        self._done: deque[tuple[Done, Any, BaseException | None]] = deque()
        self._lock = threading.Lock()
        self._views_waiting.connect(self._deliver_views)
        self._work_waiting.connect(self._deliver_work)
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
        def load() -> None:
            self.attach(build())
            self.loaded.emit()

        self.worker.post(load)

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

    @Slot()
    def _deliver_work(self) -> None:
        while True:
            with self._lock:
                if not self._done:
                    return
                done, result, error = self._done.popleft()
            done(result, error)

    def _call(self, name: str, *args: Any) -> None:
        self.worker.post(self._call_now, name, *args)

    def device_listener(self, event: object) -> None:
        """Give this to drivers: called on their thread, the event is handled on the worker.
        The value of a card or barcode read never crosses into Qt."""
        from drivers.base.reader import IdentifierRead, ReadRejected

        if isinstance(event, IdentifierRead):
            self.worker.post(self._call_now, "read", event)
        elif isinstance(event, ReadRejected):
            self.refused.emit("read_rejected")
        else:
            self.worker.post(lambda: self.session and self.session.on_device_event(event))

    def _call_now(self, name: str, *args: Any) -> None:
        """On the worker: call the session, turning a refusal into a ``refused`` signal (an
        identifier that cannot be one: its reason)."""
        from kiosk.identification import IdentificationError

        if self.session is None:
            self.refused.emit(name)
            return
        try:
            target: Any = self.session
            for part in name.split("."):  # a session's method, or its part's ("staff_door.ask")
                target = getattr(target, part)
            target(*args)
        except IdentificationError as exc:
            self.refused.emit(exc.reason.value)
        except (RuntimeError, ValueError) as exc:
            log.info("session refused %s: %s", name, exc)
            self.refused.emit(name)

    # -- GUI intents (return at once) --------------------------------------------------------
    def start(self) -> None:
        self._call("start")

    def identify(self, typed: str) -> None:
        """Typed on the keypad: a CPR or a card number, checked before FBS is asked."""
        self._call("identify_typed", typed)

    def scanned(self, text: str) -> None:
        """A scan from outside the drivers (the demo panel, a test): as a barcode read."""
        from drivers.base.reader import IdentifierRead, IdSource

        self._call("read", IdentifierRead("scanner", IdSource.BARCODE, text))

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

    def forget_message(self) -> None:
        """The attract screen's message has been up long enough (``Login.forget_message``)."""
        self._call("login.forget_message")

    # -- staff mode ----------------------------------------------------------------------------
    def ask_staff(self) -> None:
        """The long press on the attract screen's corner (the session refuses it elsewhere)."""
        self._call("staff_door.ask")

    def staff_login(self, staff_no: str | None, pin: str) -> None:
        """The staff number typed (``None``: the staff card shown) and the PIN."""
        self._call("staff_door.log_in", staff_no, pin)

    def staff_logout(self) -> None:
        self._call("staff_door.log_out")

    def device_test(self, action: str, *args: Any) -> None:
        """Technician mode's device tests (``start``, ``set_keep_notes``, ``stop``): the
        session's staff door runs them, since they take the devices' events while open."""
        self._call(f"staff_door.tests.{action}", *args)

    def run(self, work: Callable[[], Any], done: Done) -> None:
        """Run ``work`` (the database, the printer: staff mode's desk) on the pool, never the GUI
        thread; ``done(result, error)`` is called on the GUI thread."""

        def finished(result: Any, error: BaseException | None) -> None:  # on the worker
            with self._lock:
                self._done.append((done, result, error))
            self._work_waiting.emit()

        self.worker.post(lambda: self.runner.submit(work, finished))

    def check_service(self, fbs_health: Callable[[], bool]) -> None:
        """FBS health runs on the pool, device health on the worker; the result is emitted."""

        def probe() -> bool:
            return fbs_health()

        def done(ok: Any, error: BaseException | None) -> None:
            self._service_checked.emit(bool(ok) and error is None, ",".join(self._methods()))

        # through the worker, so a check asked for during start-up runs once the session exists
        self.worker.post(lambda: self.runner.submit(probe, done))

    def close(self) -> None:
        self.runner.shutdown()
        self.worker.shutdown()
