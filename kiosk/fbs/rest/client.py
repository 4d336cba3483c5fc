"""HTTP for the FBS REST API: one kept keep-alive connection, the client session key, and
retries only where repeating a call is safe.

* One connection is kept between calls, whichever thread calls (the session's slow-work pool,
  the outbox worker, the service check). A call that overlaps another gets a connection of its
  own, closed when it is done. A pool that kept every connection it ever opened grew by one the
  first time calls overlapped, which the soak benchmark saw thousands of sessions into a run as a
  file descriptor that appeared late; one per thread grew the same way, as a pool thread did its
  first FBS call.

* Client login ``POST {base}/{agency}/authentication/login`` gives a ``sessionKey`` sent as
  ``X-Session``. A 401 means the key expired: log in again and repeat the call **once**.
* ``idempotent`` calls (GETs, and the payment, whose ``orderId`` makes it idempotent) are retried
  with exponential backoff after a timeout, a dropped connection or a 5xx. Patron authentication
  is not: a repeated wrong PIN would count twice towards the lock-out.
* Every failure leaves as one :class:`~kiosk.fbs.port.FbsError`; a refused request (4xx other
  than 401) as :class:`HttpRefused`, which the adapter maps to a reason for that call.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter

from kiosk.fbs.port import FbsError, FbsErrorReason

log = logging.getLogger(__name__)


class _OverlapIsExpected(logging.Filter):
    """urllib3 warns when it closes a connection its pool has no room for. With one kept
    connection that is how an overlapping call ends, not a problem worth the journal."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Connection pool is full")


logging.getLogger("urllib3.connectionpool").addFilter(_OverlapIsExpected())


class JsonNumber(str):
    """A JSON number with a fraction, kept as its literal text so amounts parse exactly."""

    __slots__ = ()


def loads(body: bytes) -> Any:
    """JSON with every non-integer number kept as :class:`JsonNumber` text (never a float)."""
    try:
        return json.loads(body.decode("utf-8"), parse_float=JsonNumber, parse_constant=_bad)
    except (UnicodeDecodeError, ValueError) as exc:
        raise FbsError(FbsErrorReason.PROTOCOL, f"reply is not JSON: {exc}") from None


def _bad(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


class HttpRefused(Exception):
    """FBS answered 4xx (not 401): the request was understood and refused."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


class _Transient(Exception):
    """A failure after which an idempotent call may be repeated."""

    def __init__(self, error: FbsError) -> None:
        super().__init__(str(error))
        self.error = error


def _refusal_message(response: requests.Response) -> str:
    try:
        data = loads(response.content)
    except FbsError:
        data = None
    if isinstance(data, Mapping):
        for key in ("message", "errorMessage", "error"):
            if isinstance(data.get(key), str) and data[key]:
                return str(data[key])[:300]
    return response.reason or f"HTTP {response.status_code}"


class RestClient:
    def __init__(
        self,
        base_url: str,
        agency_id: str,
        username: str,
        password: str,
        *,
        verify_tls: bool = True,
        timeout_s: float = 10.0,
        retries: int = 2,
        backoff_s: float = 0.25,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.root = f"{base_url.rstrip('/')}/{quote(agency_id, safe='')}"
        self._username = username
        self._password = password
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self._sleep = sleep
        #: True (system CAs), False, or a CA bundle path; passed on every request because
        #: requests lets REQUESTS_CA_BUNDLE override a session-level setting
        self.verify: bool | str = verify_tls
        self._key: str | None = None
        self._key_lock = threading.Lock()
        self.http = requests.Session()
        self.http.headers.update({"Accept": "application/json"})
        kept_one = HTTPAdapter(pool_connections=1, pool_maxsize=1)  # see the module's docstring
        for scheme in ("https://", "http://"):
            self.http.mount(scheme, kept_one)

    def close(self) -> None:
        self.http.close()

    # -- calls -------------------------------------------------------------------------------
    def call(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        params: Mapping[str, str] | None = None,
        idempotent: bool,
    ) -> Any:
        """One API call → its parsed JSON. Raises FbsError or HttpRefused."""
        attempts = 1 + (self.retries if idempotent else 0)
        for attempt in range(attempts):
            try:
                return self._call_with_session(method, path, body, params)
            except _Transient as exc:
                if attempt + 1 >= attempts:
                    raise exc.error from None
                delay = self.backoff_s * (2**attempt)
                log.info("FBS %s %s failed (%s); retry in %.2fs", method, path, exc, delay)
                self._sleep(delay)
        raise AssertionError("unreachable")

    def _call_with_session(
        self, method: str, path: str, body: object, params: Mapping[str, str] | None
    ) -> Any:
        key = self._session_key(None)
        response = self._send(method, path, body, params, key)
        if response.status_code == 401:
            key = self._session_key(stale=key)
            response = self._send(method, path, body, params, key)
            if response.status_code == 401:
                raise FbsError(
                    FbsErrorReason.CLIENT_AUTH, "FBS refused a fresh session key (HTTP 401)"
                )
        return self._result(response)

    def login(self) -> str:
        """A new client session key (also the health check). Raises only FbsError."""
        try:
            return self._login()
        except _Transient as exc:
            raise exc.error from None

    def _login(self) -> str:
        """Like :meth:`login`, but a connection failure or HTTP 5xx stays ``_Transient`` so that
        :meth:`call` can retry it."""
        response = self._send(
            "POST",
            "/authentication/login",
            {"username": self._username, "password": self._password},
            None,
            None,
        )
        if response.status_code in (401, 403):
            raise FbsError(FbsErrorReason.CLIENT_AUTH, "FBS refused the automat's credentials")
        data = self._result(response)
        key = data.get("sessionKey") if isinstance(data, Mapping) else None
        if not isinstance(key, str) or not key:
            raise FbsError(FbsErrorReason.PROTOCOL, "login reply has no sessionKey")
        return key

    def _session_key(self, stale: str | None) -> str:
        """The current key; with ``stale`` (a key FBS just refused) a fresh one, unless another
        thread already replaced it."""
        with self._key_lock:
            if self._key is None or (stale is not None and self._key == stale):
                self._key = None
                self._key = self._login()
            return self._key

    def _send(
        self,
        method: str,
        path: str,
        body: object,
        params: Mapping[str, str] | None,
        key: str | None,
    ) -> requests.Response:
        headers = {"X-Session": key} if key else {}
        try:
            response = self.http.request(
                method,
                self.root + path,
                json=body,
                params=params,
                headers=headers,
                timeout=(self.timeout_s, self.timeout_s),
                verify=self.verify,
            )
        except requests.Timeout:
            raise _Transient(
                FbsError(FbsErrorReason.TIMEOUT, f"no reply within {self.timeout_s:g} s")
            ) from None
        except requests.RequestException as exc:
            raise _Transient(
                FbsError(FbsErrorReason.UNAVAILABLE, f"connection failed: {type(exc).__name__}")
            ) from None
        if response.status_code >= 500:
            raise _Transient(
                FbsError(FbsErrorReason.UNAVAILABLE, f"FBS answered HTTP {response.status_code}")
            )
        return response

    @staticmethod
    def _result(response: requests.Response) -> Any:
        status = response.status_code
        if status == 401:
            raise FbsError(FbsErrorReason.CLIENT_AUTH, "HTTP 401")
        if 400 <= status < 500:
            raise HttpRefused(status, _refusal_message(response))
        if status != 200:
            raise FbsError(FbsErrorReason.PROTOCOL, f"unexpected HTTP {status}")
        return loads(response.content)
