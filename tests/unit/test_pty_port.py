"""The emulators' pty: a driver opens it by path with pyserial, as it opens a real device."""

import os

import serial

from drivers.emulation.pty import PtyPort, wire_time_s


def test_bytes_cross_the_pty_both_ways_through_pyserial():
    with PtyPort("coin") as pty:
        port = serial.Serial(pty.path, 9600, timeout=1)
        port.write(bytes([2, 0, 1, 254, 255]))
        assert pty.read(timeout=1) == bytes([2, 0, 1, 254, 255])
        pty.write(bytes([1, 0, 2, 0, 253]))
        assert port.read(5) == bytes([1, 0, 2, 0, 253])
        port.close()


def test_unplug_removes_the_path_and_plug_brings_a_working_device_back():
    with PtyPort("coin") as pty:
        pty.unplug()
        assert not os.path.exists(pty.path)
        pty.plug()
        assert os.path.exists(pty.path)
        port = serial.Serial(pty.path, 9600, timeout=1)
        pty.write(b"\x06")
        assert port.read(1) == b"\x06"
        port.close()


def test_wire_time_of_a_ccTalk_poll_at_9600_baud():
    assert abs(wire_time_s(5, 9600) - 0.0052) < 0.0001
