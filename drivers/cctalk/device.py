"""What ccTalk coin acceptors and bill validators share: the link, transactions, the polling thread.

One thread per device owns the serial link. It opens the port by path, initialises the device
(identify, read the coin/bill ids, polling priority, inhibits), then polls the event buffer at a
fixed rate. Host calls (``enable``, ``accept_escrow`` …) only record what is wanted and wake the
thread, so the serial line is never shared between threads. Unplugging makes the health DOWN; the
thread reopens the path with back-off and initialises again without losing buffered events: the
event counter is remembered across reconnects.

Across a restart of the host the device is the record: every credit carries ``event_ref``
``cctalk:<serial>:<counter>``, and at the first start the host's newest recorded one
(:meth:`resume_after`) is compared with the buffer. Events after it that the buffer still holds
(the last five) are reported, credits as ``during_restart``; more than five, or a device reset
since (counter 0: the buffer is gone), are announced as lost events, since nothing can tell what
they were. Events the host recorded are never reported twice.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import TypedDict

from drivers.base import Credit, FaultKind, Health, Progress, Rejected
from drivers.base.device import Outage, PolledCashAcceptor
from drivers.cctalk import codec
from drivers.cctalk.codec import BufferedEvent, CcTalkProtocolError, Checksum, Frame
from drivers.cctalk.codes import Effect, Meaning
from drivers.serial_link import Backoff, LinkDown, RawSerialLink

log = logging.getLogger(__name__)

POLL_MIN_S = 0.1
POLL_MAX_S = 0.2
_PRIORITY_UNITS_S = {1: 0.001, 2: 0.01, 3: 1.0, 4: 60.0}


class NoReply(CcTalkProtocolError):
    """The device did not answer (in time) after every retry."""


class DeviceRefused(CcTalkProtocolError):
    """The device answered, but not what the request needs (wrong category, error reply)."""


def polling_interval_s(reply: bytes, default_s: float = POLL_MIN_S) -> float:
    """Header 249's ``[units][value]`` as seconds, held within the 100–200 ms the host keeps to."""
    if len(reply) != 2 or reply[1] == 0 or reply[0] not in _PRIORITY_UNITS_S:
        return default_s
    return min(max(reply[1] * _PRIORITY_UNITS_S[reply[0]], POLL_MIN_S), POLL_MAX_S)


def match_value(ident: str, values: Mapping[str, int]) -> int | None:
    """Value in øre of a coin/bill id like ``DK200A`` by the longest configured prefix."""
    ident = ident.strip()
    best: tuple[int, int] | None = None
    for prefix, value in values.items():
        if prefix and ident.startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), value)
    return None if best is None else best[1]


class CcTalkLine(TypedDict, total=False):
    """How a ccTalk device is reached and polled (the keyword arguments of every ccTalk driver;
    each has the default of :class:`CcTalkDevice`, name and address those of the device kind)."""

    name: str
    address: int
    baudrate: int
    echo: bool  # the adapter echoes our own request (one shared data wire)
    checksum: Checksum | str
    poll_interval_s: float | None  # None: the device's own figure (header 249)
    reply_timeout_s: float
    retries: int
    reconnect_backoff_s: tuple[float, float]


