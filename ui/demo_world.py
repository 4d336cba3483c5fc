"""The hands that act on a demo world: :class:`CoreHands` on a real core built in demo mode (the
FBS simulator's seed patrons, the device emulators on ptys) for the walkthrough and the simulator
panel. (The UI benchmark's world of in-memory fakes is ``bench/fake_world.py``.)

Every method of :class:`CoreHands` blocks on an emulator or the ledger: call it off the GUI
thread in an interactive automat (the walkthrough, which only waits, may call it directly)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.app import Core
from kiosk.bons import BonTicket
from kiosk.money import Money

REPO = Path(__file__).resolve().parents[1]


#: the ccTalk coin ids the demo coin acceptor emulator knows, by value in øre
COIN_IDS = {
    50: "DK050A", 100: "DK100A", 200: "DK200A", 500: "DK500A", 1000: "DK1K0A", 2000: "DK2K0A",
}  # fmt: skip
COINS_ORE = tuple(COIN_IDS)
NOTES_ORE = (5000, 10000, 20000, 50000, 100000)
#: the demo's member of staff: number, PIN, staff card (a barcode the scanner reads)
DEMO_STAFF = ("1001", "2468", "7001001")
#: the demo's technician (role ``technician`` only: no bons, no follow-up list)
DEMO_TECHNICIAN = ("2001", "1357", "7002001")


@dataclass(frozen=True)
class Citizen:
    """A seed patron of the FBS simulator (``docs/demo-patrons.md``)."""

    name: str
    card: str
    cpr: str  # fictitious, ``DDMMYY-XXXX``
    pin: str
    shows: str


SEED_CITIZENS = (
    Citizen("Anna Andersen", "3210000001", "010170-1111", "0101", "only old claims"),
    Citizen("Bo Berg", "3210000002", "020280-2222", "0202", "only new claims"),
    Citizen("Carla Christensen", "3210000003", "030390-3333", "0303", "old and new claims"),
    Citizen("Dennis Dahl", "3210000004", "040470-4444", "0404", "blocked for debt"),
    Citizen("Eva Eriksen", "3210000005", "050550-5555", "0505", "blocked (exclusion)"),
    Citizen("Frank Frederiksen", "3210000006", "060660-6666", "0606", "card reported lost"),
    Citizen("Gitte Gram", "3210000007", "070770-7777", "0707", "no claims"),
    Citizen("Åse Ærø-Østergård", "3210000008", "080880-8888", "0808", "Danish letters"),
    Citizen("Hans Hansen", "3210000009", "090990-9999", "0909", "cash rounding"),
    Citizen("Ida Iversen", "3210000010", "101070-1010", "1010", "a claim to pay elsewhere"),
)


def citizen(name: str) -> Citizen:
    return next(c for c in SEED_CITIZENS if c.name.startswith(name))


class CoreHands:
    """A person in front of a demo automat: coins, notes, cards, a scanner, the card terminal,
    the printer's paper, FBS's cable, and a librarian issuing a bon."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.emulators = core.devices.emulators

    def _need(self, name: str) -> Any:
        emulator = getattr(self.emulators, name)
        if emulator is None:
            raise RuntimeError(f"the {name} is not emulated in this automat")
        return emulator

    def insert_coin(self, value_ore: int) -> bool:
        """Drop a Danish coin; False when the acceptor refused it (e.g. inhibited)."""
        if value_ore not in COIN_IDS:
            raise ValueError(f"not a Danish coin: {value_ore} øre")
        return bool(self._need("coin").insert_coin(COIN_IDS[value_ore]))

    def insert_note(self, value_ore: int) -> bool:
        """Feed a Danish note; False when the validator refused it at the slot."""
        if value_ore not in NOTES_ORE:
            raise ValueError(f"not a Danish note: {value_ore} øre")
        return bool(self._need("notes").insert_note(value_ore // 100))

    def devices_up(self) -> bool:
        """Every device has answered its driver (right after start-up some are still coming
        up, and the automat leaves those out of a payment)."""
        from drivers.base import Health

        return all(h is not Health.DOWN for h in self.core.devices.health().values())

    def cash_ready(self) -> bool:
        """Both acceptors take money now (the automat has enabled them for a payment)."""
        coin, notes = self.emulators.coin, self.emulators.notes
        coin_ok = coin is None or coin.accepts(coin.position_of(COIN_IDS[2000]))
        if notes is None:
            return coin_ok
        if hasattr(notes, "channel_of"):  # SSP
            notes_ok = notes.enabled and bool(notes.inhibits & (1 << (notes.channel_of(50) - 1)))
        else:
            notes_ok = notes.accepts(notes.position_of("DK0050A"))
        return coin_ok and notes_ok

    def jam_note(self) -> None:
        self._need("notes").jam()

    def clear_jam(self) -> None:
        notes = self._need("notes")
        if hasattr(notes, "clear_jam"):
            notes.clear_jam()

    def scan(self, code: str) -> None:
        """A library card's barcode (or a bon's QR code) under the scanner."""
        self._need("scanner").scan(code)

    def swipe_health_card(self, cpr: str) -> None:
        self._need("scanner").swipe_health_card(cpr)

    def decline_next_card(self) -> None:
        self._need("terminal").decline_next()

    def set_paper(self, status: str) -> None:
        """``ok``, ``near_end`` or ``out``."""
        from drivers.base.printer import PaperStatus

        self._need("printer").paper = PaperStatus(status)

    def issue_bon(self, value_ore: int) -> BonTicket:
        """A bon issued by staff at the desk (the citizen paid it there in cash)."""
        return self.core.bons.issue(Money(value_ore), "demo-staff")

    def demo_staff(self) -> tuple[str, str, str]:
        """The demo's member of staff (number, PIN, staff card), made in the ledger if missing;
        ``docs/demo-patrons.md`` lists it."""
        return self._enrol(DEMO_STAFF, "Demo Medarbejder", "staff")

    def demo_technician(self) -> tuple[str, str, str]:
        """The demo's technician (number, PIN, staff card), made in the ledger if missing."""
        return self._enrol(DEMO_TECHNICIAN, "Demo Tekniker", "technician")

    def _enrol(self, account: tuple[str, str, str], name: str, roles: str) -> tuple[str, str, str]:
        from kiosk.staff.accounts import Actor

        book = self.core.staff
        assert book is not None
        number, pin, card = account
        if not any(a.staff_no == number for a in book.accounts()):
            book.add(number, name, roles, pin, by=Actor("demo", "system"), card=card)
        return account

    def next_day(self) -> None:
        """The automat's clock moves a day on (a citizen comes back tomorrow)."""
        self.days_pass(1)

    def days_pass(self, days: int) -> None:
        """The automat's clock moves ``days`` on; only a core built with a clock that can move
        (the walkthrough's ``OffsetClock``) allows it."""
        advance = getattr(self.core.clock, "advance", None)
        if advance is None:
            raise RuntimeError("this automat's clock cannot be moved")
        advance(days * 24 * 3600)

    def fbs_retry_days(self) -> int:
        """``[fbs] refused_retry_days``: how long a registration FBS refused is asked again."""
        return self.core.config.fbs.refused_retry_days

    def retry_fbs_now(self) -> None:
        """The outbox worker's round now, rather than on its schedule (``[fbs]
        outbox_interval_s``): every registration that is due is sent to FBS again."""
        worker = self.core.outbox_worker
        if worker is None:
            raise RuntimeError("this automat has no FBS outbox worker")
        worker.tick()

    def follow_up_states(self) -> list[str]:
        """The states of the registrations on the follow-up list (refused, parked, closed)."""
        assert self.core.follow_ups is not None
        return [item.state for item in self.core.follow_ups.items()]

    def _faults(self) -> Any:
        if self.core.simulator is None:
            raise RuntimeError("FBS is not simulated in this automat")
        return self.core.simulator.state.faults

    def set_fbs_down(self, down: bool) -> None:
        self._faults().http_500 = down

    def set_year_end(self, on: bool) -> None:
        """FBS at year end: it refuses every payment (no account period for the year)."""
        self._faults().year_end = on
