"""Danish receipt text through the real pty: the terminal sends cp865, the driver reads cp865."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.base import CardOutcome
from drivers.zvt.emulator import ZvtEmulator
from drivers.zvt.terminal import ZvtTerminal

LINES = ["Kortnr. ************1234", "Købmand Ø", "Æblegård"]


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[ZvtEmulator]:
    with ZvtEmulator(directory=tmp_path, prompt_repeat_s=0.1, receipt_encoding="cp865") as emu:
        emu.receipt_lines = list(LINES)
        yield emu


def pay(emulator: ZvtEmulator, encoding: str) -> str:
    terminal = ZvtTerminal(
        emulator.path,
        ack_timeout=3.0,
        transaction_timeout=20.0,
        reconnect_interval=0.1,
        receipt_encoding=encoding,
    )
    terminal.start(lambda _event: None)
    try:
        emulator.approve_next()
        result = terminal.authorise(2500, "pay-dk")
        assert result.outcome is CardOutcome.APPROVED
        return result.receipt_text
    finally:
        terminal.stop()


@pytest.mark.parametrize("text_block", [False, True], ids=["print-lines", "text-block"])
def test_cp865_receipt_round_trips(emulator: ZvtEmulator, text_block: bool) -> None:
    emulator.use_text_block = text_block
    assert pay(emulator, "cp865").splitlines() == LINES


def test_reading_cp865_as_the_cp437_default_garbles_o_slash(emulator: ZvtEmulator) -> None:
    lines = pay(emulator, "cp437").splitlines()
    assert lines[0] == LINES[0]
    assert lines[1] == "K¢bmand ¥"  # cp865's ø/Ø (9B/9D) are ¢/¥ in cp437: why the key exists
