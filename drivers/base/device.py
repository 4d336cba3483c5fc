"""What every driver shares: event delivery, health, and (for serial pollers) the device thread.

:class:`DeviceEvents` delivers events to the host's listener (a listener bug is logged, never
allowed to stop the driver) and emits :class:`HealthChanged` once per change of health.

:class:`DeviceThread` is the one thread that owns a :class:`RawSerialLink`: it opens the port
by path, runs the protocol's :meth:`~DeviceThread._initialise` and then :meth:`~DeviceThread._poll`
every ``poll_interval_s`` (sooner when the host wakes it). A :class:`LinkDown` or a protocol
error makes the device DOWN with one :class:`Fault` per outage, closes the link and reopens it by
path after :class:`Backoff` delays. Host calls only record what is wanted and wake the thread, so
the serial line is never shared between threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from drivers.base.cash import CashAcceptor
from drivers.base.events import Fault, FaultKind, Health, HealthChanged, Listener
from drivers.serial_link import Backoff, LinkDown, RawSerialLink

log = logging.getLogger(__name__)

#: why a driver gave a held note back by itself (reported as the :class:`Rejected` reason)
NO_DECISION = "no decision from the host in time: returned"


class DeviceEvents:
    """Listener, health and faults of one named device (``name`` is set by the driver)."""

    name: str
    _listener: Listener | None = None
    _health: Health = Health.DOWN
    _health_detail: str = "not started"

    @property
    def health(self) -> Health:
        return self._health

    @property
    def health_detail(self) -> str:
        return self._health_detail

    def _emit(self, event: object) -> None:
        if self._listener is None:
            return
        try:
            self._listener(event)
        except Exception:  # a listener bug must not stop the device (or the money it holds)
            log.exception("%s: listener failed on %s", self.name, type(event).__name__)

    def _set_health(self, health: Health, detail: str = "") -> None:
        """Remember the detail; tell the host only when the health itself changes."""
        changed = health is not self._health
        self._health, self._health_detail = health, detail
        if changed:
            log.info("%s: %s %s", self.name, health.value, detail)
            self._emit(HealthChanged(self.name, health, detail))

    def _fault(self, kind: FaultKind, detail: str) -> None:
        log.warning("%s: %s: %s", self.name, kind, detail)
        self._emit(Fault(self.name, kind, detail))


@dataclass(frozen=True, slots=True)
class Outage:
    """How a failure is announced: once per ``key`` until the device works again."""

    key: str
    health_detail: str
    fault: FaultKind | None = None
    fault_detail: str = ""
    retry_after_s: float | None = None  # None: the next back-off delay


class DeviceThread(DeviceEvents):
    """A serial device polled by its own thread; subclasses call :meth:`_init_thread` first."""

    thread_prefix = "device"
    #: errors that mean "the device answers, but not properly": DOWN, reopen, try again
    protocol_errors: tuple[type[Exception], ...] = ()
    poll_interval_s: float = 0.1

    def _init_thread(self, link: RawSerialLink, backoff: Backoff) -> None:
        self._link = link
        self._backoff = backoff
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()

    # ---- host side (any thread) -------------------------------------------------------------

    def start(self, listener: Listener) -> None:
        if self._thread is not None:
            raise RuntimeError(f"{self.name} already started")
        self._listener = listener
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"{self.thread_prefix}-{self.name}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._link.close()

    @property
    def thread_ident(self) -> int | None:
        return self._thread.ident if self._thread else None

    # ---- the device thread ------------------------------------------------------------------

    def _initialise(self) -> None:
        """Bring the device into service after the port opened (identify, configure …)."""

    def _poll(self) -> None:
        """One poll step; raise :class:`LinkDown` or a protocol error when the device fails."""
        raise NotImplementedError

    def _outage(self, exc: Exception) -> Outage | None:
        """How ``exc`` is announced; None for an error that is not the device's (a bug)."""
        if isinstance(exc, LinkDown):
            return Outage("link", f"disconnected: {exc}", FaultKind.DISCONNECTED, str(exc))
        if isinstance(exc, self.protocol_errors):
            return Outage("protocol", f"not answering properly: {exc}", FaultKind.PROTOCOL,
                          str(exc))
        return None

    def _run(self) -> None:
        announced = ""
        while not self._stop.is_set():
            delay = None
            try:
                self._link.open()
                self._initialise()
                self._backoff.reset()
                announced = ""
                self._poll_loop()
            except Exception as exc:
                if isinstance(exc, LinkDown) and self._stop.is_set():
                    break
                outage = self._outage(exc)
                if outage is None:
                    self._link.close()
                    raise
                if outage.key != announced:
                    self._set_health(Health.DOWN, outage.health_detail)
                    if outage.fault is not None:
                        self._fault(outage.fault, outage.fault_detail)
                    announced = outage.key
                delay = outage.retry_after_s
            self._link.close()
            self._stop.wait(delay if delay is not None else self._backoff.next_delay())

    def _poll_loop(self) -> None:
        """:meth:`_poll` at a steady cadence; a wake-up (host call) polls at once."""
        next_at = time.monotonic()
        while not self._stop.is_set():
            self._wake.clear()
            self._poll()
            next_at += self.poll_interval_s
            now = time.monotonic()
            if next_at < now:
                next_at = now
            self._wake.wait(next_at - now)


