"""The sd_notify sender: datagrams as systemd reads them, and nothing when not under systemd."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.sd_notify import ServiceNotifier


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[str, socket.socket]]:
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(2)
    yield path, sock
    sock.close()


def test_ready_watchdog_and_stopping_arrive_as_systemd_reads_them(
    listener: tuple[str, socket.socket],
) -> None:
    path, sock = listener
    notifier = ServiceNotifier.from_environment({"NOTIFY_SOCKET": path})
    assert notifier.ready() and notifier.watchdog() and notifier.stopping()
    got = [sock.recv(4096).decode() for _ in range(3)]
    assert got[0].split("\n")[0] == "READY=1"
    assert got[1] == "WATCHDOG=1"
    assert got[2].split("\n")[0] == "STOPPING=1"
    notifier.close()


def test_an_abstract_socket_is_reached_by_its_at_sign_name() -> None:
    name = f"kiosk-test-{uuid.uuid4().hex}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(2)
    try:
        assert ServiceNotifier(f"@{name}").watchdog()
        assert sock.recv(100) == b"WATCHDOG=1"
    finally:
        sock.close()


def test_without_systemd_nothing_is_sent_and_there_is_no_watchdog() -> None:
    notifier = ServiceNotifier.from_environment({"WATCHDOG_USEC": "30000000"})
    assert not notifier.enabled
    assert notifier.watchdog_s is None
    assert notifier.ready() is False


def test_the_watchdog_period_is_read_even_when_watchdog_pid_is_cages(tmp_path: Path) -> None:
    """Under cage, systemd's WATCHDOG_PID is cage's: the automat must ping all the same."""
    env = {"NOTIFY_SOCKET": str(tmp_path / "n"), "WATCHDOG_USEC": "30000000",
           "WATCHDOG_PID": str(os.getpid() + 1)}
    assert ServiceNotifier.from_environment(env).watchdog_s == 30.0
    env["WATCHDOG_USEC"] = "banana"
    assert ServiceNotifier.from_environment(env).watchdog_s is None


def test_a_service_manager_that_went_away_does_not_raise(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    notifier = ServiceNotifier(str(tmp_path / "gone"))
    assert notifier.watchdog() is False
    assert notifier.watchdog() is False
    assert len([r for r in caplog.records if "service manager" in r.getMessage()]) == 1
