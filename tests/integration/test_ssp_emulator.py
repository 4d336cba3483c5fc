"""The SSP emulator behaves like a slave on the wire: exact bytes, repeated flag = same reply."""

from __future__ import annotations

import serial

from drivers.ssp import codec
from drivers.ssp.codec import Packet
from drivers.ssp.emulator import SspEmulator
from tests.device_rigs import wait_until


def ask(port: serial.Serial, raw: bytes) -> bytes:
    port.reset_input_buffer()
    port.write(raw)
    buf = b""
    while True:
        chunk = port.read(1)
        assert chunk, f"no reply to {raw.hex(' ')}; got {buf.hex(' ')}"
        buf += chunk
        parsed = codec.parse_prefix(buf)
        if parsed:
            return buf


def test_reference_exchanges_and_resend_on_a_repeated_sequence_flag() -> None:
    with SspEmulator() as emu, serial.Serial(emu.path, 9600, timeout=2, stopbits=2) as port:
        assert ask(port, bytes.fromhex("7F 80 01 11 65 82")) == bytes.fromhex("7F 80 01 F0 23 80")
        assert ask(port, codec.encode(Packet(b"\x02\xff\xff", seq=False))) == codec.encode(
            Packet(b"\xf0", seq=False)
        )
        assert ask(port, codec.encode(Packet(b"\x0a", seq=True)))  # ENABLE
        emu.insert_note(50)
        first = ask(port, codec.encode(Packet(b"\x07", seq=False)))
        assert codec.decode(first).data == bytes((0xF0, codec.READ_NOTE, 1))
        again = ask(port, codec.encode(Packet(b"\x07", seq=False)))  # host missed the reply
        assert again == first
        assert emu.commands.count(codec.POLL) == 1  # not executed twice
        hold = ask(port, bytes.fromhex("7F 80 01 18 53 82"))
        assert codec.decode(hold).data == b"\xf0"
        assert emu.escrow == 1


def test_the_device_returns_an_escrowed_note_when_the_host_goes_quiet() -> None:
    with (
        SspEmulator(escrow_timeout_s=0.5) as emu,
        serial.Serial(emu.path, 9600, timeout=2, stopbits=2) as port,
    ):
        ask(port, codec.encode(Packet(b"\x11", seq=True)))
        ask(port, codec.encode(Packet(b"\x02\xff\xff", seq=False)))
        ask(port, codec.encode(Packet(b"\x0a", seq=True)))
        emu.insert_note(100)
        assert codec.decode(ask(port, codec.encode(Packet(b"\x07", seq=False)))).data == bytes(
            (0xF0, codec.READ_NOTE, 2)
        )
        wait_until(lambda: bool(emu.returned), "the device returning the note")
        assert emu.returned == [2]
        events = codec.decode(ask(port, codec.encode(Packet(b"\x07", seq=True)))).data
        assert events == bytes((0xF0, codec.REJECTING, codec.REJECTED))
