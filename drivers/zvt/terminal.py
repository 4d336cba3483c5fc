"""``ZvtTerminal``: the automat's card terminal over ZVT (serial or TCP).

One transaction at a time holds the link. The terminal leads a transaction: it sends prompts
(``04 FF``), status information (``04 0F``), receipt lines (``06 D1``/``06 D3``) and ends with
Completion (``06 0F``) or Abort (``06 1E``); we answer each with ``80 00 00``. To cancel, we answer
the next prompt with Abort (``06 B0``) instead, which is the moment ZVT gives the ECR.

If the link fails after the authorisation went out, the result is ``OUTCOME_UNKNOWN``. The driver
remembers the terminal's last trace number from before that authorisation; :meth:`resolve`
reconnects, checks the terminal is idle (status enquiry ``05 01``) and asks for the last
transaction again (repeat receipt ``06 20``). Only a transaction with the next trace number and
the same amount is taken as ours; an unchanged trace number means ours never completed. Anything
else stays ``OUTCOME_UNKNOWN``, for staff to check on the terminal's own journal.

Across a restart the memory is gone, so just before the authorisation goes out the driver hands
the baseline to the host as a token (``on_pending(reference, token)``, stored with the pending
tender); recovery passes it back to :meth:`ZvtTerminal.resolve`, which then decides as above.
What a dialogue or the last transaction means is :mod:`drivers.zvt.outcome`; this module holds
the dialogue.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from typing import Literal

from drivers.base.charset import check_text_encoding
from drivers.base.device import DeviceEvents
from drivers.base.events import Health, Listener
from drivers.base.terminal import (
    CardOutcome,
    CardPrompt,
    CardResult,
    CardTerminal,
    MaintenanceResult,
)
from drivers.zvt import apdu as A
from drivers.zvt.bmp import (
    TEXT_ENCODING,
    StatusInfo,
    parse_intermediate_status,
    parse_print_line,
    parse_status_info,
    parse_text_block,
)
from drivers.zvt.errors import ZvtLinkLost, ZvtProtocolError, ZvtTimeout
from drivers.zvt.link import FramedSerialLink, TcpLink, ZvtLink, ZvtNakLimit
from drivers.zvt.outcome import (
    Ending,
    Pending,
    card_result,
    judge_last_transaction,
    maintenance_result,
)
from drivers.zvt.texts import error_text, prompt_text

log = logging.getLogger(__name__)



class ZvtRefused(ZvtProtocolError):
    """The terminal answered a command with a negative acknowledgement ``84 xx``."""

    def __init__(self, code: int) -> None:
        super().__init__(f"terminal refused the command: {error_text(code)}")
        self.code = code


class ZvtTerminal(DeviceEvents, CardTerminal):
    def __init__(
        self,
        url: str,
        *,
        password: str = "000000",
        name: str = "card_terminal",
        transport: Literal["serial", "tcp"] = "serial",
        baudrate: int = 9600,
        currency: int = A.DKK,
        config_byte: int = A.DEFAULT_CONFIG_BYTE,
        inter_byte_timeout: float = 0.2,
        ack_timeout: float = 5.0,
        transaction_timeout: float = 180.0,
        reconnect_interval: float = 2.0,
        max_resends: int = 3,
        receipt_encoding: str = TEXT_ENCODING,
    ) -> None:
        """``url``: a device path for serial; ``socket://host:20007`` or ``host:port`` for TCP.
        ``receipt_encoding``: the one-byte character set of the terminal's texts (receipt lines,
        display texts); ZVT's default cp437 lacks ø/Ø, so a Danish terminal may use cp865."""
        A.password_bcd(password)  # validate now: a bad password is a configuration error
        A.currency_bcd(currency)
        self.receipt_encoding = check_text_encoding(receipt_encoding)
        self.name = name
        self.url = url
        self.transport = transport
        self._password = password
        self.currency = currency
        self.config_byte = config_byte
        self.ack_timeout = ack_timeout
        self.transaction_timeout = transaction_timeout
        self.reconnect_interval = reconnect_interval
        self._link: ZvtLink
        if transport == "tcp":
            self._link = TcpLink(url if "://" in url else f"socket://{url}")
        else:
            self._link = FramedSerialLink(
                url,
                baudrate,
                inter_byte_timeout=inter_byte_timeout,
                ack_timeout=ack_timeout,
                max_resends=max_resends,
            )
        self._io = threading.RLock()
        self._busy = threading.Event()
        self._cancel = threading.Event()
        self._stop = threading.Event()
        self._registered = False
        self._trace_known = False
        self._last_trace: int | None = None
        self._pending: dict[str, Pending] = {}
        self._monitor: threading.Thread | None = None

    def __repr__(self) -> str:  # never the password
        return f"ZvtTerminal({self.name!r}, {self.url!r}, {self.transport})"

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self, listener: Listener) -> None:
        self._listener = listener
        self._stop.clear()
        with self._io, contextlib.suppress(ZvtLinkLost, ZvtTimeout, ZvtProtocolError):
            self._connect()
        self._monitor = threading.Thread(target=self._watch, name=f"{self.name}-zvt", daemon=True)
        self._monitor.start()

    def stop(self) -> None:
        self._stop.set()
        self._cancel.set()
        if self._monitor is not None:
            self._monitor.join(timeout=10)
            self._monitor = None
        with self._io:
            self._link.close()
            self._registered = False
            self._set_health(Health.DOWN, "stopped")

    def _lost(self, exc: Exception) -> None:
        self._link.close()
        self._registered = False
        self._set_health(Health.DOWN, str(exc))

    def _watch(self) -> None:
        """Reconnect by path after an unplug; notice an unplugged serial device while idle;
        register again after a registration that went wrong on an open link (e.g. a stale
        prompt of a dialogue the terminal was still having with a host that died)."""
        while not self._stop.wait(self.reconnect_interval):
            if not self._io.acquire(blocking=False):
                continue
            try:
                if self._link.is_open:
                    if self.transport == "serial" and not os.path.exists(self.url):
                        self._lost(ZvtLinkLost(f"{self.url} is gone"))
                        continue
                    if self._registered:
                        continue
                with contextlib.suppress(ZvtLinkLost, ZvtTimeout, ZvtProtocolError):
                    self._connect()
            finally:
                self._io.release()

    def _connect(self) -> None:
        """Open the link if needed and register; learn the last trace number once."""
        if self._link.is_open and self._registered:
            return
        try:
            self._link.open()
            self._link.discard_input()
            self._command(A.registration(self._password, self.currency, self.config_byte))
            ending = self._collect(time.monotonic() + self.ack_timeout * 2, cancellable=False)
            if not ending.completed:
                raise ZvtRefused(ending.error_code if ending.error_code is not None else 0xFF)
            self._registered = True
            if not self._trace_known:
                self._learn_last_trace()
        except ZvtLinkLost as exc:
            self._lost(exc)
            raise
        except (ZvtTimeout, ZvtProtocolError) as exc:
            self._registered = False
            self._set_health(Health.DOWN, str(exc))
            raise
        self._set_health(Health.OK, "registered")

    # --- dialogue helpers ----------------------------------------------------------------------

    def _command(self, command: A.Apdu) -> None:
        """Send a command and wait for the terminal's ``80 00 00``."""
        self._link.send(command)
        reply = self._link.receive(self.ack_timeout)
        if reply.cls == A.NEGATIVE_ACK_CLASS:
            raise ZvtRefused(reply.instr)
        if reply.command != A.POSITIVE_ACK:
            raise ZvtProtocolError(f"expected 80 00 00, got {reply!r}")

    def _collect(self, deadline: float, *, cancellable: bool) -> Ending:
        """Answer the terminal's messages until Completion or Abort."""
        status: StatusInfo | None = None
        lines: list[str] = []
        host_aborted = False
        while True:
            message = self._link.receive(max(deadline - time.monotonic(), 0.0))
            command = message.command
            if command == A.INTERMEDIATE_STATUS:
                if cancellable and self._cancel.is_set() and not host_aborted:
                    self._link.send(A.abort())
                    host_aborted = True
                    log.info("ZVT %s: abort sent on the host's request", self.name)
                else:
                    self._link.send(A.ACK_APDU)
                try:
                    shown = parse_intermediate_status(message.data, self.receipt_encoding)
                    code, text = shown.code, " ".join(shown.texts) or prompt_text(shown.code)
                except ZvtProtocolError:
                    code = message.data[0] if message.data else -1
                    text = prompt_text(code)
                self._emit(CardPrompt(self.name, text, code))
            elif command == A.STATUS_INFORMATION:
                self._link.send(A.ACK_APDU)
                try:
                    status = parse_status_info(message.data, self.receipt_encoding)
                except ZvtProtocolError as exc:
                    log.warning("ZVT %s: unreadable status information (%s)", self.name, exc)
            elif command == A.PRINT_LINE:
                self._link.send(A.ACK_APDU)
                with contextlib.suppress(ZvtProtocolError):
                    lines.append(parse_print_line(message.data, self.receipt_encoding))
            elif command == A.PRINT_TEXT_BLOCK:
                self._link.send(A.ACK_APDU)
                with contextlib.suppress(ZvtProtocolError):
                    lines.extend(parse_text_block(message.data, self.receipt_encoding))
            elif command == A.COMPLETION:
                self._link.send(A.ACK_APDU)
                return Ending(True, status, lines, host_aborted=host_aborted)
            elif command == A.ABORT_FROM_TERMINAL:
                self._link.send(A.ACK_APDU)
                code = message.data[0] if message.data else None
                return Ending(False, status, lines, code, host_aborted)
            elif command == A.SET_TIME_AND_DATE:  # the automat keeps its own (NTP) clock
                self._link.send(A.ACK_APDU)
            elif command == A.POSITIVE_ACK or message.cls == A.NEGATIVE_ACK_CLASS:
                continue  # the answer to our Abort
            else:
                self._link.send(A.negative_ack(0x83))

    def _note_trace(self, ending: Ending) -> None:
        if ending.status is not None and ending.status.trace_no is not None:
            self._last_trace, self._trace_known = ending.status.trace_no, True
        else:  # the terminal may have used a trace number we did not see
            self._trace_known = False

    def _last_transaction(self) -> tuple[bool, StatusInfo | None]:
        """Repeat receipt: (answered, status of the last transaction or None if it has none)."""
        self._command(A.repeat_receipt(self._password))
        ending = self._collect(time.monotonic() + self.ack_timeout * 4, cancellable=False)
        if not ending.completed:
            return False, None
        if ending.status is None or ending.status.trace_no is None:
            return True, None
        return True, ending.status

    def _learn_last_trace(self) -> None:
        answered, last = self._last_transaction()
        if answered:
            self._last_trace = last.trace_no if last else None
            self._trace_known = True

    # --- payments ------------------------------------------------------------------------------

    def authorise(self, amount_ore: int, reference: str) -> CardResult:
        command = A.authorisation(amount_ore, self.currency)  # bad amounts raise here
        self._busy.set()  # before the lock: a cancel while we wait for it still counts
        try:
            with self._io:
                return self._authorise(command, amount_ore, reference)
        finally:
            self._busy.clear()
            self._cancel.clear()

    def _unavailable(self, amount_ore: int, reference: str, exc: Exception) -> CardResult:
        return CardResult(
            CardOutcome.ABORTED, amount_ore, reference, message=f"terminal not available: {exc}"
        )

    def _unknown(self, amount_ore: int, reference: str, exc: Exception) -> CardResult:
        log.warning("ZVT %s: outcome of %s unknown (%s)", self.name, reference, exc)
        if isinstance(exc, ZvtLinkLost):
            self._lost(exc)
        else:
            self._registered = False  # the terminal is in an unknown state: register again
        self._trace_known = False
        return CardResult(
            CardOutcome.OUTCOME_UNKNOWN, amount_ore, reference, message=f"link failed: {exc}"
        )

    def _authorise(self, command: A.Apdu, amount_ore: int, reference: str) -> CardResult:
        try:
            self._connect()
            if not self._trace_known:
                self._learn_last_trace()
            self._link.discard_input()
        except (ZvtLinkLost, ZvtTimeout, ZvtProtocolError) as exc:
            return self._unavailable(amount_ore, reference, exc)
        for other in self._pending.values():
            other.superseded = True
        pending = Pending(amount_ore, self._trace_known, self._last_trace)
        if self.on_pending is not None:
            try:
                self.on_pending(reference, pending.token())
            except Exception as exc:  # the host could not record it: do not start the payment
                log.error(
                    "ZVT %s: pending %s not recorded (%s); not sent", self.name, reference, exc
                )
                return CardResult(
                    CardOutcome.ABORTED, amount_ore, reference, message=f"not recorded: {exc}"
                )
        self._pending[reference] = pending
        try:
            self._command(command)
        except (ZvtNakLimit, ZvtRefused) as exc:  # the terminal did not take it: no money moved
            self._pending.pop(reference, None)
            return CardResult(CardOutcome.ABORTED, amount_ore, reference, message=str(exc))
        except (ZvtLinkLost, ZvtTimeout, ZvtProtocolError) as exc:
            return self._unknown(amount_ore, reference, exc)
        try:
            ending = self._collect(time.monotonic() + self.transaction_timeout, cancellable=True)
        except (ZvtLinkLost, ZvtTimeout, ZvtProtocolError) as exc:
            return self._unknown(amount_ore, reference, exc)
        self._pending.pop(reference, None)
        self._note_trace(ending)
        result = card_result(ending, amount_ore, reference)
        log.info(
            "ZVT %s: %s %s (result %s, receipt %s)",
            self.name,
            reference,
            result.outcome.value,
            result.result_code,
            result.terminal_ref or "-",
        )
        return result

    def cancel(self) -> None:
        if self._busy.is_set():
            self._cancel.set()

    def reverse(self, original: CardResult) -> CardResult:
        if original.outcome is not CardOutcome.APPROVED or not original.terminal_ref.isdigit():
            raise ValueError("only an approved payment with a receipt number can be reversed")
        command = A.reversal(self._password, int(original.terminal_ref))
        with self._io:
            self._busy.set()
            try:
                try:
                    self._connect()
                    self._link.discard_input()
                except (ZvtLinkLost, ZvtTimeout, ZvtProtocolError) as exc:
                    return self._unavailable(original.amount_ore, original.reference, exc)
                try:
                    self._command(command)
                except (ZvtNakLimit, ZvtRefused) as exc:
                    return CardResult(
                        CardOutcome.DECLINED,
                        original.amount_ore,
                        original.reference,
                        message=str(exc),
                    )
                deadline = time.monotonic() + self.transaction_timeout
                ending = self._collect(deadline, cancellable=False)
            except (ZvtLinkLost, ZvtTimeout, ZvtProtocolError) as exc:
                return self._unknown(original.amount_ore, original.reference, exc)
            finally:
                self._busy.clear()
                self._cancel.clear()
        self._note_trace(ending)
        result = card_result(ending, original.amount_ore, original.reference)
        log.info("ZVT %s: reversal of %s %s", self.name, original.reference, result.outcome.value)
        return result

    # --- maintenance ---------------------------------------------------------------------------

    def diagnosis(self) -> MaintenanceResult:
        return self._maintenance("diagnosis", A.diagnosis())

    def end_of_day(self) -> MaintenanceResult:
        return self._maintenance("end of day", A.end_of_day(self._password))

    def _maintenance(self, what: str, command: A.Apdu) -> MaintenanceResult:
        """One administrative dialogue (the terminal may talk to its acquirer meanwhile, so the
        transaction timeout applies). It moves no money; it may take a trace number, so the
        next authorisation first learns the terminal's last one again."""
        with self._io:
            try:
                self._connect()
                self._link.discard_input()
            except (ZvtLinkLost, ZvtTimeout, ZvtProtocolError) as exc:
                return MaintenanceResult(False, f"terminal not available: {exc}")
            self._trace_known = False
            try:
                self._command(command)
                ending = self._collect(
                    time.monotonic() + self.transaction_timeout, cancellable=False
                )
            except ZvtRefused as exc:
                return MaintenanceResult(False, str(exc), exc.code)
            except ZvtNakLimit as exc:
                return MaintenanceResult(False, f"the terminal did not take the command: {exc}")
            except (ZvtLinkLost, ZvtTimeout, ZvtProtocolError) as exc:
                if isinstance(exc, ZvtLinkLost):
                    self._lost(exc)
                else:  # mid-dialogue: register again before the next command
                    self._registered = False
                return MaintenanceResult(False, f"the terminal stopped answering: {exc}")
        result = maintenance_result(ending)
        log.info("ZVT %s: %s %s (%s)", self.name, what, "done" if result.ok else "failed",
                 result.message or "ok")
        return result

    def resolve(self, reference: str, amount_ore: int, token: str = "") -> CardResult:
        """``token``: what :attr:`on_pending` was given for this authorisation, so a driver
        started after the process died can still compare trace numbers."""

        def unknown(why: str) -> CardResult:
            log.warning("ZVT %s: %s still unknown: %s", self.name, reference, why)
            return CardResult(CardOutcome.OUTCOME_UNKNOWN, amount_ore, reference, message=why)

        if not token and self.on_pending is not None and reference not in self._pending:
            # the host stores a token before any authorisation of ours goes out: none stored,
            # none sent (the process died between the pending payment and its token)
            return CardResult(
                CardOutcome.ABORTED, amount_ore, reference,
                message="never sent: no token was recorded for it",
            )

        with self._io:
            try:
                self._connect()
                self._link.discard_input()
                self._command(A.status_enquiry(self._password))
                idle = self._collect(time.monotonic() + self.ack_timeout * 2, cancellable=False)
                if not idle.completed:
                    return unknown(f"terminal not ready: {error_text(idle.error_code)}")
                answered, last = self._last_transaction()
            except (ZvtLinkLost, ZvtTimeout, ZvtProtocolError) as exc:
                if isinstance(exc, ZvtLinkLost):
                    self._lost(exc)
                return unknown(f"terminal not reachable: {exc}")
            if answered:
                self._last_trace = last.trace_no if last else None
                self._trace_known = True
            pending = self._pending.get(reference)
            if pending is None and token:
                pending = Pending.from_token(token)
                if pending is not None and pending.amount_ore != amount_ore:
                    return unknown("the recorded token is for another amount")
            if pending is None:
                return unknown("no record of this authorisation since the driver started")
            if pending.superseded or not pending.baseline_known:
                return unknown("cannot tell this authorisation apart from others")
            if not answered:
                return unknown("the terminal did not report its last transaction")
            verdict = judge_last_transaction(pending, last, amount_ore, reference)
            if isinstance(verdict, str):
                return unknown(verdict)
            self._pending.pop(reference, None)
            return verdict