class CcTalkDevice(PolledCashAcceptor):
    """A coin acceptor or bill validator: the subclass says which (its class attributes)."""

    thread_prefix = "cctalk"
    protocol_errors = (CcTalkProtocolError,)
    kind: str  # of a Credit: "coin" or "note"
    category: str  # what header 245 must answer
    id_header: int  # request coin id (184) or bill id (157)
    buffer_header: int  # read buffered credit (229) or bill events (159)
    default_name: str
    default_address: int

    def __init__(
        self,
        port: str,
        *,
        values: Mapping[str, int],
        name: str | None = None,
        address: int | None = None,
        baudrate: int = 9600,
        echo: bool = True,
        checksum: Checksum | str = Checksum.SIMPLE,
        poll_interval_s: float | None = None,
        reply_timeout_s: float = 0.25,
        retries: int = 3,
        reconnect_backoff_s: tuple[float, float] = (0.2, 5.0),
    ) -> None:
        """``values``: id prefix → øre, for :meth:`_value_of` (see :func:`match_value`)."""
        address = self.default_address if address is None else address
        if not 1 < address <= 255:
            raise ValueError(f"ccTalk device address must be 2..255, not {address}")
        for prefix, value in values.items():
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"value of {prefix!r} must be a positive int of øre: {value!r}")
        self.name = name or self.default_name
        self.address = address
        self.echo = echo
        self.checksum = Checksum(checksum)
        self.reply_timeout_s = reply_timeout_s
        self.retries = retries
        self._values = dict(values)
        self._fixed_interval = poll_interval_s
        self.poll_interval_s = poll_interval_s or POLL_MIN_S
        self._init_thread(RawSerialLink(port, baudrate), Backoff(*reconnect_backoff_s))
        self._last_counter: int | None = None
        #: the host's newest recorded event: (serial, counter), from resume_after
        self._resume: tuple[str, int] | None = None
        self._stopped_cleanly = False
        self._reconciling = False  # reporting events found at start-up
        #: position (1..16) → (id, value in øre or None)
        self.positions: dict[int, tuple[str, int | None]] = {}
        self._applied_mask = b"\x00\x00"  # the inhibit mask last sent (header 231)
        self.identity: dict[str, str] = {}

    def resume_after(self, event_ref: str, *, stopped_cleanly: bool = False) -> None:
        kind, _, rest = event_ref.partition(":")
        serial, _, counter = rest.rpartition(":")
        if kind != "cctalk" or not serial or not counter.isdigit() or int(counter) > 255:
            log.warning("%s: not a ccTalk resume point: %r", self.name, event_ref)
            return
        self._resume = (serial, int(counter))
        self._stopped_cleanly = stopped_cleanly

    def position(self) -> str:
        return "" if self._last_counter is None else self.event_ref(self._last_counter)

    def event_ref(self, counter: int) -> str:
        return f"cctalk:{self.identity.get('serial', '?')}:{counter}"

    # ---- polling thread ---------------------------------------------------------------------

    def _outage(self, exc: Exception) -> Outage | None:
        outage = super()._outage(exc)
        # one announcement per outage, whether the link or the device's answers failed first
        return None if outage is None else dataclasses.replace(outage, key="down")

    def _poll(self) -> None:
        self._before_poll()
        self._poll_buffer()
        if self._last_counter == 0 and any(self._applied_mask) and not self._settings_dirty:
            self._check_inhibits()

    def _before_poll(self) -> None:
        if self._settings_dirty:
            self._apply_settings()

    # ---- transactions -----------------------------------------------------------------------

    def transact(self, header: int, data: bytes = b"") -> bytes:
        """Send one request and return the reply's data; retries NAK, BUSY and bad frames."""
        request = codec.encode(Frame(self.address, header, data), self.checksum)
        problem = "no reply"
        for attempt in range(self.retries + 1):
            if self._stop.is_set():
                raise LinkDown("stopping")
            if attempt:
                log.debug("%s: retry %d of header %d: %s", self.name, attempt, header, problem)
            stray = self._link.discard_input()
            if stray:
                log.debug("%s: dropped %d stray bytes", self.name, len(stray))
            self._link.write(request)
            try:
                reply = self._read_reply(request)
            except CcTalkProtocolError as exc:
                problem = str(exc)
                continue
            if reply.header == codec.ACK:
                return reply.data
            if reply.header == codec.BUSY:
                problem = "device busy"
                self._stop.wait(0.02)
                continue
            problem = "NAK" if reply.header == codec.NAK else f"reply header {reply.header}"
        if problem == "no reply":
            raise NoReply(f"no reply to header {header} after {self.retries + 1} tries")
        raise CcTalkProtocolError(
            f"header {header} failed after {self.retries + 1} tries: {problem}"
        )

    def _read_reply(self, request: bytes) -> Frame:
        if self.echo:
            echo = self._link.read(len(request), self.reply_timeout_s)
            if echo != request:
                raise CcTalkProtocolError(
                    f"echo {echo.hex(' ')} is not the request (is echo = true right for this "
                    "adapter?)"
                )
        head = self._link.read(2, self.reply_timeout_s)
        if len(head) < 2:
            raise CcTalkProtocolError("no reply")
        rest = self._link.read(head[1] + 3, self.reply_timeout_s)
        frame = codec.decode(head + rest, self.checksum)
        if frame.dest != codec.HOST or frame.src not in (None, self.address):
            raise CcTalkProtocolError(f"reply addressed {frame.src} → {frame.dest}")
        return frame

    # ---- start-up ---------------------------------------------------------------------------

    def _initialise(self) -> None:
        self.transact(codec.SIMPLE_POLL)
        ident = {
            "manufacturer": codec.MANUFACTURER_ID,
            "category": codec.EQUIPMENT_CATEGORY,
            "product": codec.PRODUCT_CODE,
            "software": codec.SOFTWARE_REVISION,
        }
        self.identity = {k: self._ascii(self.transact(h)) for k, h in ident.items()}
        serial_no = self.transact(codec.SERIAL_NUMBER)
        self.identity["serial"] = str(int.from_bytes(serial_no, "little"))
        if self.identity["category"] != self.category:
            raise DeviceRefused(
                f"address {self.address} is a {self.identity['category']!r}, not a {self.category}"
            )
        self._map_positions()
        if self._fixed_interval is None:
            reply = self.transact(codec.REQUEST_POLLING_PRIORITY)
            self.poll_interval_s = polling_interval_s(reply)
        counter, events = codec.parse_event_buffer(self.transact(self.buffer_header))
        self._apply_settings()
        self._set_health(*self._working_health())
        if self._last_counter is None:  # the first start of this host process
            self._reconcile(counter, events)
            self._after_reconcile()
        else:
            self._handle_buffer(counter, events)  # e.g. coins taken while the cable was out

    def _map_positions(self) -> None:
        """Read the id of every position and value it (:meth:`_value_of`); a position refused
        for a reason is a fault, once, and lowers the health (:meth:`_working_health`)."""
        self.positions = {}
        refused = []
        for position in range(1, 17):
            ident_text = self._ascii(self.transact(self.id_header, bytes((position,))))
            if ident_text.strip(". \x00") == "":
                continue
            value, problem = self._value_of(ident_text)
            if problem:
                refused.append(f"position {position}: {problem}")
            elif value is None:
                log.warning("%s: %s in position %d has no configured value; never enabled",
                            self.name, ident_text, position)
            self.positions[position] = (ident_text, value)
        self._refuse(refused, "never enabled")

    def _value_of(self, ident: str) -> tuple[int | None, str]:
        """The value in øre of the coin or bill named ``ident``, or None and why it is refused
        ("" when it is merely not configured). Bills: by the configured id prefixes."""
        return match_value(ident, self._values), ""

    def _reconcile(self, counter: int, events: list[BufferedEvent]) -> None:
        """Report what the device took after the host's last recorded event (see the module)."""
        resume, self._last_counter = self._resume, counter
        if resume is None or resume[0] != self.identity["serial"]:
            # nothing recorded for this device (a new one): its past is not ours to credit
            self._emit(Progress(self.name, self.event_ref(counter)))
            return
        last = resume[1]
        if counter == 0 and last != 0:
            if self._stopped_cleanly:  # powered off after a clean stop: nothing of ours in it
                log.info("%s: reset since the clean stop at event %d", self.name, last)
            else:
                self._fault(FaultKind.LOST_EVENTS, f"the device was reset after event {last}: "
                            "any coin taken after it cannot be read back; count the cash box")
            self._emit(Progress(self.name, self.event_ref(0)))
            return
        new = codec.new_event_count(last, counter)
        if new == 0:
            return
        if new > len(events):
            self._fault(FaultKind.LOST_EVENTS, f"{new - len(events)} event(s) after event {last} "
                        "are no longer in the device's buffer: count the cash box")
        self._reconciling = True
        try:
            self._report(counter, events, new)
        finally:
            self._reconciling = False

    def _after_reconcile(self) -> None:
        """Bring the device to a known state once the start-up events are reported."""

    def _working_health(self) -> tuple[Health, str]:
        """Health once the device answers; validators lower it while their stacker is out."""
        return Health.OK, ""

    @staticmethod
    def _ascii(data: bytes) -> str:
        return data.decode("ascii", "replace").strip()

    def _inhibit_mask(self) -> bytes:
        wanted = self._take_enabled()
        mask = 0
        for position, (_ident, value) in self.positions.items():
            if value is not None and value in wanted:
                mask |= 1 << (position - 1)
        return mask.to_bytes(2, "little")

    def _apply_settings(self) -> None:
        mask = self._inhibit_mask()
        self.transact(codec.MODIFY_INHIBIT_STATUS, mask)
        self.transact(codec.MODIFY_MASTER_INHIBIT, b"\x01" if any(mask) else b"\x00")
        self._applied_mask = mask

    def _check_inhibits(self) -> None:
        """A reset shows as the event counter going back to 0, except before the device's
        first event, when the counter is 0 already: while it is, and something is enabled, the
        inhibits are read back (header 230) each poll. A device that lost them was reset."""
        if self.transact(codec.REQUEST_INHIBIT_STATUS) != self._applied_mask:
            self._device_reset("inhibits lost before the first event")

    # ---- events -----------------------------------------------------------------------------

    def _poll_buffer(self) -> None:
        data = self.transact(self.buffer_header)
        counter, events = codec.parse_event_buffer(data)
        self._handle_buffer(counter, events)

    def _handle_buffer(self, counter: int, events: list[BufferedEvent]) -> None:
        last = self._last_counter or 0
        if counter == 0 and last != 0:
            self._last_counter = 0
            self._device_reset("event counter back to 0")
            return
        new = codec.new_event_count(last, counter)
        if new == 0:
            return
        self._last_counter = counter
        if new > len(events):
            self._fault(FaultKind.LOST_EVENTS, f"{new} events since the last poll; buffer holds 5")
        self._report(counter, events, new)

    def _report(self, counter: int, events: list[BufferedEvent], new: int) -> None:
        """The ``new`` newest events, oldest first, then where the device stands now."""
        for i in reversed(range(min(new, len(events)))):
            ref = counter - i
            self._handle_event(ref + 255 if ref <= 0 else ref, events[i], newest=i == 0)
        self._emit(Progress(self.name, self.event_ref(counter)))

    def _valued(self, position: int, ref: int) -> tuple[str, int] | None:
        """The id and value of the coin or bill type of an event; None (and a fault) when the
        device credits a position without a known value."""
        ident, value = self.positions.get(position, (f"{self.kind} type {position}", None))
        if value is None:
            self._fault(FaultKind.OTHER, f"credit of {ident} (event {ref}) has no known value")
            return None
        return ident, value

    def _announce(self, meaning: Meaning, where: str) -> None:
        """An error or status code: the citizen's :class:`Rejected`, or a fault for someone."""
        if meaning.effect is Effect.REJECTED:
            self._emit(Rejected(self.name, meaning.text))
        elif meaning.effect is Effect.FAULT and meaning.kind is not None:
            self._fault(meaning.kind, f"{meaning.text} ({where})")

    def _credit(self, value: int, ident: str, ref: int) -> None:
        self._emit(Credit(self.name, value, ident, self.kind, event_ref=self.event_ref(ref),
                          during_restart=self._reconciling))

    def _device_reset(self, why: str) -> None:
        """The device was reset (its counter is 0): tell, then configure it again."""
        self._fault(FaultKind.DEVICE_RESET, f"{why}: re-applying inhibits")
        self._emit(Progress(self.name, self.event_ref(0)))
        self._on_device_reset()
        self._apply_settings()

    def _on_device_reset(self) -> None:
        pass

    def _handle_event(self, ref: int, event: BufferedEvent, newest: bool) -> None:
        raise NotImplementedError
