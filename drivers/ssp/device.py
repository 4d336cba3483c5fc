"""An ITL SSP banknote validator (NV9, NV200 …) as a :class:`CashAcceptor`, over plain SSP.

One thread owns the port: SYNC → HOST PROTOCOL VERSION → SETUP REQUEST (channel values) → SET
INHIBITS → ENABLE, then POLL every ``poll_interval_s``. A note read into escrow (0xEF + channel)
becomes an :class:`Escrow`; until the host decides the driver sends HOLD instead of POLL, which
keeps the note and restarts the device's 10 s escrow timeout. Accept = the next ordinary POLL,
return = REJECT, whose "note rejected" report (reason 0x08, by host) is no :class:`Rejected`
(see :meth:`SspValidator._rejected`). Only the credit event (0xEE) is money. A device that
answers 0xFA (key not set) demands eSSP encryption: the driver refuses clearly (DOWN + fault)
rather than guessing.

Across a restart of the host: a note in escrow at start-up is returned (REJECT before the first
POLL, which would accept it), and the events of the first POLL are reported as ``during_restart``.
Each credit carries ``event_ref`` ``ssp:<serial>:<stacked>``, the validator's own count of stacked
notes (GET COUNTERS, kept across power cycles) after it. SSP keeps no history of past events:
a credit the dead host had read but not recorded is not sent again. So a note in escrow carries
``ssp:<serial>:<stacked>:<value>`` for the host to store before it accepts: at the first start
the count is compared with the host's newest recorded position, and one note stacked beyond it
after such an acceptance is credited ``during_restart`` at that value. Notes beyond that are
announced as lost events (the counters are not per channel: their value is for the cash-box count
to say). A validator without GET COUNTERS cannot tell at all (its ``event_ref`` ends in ``:``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

import serial

from drivers.base import Credit, Escrow, FaultKind, Health, Progress, Rejected
from drivers.base.device import EscrowAcceptor, Outage
from drivers.serial_link import Backoff, LinkDown, RawSerialLink
from drivers.ssp import codec
from drivers.ssp.codec import Packet, PollEvent, Setup, SspProtocolError

log = logging.getLogger(__name__)

HOST_PROTOCOL = 6

#: conditions the validator repeats on every poll while they last
_PERSISTENT = {
    codec.SAFE_JAM: (FaultKind.JAM, "note jammed (safe)"),
    codec.UNSAFE_JAM: (FaultKind.JAM, "note jammed (unsafe)"),
    codec.STACKER_FULL: (FaultKind.STACKER_FULL, "stacker full"),
    codec.CASHBOX_REMOVED: (FaultKind.STACKER_REMOVED, "cashbox removed"),
    codec.NOTE_PATH_OPEN: (FaultKind.OTHER, "note path open"),
}


class NoReply(SspProtocolError):
    """No valid reply after every retry: the link is dead."""


class EncryptionRequired(SspProtocolError):
    """The validator answered 0xFA: it only talks eSSP, which a pay-in automat does not use."""


class CommandFailed(SspProtocolError):
    def __init__(self, command: int, code: int) -> None:
        self.code = code
        text = codec.REPLY_TEXT.get(code, f"0x{code:02X}")
        super().__init__(f"command 0x{command:02X}: {text}")


class SspValidator(EscrowAcceptor):
    thread_prefix = "ssp"
    protocol_errors = (SspProtocolError,)

    def __init__(
        self,
        port: str,
        *,
        channel_values: Mapping[str, int] | Mapping[int, int] | None = None,
        name: str = "note_validator",
        address: int = 0,
        baudrate: int = 9600,
        currency: str = "DKK",
        poll_interval_s: float = 0.2,
        reply_timeout_s: float = 1.0,
        retries: int = 20,
        reconnect_backoff_s: tuple[float, float] = (0.2, 5.0),
        escrow_decision_timeout_s: float = 30.0,
    ) -> None:
        if not 0 <= address < 0x80:
            raise ValueError(f"SSP address must be 0..127, not {address}")
        if not 0.1 <= poll_interval_s <= 0.3:
            raise ValueError("SSP poll interval must be 0.1–0.3 s (escrow times out after 10 s)")
        self.configured: dict[int, int] = {}
        for ch, value in (channel_values or {}).items():
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"value of channel {ch!r} must be a positive int of øre")
            try:
                self.configured[int(ch)] = value
            except ValueError as exc:
                raise ValueError(f"channel {ch!r} is not a number") from exc
        self.name = name
        self.address = address
        self.currency = currency
        self.poll_interval_s = poll_interval_s
        self.reply_timeout_s = reply_timeout_s
        self.retries = retries
        self.escrow_decision_timeout_s = escrow_decision_timeout_s
        self._init_thread(
            RawSerialLink(port, baudrate, stopbits=serial.STOPBITS_TWO),
            Backoff(*reconnect_backoff_s),
        )
        self._seq = True
        self._held: tuple[int, float] | None = None  # channel in escrow, since
        #: a REJECT the validator took, until it reports the note rejected: "" when the host
        #: asked for the return, else the driver's own reason (see :meth:`_rejected`)
        self._returning: str | None = None
        self._conditions: dict[int, str] = {}
        self.serial = "?"
        self._stacked: int | None = None  # the validator's stacked-notes counter, if it has one
        self._resume: tuple[str, int | None] | None = None  # the host's newest recorded event
        self._accepting: int | None = None  # with it: a note accepted, not yet recorded (øre)
        self._started = False
        self._first_poll = False  # its events happened before this host started
        self.setup: Setup | None = None
        #: channel → value in øre the driver may enable: the device's value, and when a mapping
        #: is configured only channels it lists with the same value
        self.channels: dict[int, int] = {}

    # ---- host side --------------------------------------------------------------------------

    def position(self) -> str:
        return self.event_ref() if self._started else ""

    def resume_after(self, event_ref: str, *, stopped_cleanly: bool = False) -> None:
        kind, _, rest = event_ref.partition(":")
        serial, _, rest = rest.partition(":")
        stacked, _, accepting = rest.partition(":")
        if kind != "ssp" or not serial:
            log.warning("%s: ignoring a resume point that is not SSP's: %r", self.name, event_ref)
            return
        self._resume = (serial, int(stacked) if stacked.isdigit() else None)
        self._accepting = int(accepting) if accepting.isdigit() else None

    def event_ref(self, accepting: int | None = None) -> str:
        """Where the validator stands (``accepting``: and the value of the note held, for the
        host to store before the note may go in)."""
        ref = f"ssp:{self.serial}:{'' if self._stacked is None else self._stacked}"
        return ref if accepting is None or self._stacked is None else f"{ref}:{accepting}"

    # ---- plumbing ---------------------------------------------------------------------------

    def _working_health(self) -> tuple[Health, str]:
        if self._conditions:
            return Health.DOWN, ", ".join(self._conditions.values())
        return self._refusal_health(bool(self.channels), "the validator reports no usable channel")

    def _outage(self, exc: Exception) -> Outage | None:
        if isinstance(exc, EncryptionRequired):
            text = ("device demands eSSP encryption (reply 0xFA, key not set); "
                    "this pay-in driver speaks plain SSP only: configure the validator "
                    "for unencrypted SSP")
            return Outage("crypto", text, FaultKind.PROTOCOL, text, self._backoff.maximum)
        return super()._outage(exc)

    BUSY_RETRIES = 3

    def command(self, data: bytes, *, sync: bool = False) -> bytes:
        """One command; the reply data after its OK byte. "Cannot process now" is tried again
        as a new command (a repeated flag would only fetch the same refusal), except for HOLD
        and REJECT, where it means there is no note in escrow."""
        for busy in range(self.BUSY_RETRIES + 1):
            try:
                return self._exchange(data, sync)
            except CommandFailed as exc:
                if (exc.code != codec.CANNOT_PROCESS or busy == self.BUSY_RETRIES
                        or data[0] in (codec.HOLD, codec.REJECT)):
                    raise
                self._stop.wait(0.05)
        raise AssertionError("unreachable")

    def _exchange(self, data: bytes, sync: bool) -> bytes:
        """One packet until a valid reply; lost or garbled replies are asked for again with the
        same sequence flag, so the slave resends instead of executing twice."""
        self._seq = True if sync else not self._seq
        packet = codec.encode(Packet(data, self._seq, self.address))
        problem = "no reply"
        for _attempt in range(self.retries):
            if self._stop.is_set():
                raise LinkDown("stopping")
            self._link.discard_input()
            self._link.write(packet)
            try:
                reply = self._read_reply()
            except SspProtocolError as exc:
                problem = str(exc)
                continue
            if reply is None:
                continue
            if reply.seq != self._seq or reply.address != self.address or not reply.data:
                problem = f"reply with seq/id 0x{reply.seq_id:02X}"
                continue
            code = reply.data[0]
            if code == codec.KEY_NOT_SET:
                raise EncryptionRequired(codec.REPLY_TEXT[code])
            if code != codec.OK:
                raise CommandFailed(data[0], code)
            return reply.data[1:]
        raise NoReply(f"command 0x{data[0]:02X}: {problem} after {self.retries} tries")

    def _read_reply(self) -> Packet | None:
        deadline = time.monotonic() + self.reply_timeout_s
        buf = b""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            need = 6 if not buf else 1
            chunk = self._link.read(need, left)
            if not chunk:
                return None
            buf += chunk
            start = buf.find(codec.STX)
            if start < 0:
                buf = b""
                continue
            buf = buf[start:]
            parsed = codec.parse_prefix(buf)
            if parsed is not None:
                return parsed[0]

    # ---- start-up ---------------------------------------------------------------------------

    def _initialise(self) -> None:
        self.command(bytes((codec.SYNC,)), sync=True)
        self.command(bytes((codec.HOST_PROTOCOL_VERSION, HOST_PROTOCOL)))
        self.setup = codec.parse_setup(bytes((codec.OK,)) + self.command(
            bytes((codec.SETUP_REQUEST,))))
        self._returning = None
        self._map_channels(self.setup)
        first = not self._started
        if first:
            self._return_escrowed()
        self.serial = self._read_serial()
        self._stacked = self._read_stacked()
        self._conditions.clear()
        self._apply_settings()
        self._set_health(*self._working_health())
        if first:
            self._started = self._first_poll = True
            self._reconcile()

    def _return_escrowed(self) -> None:
        """A note in escrow at start-up was fed for a host that is gone: give it back before the
        first POLL accepts it ("cannot process" = nothing held)."""
        try:
            self.command(bytes((codec.REJECT,)))
            self._returning = ""  # no session to tell: the log says it
            log.warning("%s: a note in escrow at start-up was returned", self.name)
        except CommandFailed as exc:
            if exc.code != codec.CANNOT_PROCESS:
                raise

    def _read_serial(self) -> str:
        try:
            return str(int.from_bytes(self.command(bytes((codec.GET_SERIAL,)))[:4], "big"))
        except CommandFailed:
            return "?"

    def _read_stacked(self) -> int | None:
        try:
            reply = self.command(bytes((codec.GET_COUNTERS,)))
        except CommandFailed as exc:
            if exc.code in (codec.UNKNOWN_COMMAND, codec.WRONG_PARAMETER_COUNT):
                return None  # this firmware keeps no counters
            raise
        return codec.parse_counters(reply).stacked

    def _reconcile(self) -> None:
        """Notes the validator stacked after the host's newest recorded credit (see the module)."""
        resume = self._resume
        if resume is not None and resume[0] == self.serial and None not in (
            resume[1], self._stacked
        ):
            missing = (self._stacked or 0) - (resume[1] or 0)
            if missing > 0 and self._accepting is not None:
                # the note the host accepted went in; its credit died with the host
                self._emit(Credit(self.name, self._accepting, "accepted before the restart",
                                  "note", event_ref=f"ssp:{self.serial}:{(resume[1] or 0) + 1}",
                                  during_restart=True))
                missing -= 1
            if missing > 0:
                self._fault(FaultKind.LOST_EVENTS,
                            f"{missing} note(s) stacked after the last recorded one were never "
                            "reported: the validator does not say their value; count the cash box")
            elif missing < 0:
                log.warning("%s: note counters are below the recorded ones (reset?)", self.name)
        self._emit(Progress(self.name, self.event_ref()))

    def _map_channels(self, setup: Setup) -> None:
        self.channels = {}
        problems = []
        if setup.country != self.currency:
            problems.append(f"device is set up for {setup.country}, not {self.currency}")
        else:
            for ch, value in setup.channel_values_ore.items():
                want = self.configured.get(ch)
                if want is not None and want != value:
                    problems.append(f"channel {ch} is {value} øre on the device, {want} configured")
                elif self.configured and want is None:
                    log.info("%s: channel %d (%d øre) is not configured; stays disabled",
                             self.name, ch, value)
                elif value > 0:
                    self.channels[ch] = value
            for ch in self.configured.keys() - setup.channel_values_ore.keys():
                problems.append(f"configured channel {ch} does not exist on the device")
        self._refuse(problems, "those notes stay disabled")

    def _apply_settings(self) -> None:
        wanted = self._take_enabled()
        mask = 0
        for ch, value in self.channels.items():
            if value in wanted:
                mask |= 1 << (ch - 1)
        self.command(bytes((codec.SET_INHIBITS,)) + mask.to_bytes(2, "little"))
        self.command(bytes((codec.ENABLE if mask else codec.DISABLE,)))

    # ---- polling ----------------------------------------------------------------------------

    def _poll(self) -> None:
        if self._settings_dirty and self._held is None:
            self._apply_settings()
        decision = self._take_decision(None if self._held is None else self._held[1])
        if self._held is not None:
            channel = self._held[0]
            if decision is None:
                try:
                    self.command(bytes((codec.HOLD,)))
                    return
                except CommandFailed as exc:  # 0xF5: no note held any more
                    log.info("%s: hold of channel %d refused: %s", self.name, channel, exc)
                    self._held = None
            elif decision is False:
                self._held = None
                try:
                    self.command(bytes((codec.REJECT,)))
                    self._returning = self.return_why
                except CommandFailed as exc:  # gone already: what the device says is its own
                    log.info("%s: reject refused: %s", self.name, exc)
            else:
                self._held = None  # the POLL below accepts it
        self._handle_poll(codec.parse_poll(bytes((codec.OK,)) + self.command(
            bytes((codec.POLL,)))))

    def _handle_poll(self, events: list[PollEvent]) -> None:
        seen: set[int] = set()
        for event in events:
            self._handle_event(event, seen)
        self._first_poll = False
        for code in list(self._conditions):
            if code not in seen:
                del self._conditions[code]
        self._set_health(*self._working_health())

    def _value(self, channel: int | None) -> int | None:
        return self.channels.get(channel or 0)

    def _handle_event(self, event: PollEvent, seen: set[int]) -> None:
        code = event.code
        if code in _PERSISTENT:
            seen.add(code)
            if code not in self._conditions:
                kind, text = _PERSISTENT[code]
                self._conditions[code] = text
                self._fault(kind, text)
        elif code == codec.CASHBOX_REPLACED:
            self._conditions.pop(codec.CASHBOX_REMOVED, None)
        elif code == codec.SLAVE_RESET:
            self._held = self._returning = None
            self._fault(FaultKind.DEVICE_RESET, "validator reset: re-applying inhibits")
            with self._lock:
                self._settings_dirty = True
            self._wake.set()
        elif code == codec.READ_NOTE and event.channel:
            value = self._value(event.channel)
            if value is None:
                self._fault(FaultKind.OTHER, f"note in escrow on unknown channel {event.channel}")
                self._held = (event.channel, time.monotonic())
                self._decide(False, f"note on unknown channel {event.channel}: returned")
                return
            self._held = (event.channel, time.monotonic())
            self._emit(Escrow(self.name, value, f"channel {event.channel}",
                              event_ref=self.event_ref(accepting=value)))
        elif code == codec.CREDIT_NOTE:
            value = self._value(event.channel)
            if value is None:
                self._fault(FaultKind.OTHER, f"credit on unknown channel {event.channel}")
                return
            if self._stacked is not None:
                self._stacked = (self._stacked + 1) % 2**32
            self._emit(Credit(self.name, value, f"channel {event.channel}", "note",
                              event_ref=self.event_ref(), during_restart=self._first_poll))
        elif code == codec.REJECTED:
            self._rejected()
        elif code == codec.FRAUD_ATTEMPT:
            self._fault(FaultKind.FRAUD, f"fraud attempt (channel {event.channel})")
        elif code == codec.CLEARED_INTO_CASHBOX:
            self._fault(FaultKind.OTHER,
                        f"a note of channel {event.channel} was cleared into the cashbox at "
                        "reset without credit: count it at reconciliation")

    def _rejected(self) -> None:
        """The validator gave a note back. After a REJECT of ours it says so too ("note
        rejected", reason "rejected by host"): that return is the host's own outcome, not the
        device refusing money, so it is no :class:`Rejected` (a return the driver decided on
        by itself is one, with the driver's reason). Any other reason is the device's."""
        returning, self._returning = self._returning, None
        code = self._last_reject_code()
        if returning is not None and code == HOST_REJECTED:
            if returning:
                self._emit(Rejected(self.name, returning))
            else:
                log.info("%s: note returned as the host asked", self.name)
            return
        if code is None:
            reason = "rejected"
        else:
            reason = REJECT_REASONS.get(code, f"rejected (code 0x{code:02X})")
        self._emit(Rejected(self.name, reason))

    def _last_reject_code(self) -> int | None:
        try:
            reply = self.command(bytes((codec.LAST_REJECT_CODE,)))
        except CommandFailed:
            return None
        return reply[0] if reply else 0


#: GET LAST REJECT CODE's answer after the host's REJECT of a note in escrow
HOST_REJECTED = 0x08


#: GET LAST REJECT CODE (ITL's table; 0x0B–0x1A were off by one or more here before)
REJECT_REASONS = {
    0x00: "note accepted",
    0x01: "note length incorrect",
    0x02: "note not recognised",
    0x03: "note not recognised",
    0x04: "note not recognised",
    0x05: "note not recognised",
    0x06: "channel inhibited",
    0x07: "second note inserted",
    HOST_REJECTED: "host rejected note",
    0x09: "note recognised in more than one channel",
    0x0A: "invalid note read",
    0x0B: "note too long",
    0x0C: "validator disabled",
    0x0D: "mechanism slow or stalled",
    0x0E: "strimming attempt",
    0x0F: "fraud channel",
    0x10: "no note inserted",
    0x11: "peak detect fail",
    0x12: "twisted note",
    0x13: "escrow timeout",
    0x14: "bar code scan fail",
    0x19: "incorrect note width",
    0x1A: "note too short",
}
