"""The PC/SC driver against a real pcscd with the vsmartcard virtual reader and a fake card.

The test starts ``pcscd`` itself when it is not running (and stops it afterwards). It skips with
a reason where pyscard, pcscd or vpcd are missing, and fails instead when ``CI`` is set: there
``.ci/run`` installs them. A file lock keeps two test runs on one machine from fighting over
pcscd and vpcd's fixed port.
"""

from __future__ import annotations

import fcntl
import os
import queue
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.base.events import Health, HealthChanged
from drivers.base.reader import CardPresent, CardRemoved, IdentifierRead, IdSource, ReadRejected
from kiosk.identification import Identifier, IdKind
from tests.pcsc_virtual_card import VirtualCard

WAIT = 15.0
VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
READER = "Virtual PCD 00 00"  # vpcd's first slot, the one on port 35963
UID = bytes.fromhex("04A1B2C3D4E5F6")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {reason}: the PC/SC test must run in CI")
    pytest.skip(reason)


def _virtual_readers() -> list[str]:
    from smartcard.System import readers

    try:
        return [str(r) for r in readers() if "Virtual PCD" in str(r)]
    except Exception:
        return []


class Pcscd:
    """pcscd for the tests: ours (restartable) or the system's."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def ours(self) -> bool:
        return self.process is not None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["pcscd", "--foreground"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + WAIT
        while READER not in _virtual_readers():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                _unavailable("pcscd started but shows no vpcd reader")
            time.sleep(0.1)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            process.wait(timeout=WAIT)


@pytest.fixture(scope="module")
def pcscd() -> Iterator[Pcscd]:
    try:
        import smartcard  # noqa: F401
    except ImportError:
        _unavailable("pyscard is not installed (needs swig and libpcsclite-dev)")
    if shutil.which("pcscd") is None:
        _unavailable("pcscd is not installed")
    if not VPCD_DRIVER.exists():
        _unavailable("vsmartcard-vpcd is not installed")
    with open("/tmp/kiosk-pcsc-test.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        daemon = Pcscd()
        if READER not in _virtual_readers():
            daemon.start()
        try:
            yield daemon
        finally:
            if daemon.ours:
                daemon.stop()
                _release_card_monitor()


def _release_card_monitor() -> None:
    """pyscard's card-monitor thread ends with our pcscd; drop its dead PC/SC context now, so
    it is not collected (and complains) in the middle of another test."""
    from smartcard.CardMonitoring import CardMonitoringThread

    from drivers.pcsc.reader import _forget_context

    thread = CardMonitoringThread.instance
    if thread is not None:
        thread.join(timeout=WAIT)
        _forget_context(thread)


@pytest.fixture
def events() -> queue.Queue[object]:
    return queue.Queue()


def reader_with(events: queue.Queue[object], **options: object):  # type: ignore[no-untyped-def]
    from drivers.pcsc.reader import PcscReader

    r = PcscReader("pcsc", reader_name=READER, reader_poll_s=0.2, **options)  # type: ignore[arg-type]
    r.start(events.put)
    wait_for(events, lambda e: isinstance(e, HealthChanged) and e.health is Health.OK)
    return r


def wait_for(events: queue.Queue[object], match) -> object:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("expected event did not come")
        event = events.get(timeout=left)
        if match(event):
            return event


def test_card_on_the_reader_gives_its_number(pcscd: Pcscd, events: queue.Queue[object]) -> None:
    reader = reader_with(events)
    try:
        with VirtualCard(UID) as card:
            read = wait_for(events, lambda e: isinstance(e, IdentifierRead | ReadRejected))
            assert card.apdus == [bytes.fromhex("FFCA000000")]
        assert read == IdentifierRead("pcsc", IdSource.RFID, str(int.from_bytes(UID, "big")))
        wait_for(events, lambda e: isinstance(e, CardRemoved))
        ident = Identifier().from_event(read)  # type: ignore[arg-type]
        assert ident.kind is IdKind.RFID
    finally:
        reader.stop()


def test_hex_lsb_and_lookup_formats(pcscd: Pcscd, events: queue.Queue[object]) -> None:
    reader = reader_with(events, uid_format="hex", byte_order="lsb")
    try:
        with VirtualCard(UID):
            read = wait_for(events, lambda e: isinstance(e, IdentifierRead | ReadRejected))
        assert read == IdentifierRead("pcsc", IdSource.RFID, "F6E5D4C3B2A104")
        wait_for(events, lambda e: isinstance(e, CardRemoved))
    finally:
        reader.stop()
    reader = reader_with(events, uid_format="lookup", lookup={"04a1b2c3d4e5f6": "3274001234"})
    try:
        with VirtualCard(UID):
            read = wait_for(events, lambda e: isinstance(e, IdentifierRead | ReadRejected))
        assert read == IdentifierRead("pcsc", IdSource.RFID, "3274001234")
        wait_for(events, lambda e: isinstance(e, CardRemoved))
        with VirtualCard(bytes.fromhex("08112233")):
            rejected = wait_for(events, lambda e: isinstance(e, IdentifierRead | ReadRejected))
        assert isinstance(rejected, ReadRejected) and "lookup" in rejected.reason
        wait_for(events, lambda e: isinstance(e, CardRemoved))
    finally:
        reader.stop()


class SilentCard(VirtualCard):
    """A card that refuses GET DATA (e.g. a contact card on a dual reader)."""

    def answer(self, message: bytes) -> bytes | None:
        if len(message) > 1:
            return b"\x6a\x81"
        return super().answer(message)


def test_card_without_uid_is_rejected_not_a_crash(
    pcscd: Pcscd, events: queue.Queue[object]
) -> None:
    reader = reader_with(events)
    try:
        with SilentCard(UID):
            event = wait_for(events, lambda e: isinstance(e, IdentifierRead | ReadRejected))
        assert isinstance(event, ReadRejected) and "6A 81" in event.reason
        wait_for(events, lambda e: isinstance(e, CardRemoved))
        with VirtualCard(UID):  # the next card still works
            assert isinstance(wait_for(events, lambda e: isinstance(e, IdentifierRead)),
                              IdentifierRead)
        wait_for(events, lambda e: isinstance(e, CardRemoved))
    finally:
        reader.stop()


def test_reader_gone_and_back(pcscd: Pcscd, events: queue.Queue[object]) -> None:
    if not pcscd.ours:
        pytest.skip("pcscd is the system's: the test cannot take the reader away")
    reader = reader_with(events)
    try:
        pcscd.stop()  # the reader disappears, as when its USB cable is pulled
        wait_for(events, lambda e: isinstance(e, HealthChanged) and e.health is Health.DOWN)
        assert reader.health is Health.DOWN
        pcscd.start()
        wait_for(events, lambda e: isinstance(e, HealthChanged) and e.health is Health.OK)
        with VirtualCard(UID):
            wait_for(events, lambda e: isinstance(e, CardPresent))
            read = wait_for(events, lambda e: isinstance(e, IdentifierRead | ReadRejected))
        assert isinstance(read, IdentifierRead)
        wait_for(events, lambda e: isinstance(e, CardRemoved))
    finally:
        reader.stop()
