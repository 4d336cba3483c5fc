"""A scriptable ZVT payment terminal on a pty, speaking the same frames as a real one.

The driver opens :attr:`ZvtEmulator.path` with pyserial exactly as it opens the real terminal.
Script the next authorisation with :meth:`approve_next`, :meth:`decline_next`,
:meth:`citizen_abort_next`, :meth:`hold_for_cancel_next`, :meth:`timeout_mid_authorisation` or
:meth:`drop_link_mid_authorisation`; inject line faults with :meth:`nak_next`,
:meth:`corrupt_next` and :meth:`garbage_next`; a diagnosis or end-of-day
with :attr:`maintenance_plan`. The emulator keeps a journal (trace and receipt
numbers) so status enquiry, repeat receipt and reversal answer like a terminal that remembers.
Everything the host sent is in :attr:`received` for tests to check byte for byte. The line
itself, framed serial or TCP, is :mod:`drivers.zvt.emulator_wire`.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from drivers.base.charset import check_text_encoding
from drivers.base.terminal import SchemeTotal
from drivers.emulation.pty import PtyPort
from drivers.zvt import apdu as A
from drivers.zvt.bmp import TEXT_ENCODING, encode_var, parse_bmps
from drivers.zvt.emulator_wire import Hangup, LineFaults, SerialSide, TcpSide
from drivers.zvt.errors import ZvtProtocolError
from drivers.zvt.totals import DayTotals, encode_totals

CARD_DATA_BMPS = frozenset({0x0E, 0x22, 0x23, 0x24, 0x2D, 0x3A})  # the host must never send these
TEST_CARD_NUMBER = "4711223344556677"  # sent in BMP 22 and printed, to prove the driver masks it


@dataclass
class Transaction:
    trace_no: int
    amount_ore: int
    result_code: int  # 0 = approved
    receipt_no: int | None = None  # approved ones only
    kind: str = "payment"  # or "reversal", "end_of_day"
    reversed: bool = False


@dataclass
class _Plan:
    kind: str = "approve"  # approve | decline | abort | hold | silent | drop
    code: int = 0
    then_approve: bool = True  # for "drop": what the terminal did after the link went


class ZvtEmulator:
    def __init__(
        self,
        port: PtyPort | None = None,
        *,
        transport: str = "serial",
        password: str = "000000",
        terminal_id: str = "52500001",
        baudrate: int = 9600,
        realistic_timing: bool = True,
        prompt_repeat_s: float = 0.3,
        ack_timeout: float = 5.0,
        directory: str | Path | None = None,
        receipt_encoding: str = TEXT_ENCODING,
    ) -> None:
        #: the character set the receipt lines go out in (a Danish terminal may use cp865)
        self.receipt_encoding = check_text_encoding(receipt_encoding)
        self.port = port or PtyPort("zvt-terminal", directory)
        self.password = password
        self.terminal_id = terminal_id
        self.prompt_repeat_s = prompt_repeat_s
        self.ack_timeout = ack_timeout
        self.prompt_codes: list[int] = [0x0A, 0x01, 0x0E]  # insert card, PIN pad, please wait
        self.receipt_lines: list[str] = [
            "BIBLIOTEKET",
            "KOEB",
            "Kort: " + " ".join(TEST_CARD_NUMBER[i : i + 4] for i in range(0, 16, 4)),
            "GODKENDT",
        ]
        self.use_text_block = False
        self.registered_currency: int | None = None
        # a terminal in the field has history: the last transaction of yesterday
        self.journal: list[Transaction] = [Transaction(1000, 4200, 0, receipt_no=100)]
        self._day_starts = len(self.journal)  # yesterday was closed by its end-of-day
        #: what the next diagnosis or end-of-day does: None = done; an error code = abort
        #: with it; "silent" = no answer after the acknowledgement
        self.maintenance_plan: int | str | None = None
        self.received: list[A.Apdu] = []  # every APDU the host sent, in order
        self.authorisations: list[tuple[int, int]] = []  # (amount øre, currency) as received
        self.card_data_seen = False
        self.aborts_received = 0
        self._plans: deque[_Plan] = deque()
        self._faults = LineFaults()
        self._lock = threading.Lock()
        self._served_next: A.Apdu | None = None  # a command that arrived mid-dialogue
        self._stop = threading.Event()
        self._tcp = TcpSide() if transport == "tcp" else None
        self._wire = self._tcp or SerialSide(
            self.port, self._faults, self._stop, baudrate=baudrate,
            realistic_timing=realistic_timing, ack_timeout=ack_timeout,
        )
        self._thread = threading.Thread(target=self._run, name="zvt-emulator", daemon=True)
        self._thread.start()

    @property
    def path(self) -> str:
        """What the driver opens: the pty path, or ``socket://127.0.0.1:PORT`` for TCP."""
        return self._tcp.url if self._tcp else self.port.path

    def unplug(self) -> None:
        if self._tcp:
            self._tcp.drop()
        else:
            self.port.unplug()

    # --- scripting -----------------------------------------------------------------------------

    def _plan(self, plan: _Plan) -> None:
        with self._lock:
            self._plans.append(plan)

    def approve_next(self) -> None:
        self._plan(_Plan("approve"))

    def decline_next(self, code: int = 0x05) -> None:
        self._plan(_Plan("decline", code))

    def citizen_abort_next(self) -> None:
        """The citizen presses Stop on the terminal: abort with 0x6C."""
        self._plan(_Plan("abort", 0x6C))

    def hold_for_cancel_next(self) -> None:
        """Keep repeating the last prompt (waiting for a card) until the host sends Abort."""
        self._plan(_Plan("hold"))

    def timeout_mid_authorisation(self) -> None:
        """After the prompts, stop answering; the payment never happens."""
        self._plan(_Plan("silent"))

    def drop_link_mid_authorisation(self, approve: bool = True, code: int = 0x05) -> None:
        """After the prompts, pull the cable; the terminal then approves (or declines) anyway."""
        self._plan(_Plan("drop", code, then_approve=approve))

    def forget_script(self) -> None:
        """Drop every scripted outcome not yet used (the next authorisation is approved)."""
        with self._lock:
            self._plans.clear()

    def prompts(self, codes: list[int]) -> None:
        self.prompt_codes = list(codes)

    def nak_next(self, count: int = 1) -> None:
        with self._faults.lock:
            self._faults.naks += count

    def corrupt_next(self, count: int = 1) -> None:
        """Send the next frame(s) with a wrong checksum (the driver must NAK; we resend)."""
        with self._faults.lock:
            self._faults.corrupt += count

    def garbage_next(self, data: bytes) -> None:
        with self._faults.lock:
            self._faults.garbage.append(data)

    def replug(self) -> None:
        if not self._tcp:  # a TCP host simply connects again
            self.port.plug()

    @property
    def last(self) -> Transaction | None:
        return self.journal[-1] if self.journal else None

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.port.close()
        if self._tcp:
            self._tcp.close()

    def __enter__(self) -> ZvtEmulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the line --------------------------------------------------------------------------

    def _receive(self, timeout: float) -> A.Apdu | None:
        apdu = self._wire.receive(timeout)
        if apdu is not None:
            self.received.append(apdu)
        return apdu

    def _send(self, apdu: A.Apdu) -> None:
        self._wire.send(apdu)

    def _dialogue(self, apdu: A.Apdu) -> A.Apdu:
        """Send a terminal message and return the host's answer (``80 00 00`` or an Abort).

        A command instead of an answer means the host we were talking to is gone (e.g. killed
        and started again: a new one registers): the dialogue is given up, as after a silent
        host, and the command is served next."""
        self._send(apdu)
        answer = self._receive(self.ack_timeout)
        if answer is None:
            raise Hangup
        if answer.command not in (A.POSITIVE_ACK, A.ABORT) and (
            answer.cls != A.NEGATIVE_ACK_CLASS
        ):
            self._served_next = answer
            raise Hangup
        return answer

    # --- the terminal --------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            command, self._served_next = self._served_next, None
            if command is None:
                command = self._receive(0.2)
            if command is None:
                continue
            with contextlib.suppress(Hangup):
                self._handle(command)

    def _handle(self, command: A.Apdu) -> None:
        handlers = {
            A.REGISTRATION: self._registration,
            A.AUTHORISATION: self._authorisation,
            A.REVERSAL: self._reversal,
            A.STATUS_ENQUIRY: self._status_enquiry,
            A.REPEAT_RECEIPT: self._repeat_receipt,
            A.LOG_OFF: self._log_off,
            A.DIAGNOSIS: self._diagnosis,
            A.END_OF_DAY: self._end_of_day,
        }
        handler = handlers.get(command.command)
        if command.command == A.READ_CARD:
            self.card_data_seen = True
        if handler is None:
            self._send(A.negative_ack(0x83))
            return
        handler(command)

    def _password_ok(self, data: bytes) -> bool:
        return data[:3] == bytes.fromhex(self.password)

    def _registration(self, command: A.Apdu) -> None:
        data = command.data
        if len(data) < 4 or not self._password_ok(data):
            self._send(A.negative_ack(0x83))
            return
        self.registered_currency = A.bcd_decode(data[4:6]) if len(data) >= 6 else A.DKK
        self._send(A.ACK_APDU)
        self._dialogue(A.Apdu(*A.COMPLETION, b"\x19\x00\x29" + bytes.fromhex(self.terminal_id)))

    def _log_off(self, command: A.Apdu) -> None:
        self.registered_currency = None
        self._send(A.ACK_APDU)

    def _status(self, tx: Transaction | None, *, with_card: bool) -> A.Apdu:
        data = b"\x27" + bytes([tx.result_code if tx else 0])
        data += b"\x29" + bytes.fromhex(self.terminal_id)
        if tx is not None:
            data += b"\x04" + A.bcd_encode(tx.amount_ore, 6)  # an end-of-day may total 0
            data += b"\x0b" + A.bcd_encode(tx.trace_no, 3)
            if tx.receipt_no is not None:
                data += b"\x87" + A.bcd_encode(tx.receipt_no, 2)
            data += b"\x49" + A.currency_bcd(self.registered_currency or A.DKK)
            if with_card and tx.kind != "end_of_day":
                data += b"\x22" + encode_var(bytes.fromhex(TEST_CARD_NUMBER), 2)
                data += b"\x8b" + encode_var(b"VISA", 2)
        return A.Apdu(*A.STATUS_INFORMATION, data)

    def _print_receipt(self, lines: list[str]) -> None:
        if self.use_text_block:
            encoded = [t.encode(self.receipt_encoding) for t in lines]
            inner = b"".join(b"\x07" + bytes([len(t)]) + t for t in encoded)
            container = b"\x25" + bytes([len(inner)]) + inner
            self._dialogue(
                A.Apdu(*A.PRINT_TEXT_BLOCK, b"\x06" + bytes([len(container)]) + container)
            )
            return
        for line in lines:
            self._dialogue(A.Apdu(*A.PRINT_LINE, b"\x00" + line.encode(self.receipt_encoding)))

    def _next_numbers(self) -> tuple[int, int]:
        trace = max(t.trace_no for t in self.journal) + 1 if self.journal else 1
        receipts = [t.receipt_no for t in self.journal if t.receipt_no is not None]
        return trace % 1_000_000, (max(receipts) + 1 if receipts else 1) % 10_000

    def _authorisation(self, command: A.Apdu) -> None:
        with self._lock:
            plan = self._plans.popleft() if self._plans else _Plan("approve")
        try:
            fields = dict(parse_bmps(command.data))
        except ZvtProtocolError:
            self._send(A.negative_ack(0x9A))
            return
        if CARD_DATA_BMPS & fields.keys():
            self.card_data_seen = True
        if self.registered_currency is None:
            self._send(A.negative_ack(0x6B))
            return
        if 0x04 not in fields:
            self._send(A.negative_ack(0x9A))
            return
        amount = A.bcd_decode(fields[0x04])
        currency = A.bcd_decode(fields[0x49]) if 0x49 in fields else self.registered_currency
        self.authorisations.append((amount, currency))
        self._send(A.ACK_APDU)
        if currency != self.registered_currency:
            self._dialogue(A.Apdu(*A.ABORT_FROM_TERMINAL, b"\x6f"))
            return
        codes = self.prompt_codes or [0x0A]
        for index, code in enumerate(codes):
            if self._prompt(code):
                return
            if plan.kind == "hold" and index == len(codes) - 1:
                while True:  # the citizen never comes: repeat until the host aborts
                    self._stop.wait(self.prompt_repeat_s)
                    if self._stop.is_set() or self._prompt(code):
                        return
        trace, receipt = self._next_numbers()
        if plan.kind == "silent":
            return
        if plan.kind == "drop":
            self.unplug()
            code = 0 if plan.then_approve else plan.code
            self.journal.append(Transaction(trace, amount, code, receipt if not code else None))
            return
        if plan.kind == "abort":
            self._dialogue(A.Apdu(*A.ABORT_FROM_TERMINAL, bytes([plan.code])))
            return
        if plan.kind == "decline":
            tx = Transaction(trace, amount, plan.code)
            self.journal.append(tx)
            self._dialogue(self._status(tx, with_card=True))
            self._dialogue(A.Apdu(*A.ABORT_FROM_TERMINAL, bytes([plan.code])))
            return
        tx = Transaction(trace, amount, 0, receipt)
        self.journal.append(tx)
        self._dialogue(self._status(tx, with_card=True))
        self._print_receipt(self.receipt_lines)
        self._dialogue(A.Apdu(*A.COMPLETION, b"\x27\x00"))

    def _prompt(self, code: int) -> bool:
        """Show a prompt; True if the host answered it with Abort (and we aborted)."""
        answer = self._dialogue(A.Apdu(*A.INTERMEDIATE_STATUS, bytes([code])))
        if answer.command == A.ABORT:
            self.aborts_received += 1
            self._dialogue(A.Apdu(*A.ABORT_FROM_TERMINAL, b"\x6c"))
            return True
        return False

    def _reversal(self, command: A.Apdu) -> None:
        if not self._password_ok(command.data):
            self._send(A.negative_ack(0x83))
            return
        try:
            fields = dict(parse_bmps(command.data[3:]))
            receipt_no = A.bcd_decode(fields[0x87])
        except (ZvtProtocolError, KeyError):
            self._send(A.negative_ack(0x9A))
            return
        self._send(A.ACK_APDU)
        original = next(
            (t for t in self.journal if t.receipt_no == receipt_no and t.kind == "payment"), None
        )
        if original is None or original.result_code != 0:
            self._dialogue(A.Apdu(*A.ABORT_FROM_TERMINAL, b"\xb5"))
            return
        if original.reversed:
            self._dialogue(A.Apdu(*A.ABORT_FROM_TERMINAL, b"\xb4"))
            return
        original.reversed = True
        trace, receipt = self._next_numbers()
        tx = Transaction(trace, original.amount_ore, 0, receipt, kind="reversal")
        self.journal.append(tx)
        self._dialogue(self._status(tx, with_card=True))
        self._print_receipt(["BIBLIOTEKET", "TILBAGEFOERSEL", f"Kvittering {receipt_no:04d}"])
        self._dialogue(A.Apdu(*A.COMPLETION, b"\x27\x00"))

    def _status_enquiry(self, command: A.Apdu) -> None:
        self._send(A.ACK_APDU)
        self._dialogue(self._status(None, with_card=False))
        self._dialogue(A.Apdu(*A.COMPLETION))

    def _repeat_receipt(self, command: A.Apdu) -> None:
        if not self._password_ok(command.data):
            self._send(A.negative_ack(0x83))
            return
        self._send(A.ACK_APDU)
        tx = self.last
        if tx is not None:
            self._dialogue(self._status(tx, with_card=True))
            self._print_receipt(["BIBLIOTEKET", "KOPI", f"Trace {tx.trace_no:06d}"])
        self._dialogue(A.Apdu(*A.COMPLETION))

    # --- maintenance: diagnosis 06 70 and end-of-day 06 50 ----------------------------------

    def _maintenance_starts(self) -> bool:
        """Acknowledge, say "please wait"; False if the script makes it end here."""
        plan, self.maintenance_plan = self.maintenance_plan, None
        self._send(A.ACK_APDU)
        if plan == "silent":
            return False
        self._dialogue(A.Apdu(*A.INTERMEDIATE_STATUS, b"\x0e"))
        if isinstance(plan, int):
            self._dialogue(A.Apdu(*A.ABORT_FROM_TERMINAL, bytes([plan])))
            return False
        return True

    def _diagnosis(self, command: A.Apdu) -> None:
        if not self._maintenance_starts():
            return
        # a terminal may set the ECR's clock on the way (ZVT 2.17.4): date 04 06, 10:30:00
        self._dialogue(A.Apdu(*A.SET_TIME_AND_DATE, bytes.fromhex("AA 24 04 06 0C 10 30 00")))
        self._print_receipt(["DIAGNOSE", f"Terminal-ID {self.terminal_id}", "Forbindelse OK"])
        self._dialogue(A.Apdu(*A.COMPLETION))

    def _end_of_day(self, command: A.Apdu) -> None:
        if not self._password_ok(command.data):
            self._send(A.negative_ack(0x83))
            return
        if not self._maintenance_starts():
            return
        day = [t for t in self.journal[self._day_starts :] if t.kind == "payment"]
        paid = [t for t in day if t.result_code == 0 and not t.reversed]
        total = sum(t.amount_ore for t in paid)
        receipts = [t.receipt_no for t in day if t.receipt_no is not None] or [0]
        trace, _ = self._next_numbers()
        self.journal.append(Transaction(trace, total, 0, kind="end_of_day"))
        self._day_starts = len(self.journal)
        totals = DayTotals(min(receipts), max(receipts), (SchemeTotal("Visa", len(paid), total),))
        status = self._status(self.journal[-1], with_card=False).data
        self._dialogue(A.Apdu(*A.STATUS_INFORMATION, status + b"\x60" + encode_var(
            encode_totals(totals), 3)))
        kroner = f"{total // 100},{total % 100:02d}"
        self._print_receipt(["DAGSAFSLUTNING", f"Visa {len(paid)} stk. {kroner}",
                             f"I alt {kroner} DKK"])
        self._dialogue(A.Apdu(*A.COMPLETION))
