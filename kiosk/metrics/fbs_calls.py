"""FBS round trips, timed where every call passes: a wrapper around the configured
:class:`~kiosk.fbs.port.FbsPort`, installed before anything else holds the port.

FBS keeps no record of our calls, so these are counted here (the one place), not read at scrape
time. It also remembers whether FBS answered last time, the "FBS answers" of ``kiosk.service``:
an answer (also a wrong PIN or a refusal) means it answers; a transport error does not.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

from kiosk.domain import Claim, Patron
from kiosk.fbs.port import FbsError, FbsErrorReason, FbsHealth, FbsPort, FeeRegistration

#: FbsError reasons that say FBS did not answer (the others are its answer about a patron)
NO_ANSWER = frozenset(
    {FbsErrorReason.UNAVAILABLE, FbsErrorReason.TIMEOUT, FbsErrorReason.PROTOCOL,
     FbsErrorReason.CLIENT_AUTH}
)
#: seconds; a login over SIP2 on a slow line takes a few, FBS's own timeouts are 10–30
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


class FbsCalls:
    """The round-trip histogram and error counter, and FBS's last known state."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self.seconds = Histogram(
            "kiosk_fbs_request_seconds", "FBS round trips by operation (errors included)",
            ["operation"], buckets=BUCKETS, registry=None,
        )
        self.errors = Counter(
            "kiosk_fbs_errors", "FBS calls that failed, by operation and reason (unavailable, "
            "timeout, protocol, client_auth: FBS did not answer; health: its probe said not ok)",
            ["operation", "reason"], registry=None,
        )
        self._now = now
        self._lock = threading.Lock()
        self._last: tuple[bool, float, float] | None = None  # answered?, when (monotonic), s

    def register(self, registry: CollectorRegistry) -> None:
        registry.register(self.seconds)
        registry.register(self.errors)

    def observe(self, operation: str, seconds: float, error: str | None, answered: bool) -> None:
        self.seconds.labels(operation).observe(seconds)
        if error is not None:
            self.errors.labels(operation, error).inc()
        with self._lock:
            self._last = (answered, self._now(), seconds)

    def answered(self, within_s: float) -> bool | None:
        """Whether FBS answered its last call, if that was at most ``within_s`` ago; else None."""
        with self._lock:
            last = self._last
        if last is None or self._now() - last[1] > within_s:
            return None
        return last[0]

    def last_round_trip_s(self) -> float | None:
        """How long the last FBS call took (any operation, answered or not); None before one."""
        with self._lock:
            last = self._last
        return None if last is None else last[2]


class ObservedFbs:
    """An :class:`FbsPort` that times every call of the one it wraps; anything else it has (the
    simulator's switches, ``close``) is passed through."""

    def __init__(self, port: FbsPort, calls: FbsCalls) -> None:
        self.port = port
        self.calls = calls

    def _timed(self, operation: str, call: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        try:
            result = call()
        except FbsError as exc:
            answered = exc.reason not in NO_ANSWER  # a wrong PIN is FBS's answer, not an error
            error = None if answered else exc.reason.value
            self.calls.observe(operation, time.perf_counter() - start, error, answered)
            raise
        except Exception:
            self.calls.observe(operation, time.perf_counter() - start, "exception", False)
            raise
        ok = not isinstance(result, FbsHealth) or result.ok
        self.calls.observe(operation, time.perf_counter() - start, None if ok else "health", ok)
        return result

    def authenticate(self, identifier: str, pin: str) -> Patron:
        return self._timed("authenticate", lambda: self.port.authenticate(identifier, pin))

    def claims(self, patron: Patron) -> list[Claim]:
        return self._timed("claims", lambda: self.port.claims(patron))

    def register_payment(
        self, patron: Patron, claims: Sequence[Claim], order_id: str
    ) -> list[FeeRegistration]:
        return self._timed(
            "register_payment", lambda: self.port.register_payment(patron, claims, order_id)
        )

    def health(self) -> FbsHealth:
        return self._timed("health", self.port.health)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.port, name)
        if name == "end_session" and callable(attr):  # SIP2 only, so not a method here
            return lambda *args: self._timed(name, lambda: attr(*args))
        return attr
