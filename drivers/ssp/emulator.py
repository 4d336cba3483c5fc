"""An SSP banknote validator on a pty: the real packets, sequence flags, escrow and its timeout.

Bytes take their wire time at the configured baud rate (8 data bits, 2 stop bits: 11 bits a
byte). A repeated sequence flag gets the last reply again without executing the command, as a
real slave does. Notes in escrow are accepted by the next ordinary POLL, returned by REJECT, kept
by HOLD (or any other command) and returned by the device itself after ``escrow_timeout_s``
without a command.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence

from drivers.emulation.pty import PtyPort, wire_time_s
from drivers.emulation.serving import PtyEmulator
from drivers.ssp import codec
from drivers.ssp.codec import Packet, SspProtocolError

DKK_NOTES = (50, 100, 200, 500, 1000)  # kroner, channels 1..5
BITS_PER_BYTE = 11


class SspEmulator(PtyEmulator):
    def __init__(
        self,
        notes_major: Sequence[int] = DKK_NOTES,
        *,
        country: str = "DKK",
        address: int = 0,
        baudrate: int = 9600,
        escrow_timeout_s: float = 10.0,
        port: PtyPort | None = None,
        name: str = "ssp-validator",
        serial_number: int = 0x01020304,
        has_counters: bool = True,
    ) -> None:
        super().__init__(port, name)
        self.serial_number = serial_number
        #: GET COUNTERS (0x58), which not every validator firmware has; the counters persist
        #: across power cycles, as the device's do
        self.has_counters = has_counters
        self.stacked_count = 0
        self.rejected_count = 0
        self.notes = list(notes_major)
        self.country = country
        self.address = address
        self.baudrate = baudrate
        self.escrow_timeout_s = escrow_timeout_s
        self.inhibits = 0
        self.enabled = False
        self.protocol = 0
        self.pending: deque[bytes] = deque()  # event bytes for the next POLL replies
        self.escrow: int | None = None
        self.escrow_deadline = 0.0
        self.stacking: int | None = None
        self.stacked: list[int] = []  # channels
        self.returned: list[int] = []
        self.jammed = False
        self.full = False
        self.cashbox_out = False
        self.encrypted = False
        self.commands: list[int] = []
        self._last_seq: bool | None = None
        self._last_reply = b""
        self._start_serving()

    # ---- scripting ----------------------------------------------------------------------------

    def channel_of(self, note: int) -> int:
        """Channel of a note given by channel number (1..n) or by value in kroner (≥ 50)."""
        if 1 <= note <= len(self.notes) and note not in self.notes:
            return note
        return self.notes.index(note) + 1

    def insert_note(self, note: int) -> bool:
        """A citizen feeds a note (kroner value or channel); False when the validator refuses."""
        channel = self.channel_of(note)
        with self.lock:
            if (not self.enabled or not self.inhibits & (1 << (channel - 1))
                    or self.escrow is not None or self.jammed):
                self.last_reject = 0x06
                self.pending.append(bytes((codec.READ_NOTE, 0, codec.REJECTING, codec.REJECTED)))
                self.rejected_count += 1
                return False
            self.escrow = channel
            self.escrow_deadline = time.monotonic() + self.escrow_timeout_s
            self.pending.append(bytes((codec.READ_NOTE, channel)))
            return True

    last_reject = 0

    def refuse_note(self, reason: int) -> None:
        """A note the validator reads and gives back by itself, with that reject code (e.g.
        0x0B too long); the host is not asked."""
        with self.lock:
            self.last_reject = reason
            self.pending.append(bytes((codec.READ_NOTE, 0, codec.REJECTING, codec.REJECTED)))
            self.rejected_count += 1

    def jam(self) -> None:
        self.jammed = True

    def clear_jam(self) -> None:
        self.jammed = False

    def fraud(self, channel: int = 0) -> None:
        with self.lock:
            self.pending.append(bytes((codec.FRAUD_ATTEMPT, channel)))

    def stacker_full(self, full: bool = True) -> None:
        self.full = full

    def remove_stacker(self) -> None:
        self.cashbox_out = True

    def replace_stacker(self) -> None:
        with self.lock:
            self.cashbox_out = False
            self.pending.append(bytes((codec.CASHBOX_REPLACED,)))

    def reset_device(self) -> None:
        with self.lock:
            if self.escrow is not None:
                self.returned.append(self.escrow)
            self.escrow = self.stacking = None
            self.inhibits, self.enabled = 0, False
            self.pending.clear()
            self.pending.append(bytes((codec.SLAVE_RESET,)))

    def require_encryption(self, on: bool = True) -> None:
        self.encrypted = on

    # ---- the wire -----------------------------------------------------------------------------

    def _on_bytes(self, chunk: bytes) -> None:
        self._tick()
        if not chunk:
            self._rx = b""  # inter-byte timeout: a half packet is dropped
            return
        self._rx += chunk
        while self._rx:
            start = self._rx.find(codec.STX)
            if start < 0:
                self._rx = b""
                break
            self._rx = self._rx[start:]
            try:
                parsed = codec.parse_prefix(self._rx)
            except SspProtocolError:
                self._rx = self._rx[1:]
                continue
            if parsed is None:
                break
            packet, used = parsed
            self._rx = self._rx[used:]
            time.sleep(wire_time_s(used, self.baudrate, BITS_PER_BYTE))
            self._receive(packet)

    def _tick(self) -> None:
        with self.lock:
            if self.escrow is not None and time.monotonic() > self.escrow_deadline:
                self.returned.append(self.escrow)
                self.escrow = None
                self.last_reject = 0x13
                self.pending.append(bytes((codec.REJECTING, codec.REJECTED)))
                self.rejected_count += 1

    def _receive(self, packet: Packet) -> None:
        if packet.address != self.address or not packet.data:
            return
        with self.lock:
            if self._mute:
                self._mute -= 1
                return
            command = packet.data[0]
            if command != codec.SYNC and packet.seq == self._last_seq:
                reply = self._last_reply  # the host missed our reply: send it again
            else:
                self.commands.append(command)
                self._last_seq = packet.seq
                reply = self._answer(command, packet.data[1:])
                self._last_reply = reply
            corrupt = self._corrupt > 0
            if corrupt:
                self._corrupt -= 1
        out = codec.encode(Packet(reply, packet.seq, self.address))
        if corrupt:
            body = bytes((packet.seq_id, len(reply))) + reply
            crc = codec.crc16(body) ^ 0x0101  # a wrong CRC, still stuffed correctly
            out = bytes((codec.STX,)) + codec.stuff(body + bytes((crc & 0xFF, crc >> 8)))
        time.sleep(wire_time_s(len(out), self.baudrate, BITS_PER_BYTE))
        self.port.write(out)

    def _answer(self, command: int, args: bytes) -> bytes:
        ok = bytes((codec.OK,))
        if self.encrypted and command != codec.SYNC:
            return bytes((codec.KEY_NOT_SET,))
        if self._busy and command != codec.SYNC:
            self._busy -= 1
            return bytes((codec.CANNOT_PROCESS,))
        if command != codec.POLL and self.escrow is not None:
            self.escrow_deadline = time.monotonic() + self.escrow_timeout_s
        match command:
            case codec.SYNC:
                return ok
            case codec.HOST_PROTOCOL_VERSION if len(args) == 1:
                if args[0] > 8:
                    return bytes((codec.FAIL,))
                self.protocol = args[0]
                return ok
            case codec.SETUP_REQUEST:
                return codec.build_setup(self.country, self.notes, protocol=self.protocol or 4)
            case codec.SET_INHIBITS if len(args) >= 1:
                self.inhibits = int.from_bytes(args, "little")
                return ok
            case codec.ENABLE:
                self.enabled = True
                return ok
            case codec.DISABLE:
                self.enabled = False
                return ok
            case codec.HOLD:
                return ok if self.escrow is not None else bytes((codec.CANNOT_PROCESS,))
            case codec.REJECT:
                if self.escrow is None:
                    return bytes((codec.CANNOT_PROCESS,))
                self.returned.append(self.escrow)
                self.escrow = None
                self.last_reject = 0x08
                self.pending.append(bytes((codec.REJECTING, codec.REJECTED)))
                self.rejected_count += 1
                return ok
            case codec.LAST_REJECT_CODE:
                return bytes((codec.OK, self.last_reject))
            case codec.GET_SERIAL:
                return ok + self.serial_number.to_bytes(4, "big")
            case codec.GET_COUNTERS if self.has_counters:
                return ok + codec.build_counters(codec.Counters(
                    self.stacked_count, 0, 0, 0, self.rejected_count))
            case codec.POLL:
                return ok + self._poll_events()
            case codec.RESET:
                self.reset_device()
                return ok
        return bytes((codec.UNKNOWN_COMMAND,))

    def _poll_events(self) -> bytes:
        out = bytearray()
        if self.stacking is not None:
            out += bytes((codec.CREDIT_NOTE, self.stacking, codec.STACKED))
            self.stacked.append(self.stacking)
            self.stacked_count = (self.stacked_count + 1) % 2**32
            self.stacking = None
        if self.escrow is not None and not self.pending:
            # an ordinary POLL while a note waits in escrow accepts it
            self.stacking, self.escrow = self.escrow, None
            out += bytes((codec.STACKING,))
        if self.pending:
            out += self.pending.popleft()
        if self.jammed:
            out.append(codec.UNSAFE_JAM)
        if self.full:
            out.append(codec.STACKER_FULL)
        if self.cashbox_out:
            out.append(codec.CASHBOX_REMOVED)
        if not self.enabled:
            out.append(codec.DISABLED)
        return bytes(out)
