"""A PC/SC contactless reader through pyscard: a card on the reader → its card number.

pyscard's ``ReaderMonitor`` and ``CardMonitor`` call their observers on pyscard's own threads;
the observers only put the change on a ``queue.Queue``. The driver's thread takes it from there:
it reads the UID (``FF CA 00 00 00``), turns it into a card number (:mod:`drivers.pcsc.uid`),
and calls the listener. A reader unplugged (or ``pcscd`` gone) is health DOWN; when a reader
comes back the card monitor is re-armed and health is OK again.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Mapping
from typing import Any, Literal

from smartcard.CardMonitoring import CardMonitor, CardMonitoringThread, CardObserver
from smartcard.ReaderMonitoring import ReaderMonitor, ReaderObserver
from smartcard.System import readers as pcsc_readers

from drivers.base.device import DeviceEvents
from drivers.base.events import Health, Listener
from drivers.base.reader import (
    CardPresent,
    CardRemoved,
    IdentificationReader,
    IdentifierRead,
    IdSource,
    ReadRejected,
)
from drivers.pcsc.uid import GET_UID_APDU, UidError, card_number, uid_from_response

log = logging.getLogger(__name__)


def _safe_readers() -> list[Any]:
    """Readers now; none when pcscd is not running (pyscard's monitor would stop on the error)."""
    try:
        return list(pcsc_readers())
    except Exception:
        return []


class _ToQueue(CardObserver, ReaderObserver):  # type: ignore[misc]
    def __init__(self, kind: str, q: queue.Queue[tuple[str, list[Any], list[Any]]]) -> None:
        self.kind = kind
        self.q = q

    def update(self, observable: object, handlers: tuple[list[Any], list[Any]]) -> None:
        added, removed = handlers
        self.q.put((self.kind, list(added), list(removed)))


class PcscReader(DeviceEvents, IdentificationReader):
    def __init__(
        self,
        name: str,
        *,
        reader_name: str = "",
        uid_format: Literal["decimal", "hex", "lookup"] = "decimal",
        byte_order: Literal["msb", "lsb"] = "msb",
        lookup: Mapping[str, str] | None = None,
        reader_poll_s: float = 0.5,
    ) -> None:
        self.name = name
        self.reader_name = reader_name
        self.uid_format = uid_format
        self.byte_order = byte_order
        self.lookup = dict(lookup or {})
        self._reader_poll_s = reader_poll_s
        self._queue: queue.Queue[tuple[str, list[Any], list[Any]]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._reader_monitor: ReaderMonitor | None = None
        self._card_monitor: CardMonitor | None = None
        self._reader_observer = _ToQueue("readers", self._queue)
        self._card_observer = _ToQueue("cards", self._queue)
        self._present: set[str] = set()

    def matches(self, reader: object) -> bool:
        """Our reader: its name contains ``reader_name`` (empty: any reader)."""
        return self.reader_name in str(reader)

    def start(self, listener: Listener) -> None:
        self._listener = listener
        self._thread = threading.Thread(target=self._run, name=f"pcsc-{self.name}", daemon=True)
        self._thread.start()
        self._reader_monitor = ReaderMonitor(readerProc=_safe_readers, period=self._reader_poll_s)
        self._reader_monitor.addObserver(self._reader_observer)

    def stop(self) -> None:
        if self._reader_monitor is not None:
            self._reader_monitor.deleteObserver(self._reader_observer)
            self._reader_monitor = None
        self._disarm_cards()
        self._queue.put(("stop", [], []))
        if self._thread is not None:
            self._thread.join(timeout=10)

    # -- the driver's thread ----------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            try:
                kind, added, removed = self._queue.get(timeout=self._reader_poll_s * 2)
            except queue.Empty:
                # pyscard's card-monitor thread ends for good when pcscd goes away: re-arm it
                if self._health is Health.OK:
                    self._arm_cards()
                continue
            try:
                if kind == "stop":
                    return
                if kind == "readers":
                    self._readers_changed(added, removed)
                elif kind == "cards":
                    for card in removed:
                        if self.matches(card.reader):
                            self._present.discard(card.reader)
                            self._emit(CardRemoved(self.name))
                    for card in added:
                        if self.matches(card.reader):
                            self._present.add(card.reader)
                            self._emit(CardPresent(self.name))
                            self._read(card)
            except Exception:
                log.exception("%s: unexpected error handling %s", self.name, kind)

    def _readers_changed(self, added: list[Any], removed: list[Any]) -> None:
        ours = [r for r in _safe_readers() if self.matches(r)]
        if ours:
            if any(self.matches(r) for r in added):
                self._arm_cards()
            self._set_health(Health.OK, str(ours[0]))
        else:
            self._present.clear()
            self._set_health(Health.DOWN, "no card reader")

    def _read(self, card: Any) -> None:
        connection = card.createConnection()
        try:
            self._connect(connection)
            data, sw1, sw2 = connection.transmit(list(GET_UID_APDU))
            number = card_number(
                uid_from_response(data, sw1, sw2), self.uid_format, self.byte_order, self.lookup
            )
        except UidError as exc:
            self._emit(ReadRejected(self.name, str(exc)))
            return
        except Exception as exc:  # card lifted too early, reader error
            log.info("%s: reading the card failed: %s", self.name, exc)
            self._emit(ReadRejected(self.name, f"card could not be read: {exc}"))
            return
        finally:
            with contextlib.suppress(Exception):
                connection.disconnect()
        self._emit(IdentifierRead(self.name, IdSource.RFID, number))

    @staticmethod
    def _connect(connection: Any, attempts: int = 5) -> None:
        """Connect, retrying briefly: a card reported present may not be powered up yet."""
        for attempt in range(attempts):
            try:
                connection.connect()
                return
            except Exception:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.1 * (attempt + 1))

    def _arm_cards(self) -> None:
        """Attach to pyscard's card monitor, restarting its thread if it has ended.

        pyscard starts that thread once per process and lets it end for good when pcscd goes
        away (``SCARD_E_NO_SERVICE``); after a pcscd restart a fresh thread must be started.
        """
        with CardMonitoringThread.lock:
            thread = CardMonitoringThread.instance
            dead = thread is not None and not thread.is_alive()
            if dead:
                CardMonitoringThread.instance = None
                _forget_context(thread)
        monitor = CardMonitor()
        if dead:
            singleton = CardMonitor.instance
            singleton.rmthread = CardMonitoringThread(singleton)
            if self._card_monitor is not None:
                return  # still an observer: the new thread reports the cards on the readers
        if self._card_monitor is None:
            self._card_monitor = monitor
            monitor.addObserver(self._card_observer)

    def _disarm_cards(self) -> None:
        monitor, self._card_monitor = self._card_monitor, None
        if monitor is not None:
            monitor.deleteObserver(self._card_observer)


def _forget_context(thread: Any) -> None:
    """Release the dead thread's PC/SC context now, quietly: it belonged to the old pcscd, and
    pyscard would otherwise raise from ``__del__`` when it is collected."""
    request = getattr(getattr(thread, "cardrequest", None), "pcsccardrequest", None)
    if request is not None:
        with contextlib.suppress(Exception):
            request.release()
        request.hcontext = None
