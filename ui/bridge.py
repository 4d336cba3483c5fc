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
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

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
    """Posts GUI intents to the session worker and emits every new view as a queued signal."""

    snapshot = Signal(object)  # Snapshot
    refused = Signal(str)  # an intent the session refused in its current state
    service = Signal(object)  # ServiceStatus
    printed = Signal(bool)  # the receipt came out of the printer (False: show it on screen)

    def __init__(
        self,
        session: PaymentSession,
        *,
        worker: SessionWorker | None = None,
        runner: PoolRunner | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.worker = worker or SessionWorker()
        self.runner = runner or PoolRunner(self.worker)
        session.runner = self.runner
        session.listeners.append(self._on_view)

    # -- worker side -------------------------------------------------------------------------
    def _on_view(self, view: SessionView) -> None:
        """Runs on the session worker; the signal crosses to the GUI thread queued."""
        self.snapshot.emit(Snapshot(view, tuple(self.session.available_methods())))

    def _call(self, name: str, *args: Any) -> None:
        method = getattr(self.session, name)

        def run() -> None:
            try:
                method(*args)
            except (RuntimeError, ValueError) as exc:  # not allowed now: tell the GUI, no change
                log.info("session refused %s: %s", name, exc)
                self.refused.emit(name)

        self.worker.post(run)

    def device_listener(self, event: object) -> None:
        """Give this to drivers: called on their thread, the event is handled on the worker."""
        self.worker.post(self.session.on_device_event, event)

    # -- GUI intents (return at once) --------------------------------------------------------
    def start(self) -> None:
        self._call("start")

    def identify(self, identifier: str) -> None:
        self._call("identify", identifier)

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
        self.worker.post(lambda: self._on_view(self.session.view()))

    def check_service(self, fbs_health: Callable[[], bool]) -> None:
        """FBS health runs on the pool, device health on the worker; the result is emitted."""

        def probe() -> bool:
            return fbs_health()

        def done(ok: Any, error: BaseException | None) -> None:
            methods = tuple(self.session.available_methods())
            self.service.emit(ServiceStatus(bool(ok) and error is None, methods))

        self.runner.submit(probe, done)

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