class PolledCashAcceptor(DeviceThread, CashAcceptor):
    """A coin acceptor or note validator on a :class:`DeviceThread`: ``enable`` only records the
    wanted denominations; the thread applies them (:meth:`_take_enabled`) before its next poll."""

    _enabled_values: frozenset[int] = frozenset()
    _settings_dirty = True
    _refused = ""  # why denominations the device offers are never enabled (health detail)

    def enable(self, values_ore: Iterable[int]) -> None:
        wanted = frozenset(values_ore)
        for v in wanted:
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"denomination must be a positive int of øre: {v!r}")
        with self._lock:
            self._enabled_values = wanted
            self._settings_dirty = True
        self._wake.set()

    def disable(self) -> None:
        self.enable(())

    def _refuse(self, problems: list[str], consequence: str) -> None:
        """What the start-up found wrong with the device's denominations: a fault the first
        time (not again at every reconnect), and kept in ``_refused`` for the health detail."""
        text = "; ".join(problems)
        if text and text != self._refused:
            self._fault(FaultKind.OTHER, f"{text}: {consequence}")
        self._refused = text

    def _refusal_health(self, usable: bool, none_usable: str) -> tuple[Health, str]:
        """DOWN with nothing ``usable``, DEGRADED while something was refused, else OK."""
        if not usable:
            return Health.DOWN, self._refused or none_usable
        if self._refused:
            return Health.DEGRADED, self._refused
        return Health.OK, ""

    def _take_enabled(self) -> frozenset[int]:
        """The denominations wanted now; marks them applied."""
        with self._lock:
            self._settings_dirty = False
            return self._enabled_values


class EscrowAcceptor(PolledCashAcceptor):
    """A note validator that holds a note in escrow until the host decides: ``accept_escrow``
    and ``return_escrow`` record the decision and wake the thread, which takes it
    (:meth:`_take_decision`) while the note is still held."""

    escrow_decision_timeout_s: float = 30.0
    _decision: bool | None = None  # True: stack it, False: give it back
    _why = ""  # with False: the driver's own reason; "" when the host asked
    #: why the note of the decision last taken goes back: "" when the host asked for it (the
    #: return is its own outcome, so the validator's report of it is no :class:`Rejected`),
    #: else the driver's own reason, which the :class:`Rejected` it reports carries
    return_why = ""

    @property
    def has_escrow(self) -> bool:
        return True

    def accept_escrow(self) -> None:
        self._decide(True)

    def return_escrow(self) -> None:
        self._decide(False)

    def _decide(self, accept: bool, why: str = "") -> None:
        """``why``: the driver returns the note on its own (the host did not ask)."""
        with self._lock:
            self._decision, self._why = accept, why
        self._wake.set()

    def _take_decision(self, held_since: float | None) -> bool | None:
        """The decision on the note held since ``held_since`` (monotonic), None while there is
        none yet; with nothing held (None) a decision is dropped, it came late. A note held
        ``escrow_decision_timeout_s`` without a decision goes back to the citizen."""
        with self._lock:
            decision, self._decision = self._decision, None
            self.return_why, self._why = self._why, ""
        if held_since is None:
            return None
        if decision is None and time.monotonic() - held_since > self.escrow_decision_timeout_s:
            log.warning("%s: no decision on the note in escrow: returned", self.name)
            self.return_why = NO_DECISION
            return False
        return decision
