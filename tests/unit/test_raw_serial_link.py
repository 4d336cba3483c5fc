"""The reconnecting raw serial link under the ccTalk, SSP and scanner drivers."""

from __future__ import annotations

import time

import pytest

from drivers.emulation.pty import PtyPort
from drivers.serial_link import Backoff, LinkDown, RawSerialLink


def test_a_missing_port_is_link_down(tmp_path) -> None:
    link = RawSerialLink(str(tmp_path / "no-such-device"))
    with pytest.raises(LinkDown):
        link.open()
    with pytest.raises(LinkDown):
        link.write(b"x")


def test_read_returns_at_once_when_complete_and_io_fails_after_unplug() -> None:
    with PtyPort("dev") as pty:
        link = RawSerialLink(pty.path)
        link.open()
        pty.write(b"\x01\x02\x03")
        assert link.read(3, timeout_s=5) == b"\x01\x02\x03"
        assert link.read(1, timeout_s=0.05) == b""
        pty.write(b"stray")
        time.sleep(0.1)  # the tty layer hands bytes on asynchronously
        link.discard_input()
        assert link.read(1, timeout_s=0.1) == b""  # stray bytes never shift a later reply
        link.write(b"hello")
        assert pty.read(timeout=2) == b"hello"
        pty.unplug()
        with pytest.raises(LinkDown):
            link.write(b"x" * 5000)
            link.read(1, timeout_s=0.5)
        link.close()
        pty.plug()
        link.open()  # the same path again, a new pty behind it
        pty.write(b"\x05")
        assert link.read(1, timeout_s=5) == b"\x05"
        link.close()


def test_backoff_doubles_up_to_the_maximum_and_resets() -> None:
    backoff = Backoff(0.1, 0.5)
    assert [backoff.next_delay() for _ in range(5)] == [0.1, 0.2, 0.4, 0.5, 0.5]
    backoff.reset()
    assert backoff.next_delay() == 0.1
