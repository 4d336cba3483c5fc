"""The world process (``python -m tests.world.server DIR``) survives a killed host, as hardware
does: a host SIGKILLed in the middle of a ccTalk frame, an SSP packet, a ZVT dialogue or a print
job leaves the emulator on its pty working (the port keeps its own slave fd, so the master never
sees the hang-up), and the next process opens the same stable path and talks to the same device,
whose state — the acceptor's event counter, the coins it took, the terminal's journal — is
intact. The device-truth crash proof (``test_device_truth.py``) relies on exactly this."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from drivers.base import CardOutcome, CardPrompt, Credit, Escrow, Health
from drivers.base.printer import Document, QrCode, Text
from drivers.cctalk.coin import CcTalkCoinAcceptor
from drivers.escpos.printer import EscposPrinter
from drivers.ssp.device import SspValidator
from drivers.zvt.terminal import ZvtTerminal
from kiosk.money import DKK_COINS
from tests.conftest import REPO
from tests.device_rigs import started, wait_until
from tests.world.client import WorldClient


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorldClient]:
    folder = tmp_path_factory.mktemp("world")
    log = (folder / "world.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.world.server", str(folder)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: (folder / "world.json").exists() or proc.poll() is not None,
                   "world.json")
        assert proc.poll() is None, (folder / "world.log").read_text()
        client = WorldClient(folder)
        yield client
        client.close()
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def killed_host(script: str) -> None:
    """Run ``script`` in a new process; SIGKILL it once it prints ``go`` (it has done its
    half-finished thing and is waiting)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "go"
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(10) == -signal.SIGKILL


HALF_A_FRAME = """
import serial, sys, time
port = serial.Serial({path!r}, 9600, timeout=0.5)
port.write({data!r})
port.flush()
print("go", flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize(
    "data",
    [bytes([2, 0, 1]), bytes([2, 0, 1, 229, 24])],  # half a poll; a whole one, reply unread
    ids=["mid-frame", "reply-unread"],
)
def test_a_coin_acceptor_outlives_a_host_killed_mid_frame(world: WorldClient, data: bytes) -> None:
    before = world.truth()["coins"]["taken"]
    killed_host(HALF_A_FRAME.format(path=world.info["coin"], data=data))
    coins = CcTalkCoinAcceptor(world.info["coin"], denominations=DKK_COINS)
    with started(coins) as events:
        coins.enable([2000])
        world.wait("the acceptor enabled", lambda: world.cash_ready()["coin"])
        assert world.drop_coin(2000)
        (credit,) = events.wait_count(Credit, 1)
        coins.disable()
    taken = world.truth()["coins"]["taken"]
    assert len(taken) == len(before) + 1
    assert credit.value_ore == 2000
    assert credit.event_ref.rpartition(":")[2] == str(taken[-1]["counter"])


def test_a_note_validator_outlives_a_host_killed_mid_packet(world: WorldClient) -> None:
    stacked = world.truth()["notes"]["stacked"]
    killed_host(HALF_A_FRAME.format(path=world.info["notes"], data=bytes([0x7F, 0x80, 0x01])))
    notes = SspValidator(world.info["notes"], channel_values={1: 5000})
    with started(notes) as events:
        notes.enable([5000])
        world.wait("the validator enabled", lambda: world.cash_ready()["notes"])
        assert world.feed_note(50)
        events.wait_count(Escrow, 1)
        notes.accept_escrow()
        (credit,) = events.wait_count(Credit, 1)
        notes.disable()
    assert credit.value_ore == 5000
    assert world.truth()["notes"]["stacked"] == [*stacked, 5000]


MID_DIALOGUE = """
import sys, threading
from drivers.base import CardPrompt
from drivers.zvt.terminal import ZvtTerminal

def listener(event):
    if isinstance(event, CardPrompt):
        print("go", flush=True)  # the terminal is asking for the card: die now

terminal = ZvtTerminal({path!r}, reconnect_interval=0.1)
terminal.start(listener)
terminal.authorise(4200, "KILLED-1")
"""


def test_a_card_terminal_outlives_a_host_killed_mid_dialogue(world: WorldClient) -> None:
    card = world.truth()["card"]
    killed_host(MID_DIALOGUE.format(path=world.info["terminal"]))
    terminal = ZvtTerminal(world.info["terminal"], reconnect_interval=0.1, transaction_timeout=20)
    prompts: list[object] = []
    terminal.start(lambda e: prompts.append(e) if isinstance(e, CardPrompt) else None)
    try:
        # the terminal gives the dead host's dialogue up after its ACK timeout, then answers
        wait_until(lambda: terminal.health is Health.OK, "the terminal registered again")
        world.terminal_next("approve")
        result = terminal.authorise(1000, "NEXT-1")
    finally:
        terminal.stop()
    assert result.outcome is CardOutcome.APPROVED, result
    after = world.truth()["card"]
    assert after["approved"][-1]["ore"] == 1000
    assert after["ore"] == card["ore"] + 1000  # the killed authorisation took no money


HALF_A_SLIP = """
import serial, time
port = serial.Serial({path!r}, 9600)
port.write(b"\\x1b@HALF A RECEIPT")
port.flush()
print("go", flush=True)
time.sleep(60)
"""


def test_a_printer_outlives_a_host_killed_mid_job(world: WorldClient) -> None:
    killed_host(HALF_A_SLIP.format(path=world.info["printer"]))
    printer = EscposPrinter.serial("printer", world.info["printer"])
    printer.start(lambda _e: None)
    try:
        result = printer.print_document(
            Document("receipt", (Text("Kvittering efter genstart"), QrCode("BON1.test"))))
    finally:
        printer.stop()
    assert result.printed, result
    deadline = time.monotonic() + 10
    while not world.slips() and time.monotonic() < deadline:
        time.sleep(0.02)
    last = world.slips()[-1]
    assert "Kvittering efter genstart" in last["text"] and last["qr"] == ["BON1.test"]
