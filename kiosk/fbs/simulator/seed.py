"""The seed patrons (documented in ``docs/demo-patrons.md``; the UI, demo and tests use them).

Dates are placed relative to the configured cut-off date, so "old" and "new" stay true for any
cut-off. Card numbers start ``3210`` and have day ``32``-style digits, so none can be read as a
CPR; the CPR numbers are fictitious (valid format and date only).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TypeVar

from kiosk.fbs.simulator.state import SimBlock, SimMaterial, SimPatron, SimulatorState


def _d(state: SimulatorState, days: int) -> date:
    """A date ``days`` from the cut-off (negative: before it, an old claim)."""
    return state.cut_off_date + timedelta(days=days)


# patron ids, for tests and docs
OLD_ONLY = 1001
NEW_ONLY = 1002
MIXED = 1003
DEBT_BLOCKED = 1004
OTHER_BLOCKED = 1005
CARD_LOST = 1006
NO_CLAIMS = 1007
DANISH = 1008
COMPENSATION = 1009
DEBTOR_PAID = 1010
LOCKED_OUT = 1011


def seed(state: SimulatorState) -> None:
    def patron(pid: int, n: int, cpr: str, name: str, note: str, **kw: object) -> None:
        state.add_patron(
            SimPatron(
                patron_id=pid,
                card_number=f"321000{n:04d}",
                cpr=cpr,
                pin=f"{n:02d}" * 2,
                name=name,
                note=note,
                **kw,  # type: ignore[arg-type]
            )
        )

    late = "Gebyr for sen aflevering"
    book = SimMaterial  # short alias for the tables below

    patron(OLD_ONLY, 1, "0101701111", "Anna Andersen", "only old claims (payable here, FBS)")
    state.add_fee(
        OLD_ONLY,
        50011,
        kind="fee",
        reason=late,
        amount_ore=2000,
        created=_d(state, -400),
        due=_d(state, -370),
        sip2_fee_type="04",
        materials=[book("Krig og fred", "Tolstoj, Lev", "5011223344", "22334455")],
    )
    state.add_fee(
        OLD_ONLY,
        50012,
        kind="fee",
        reason=late,
        amount_ore=3000,
        created=_d(state, -200),
        due=_d(state, -170),
        sip2_fee_type="04",
    )

    patron(NEW_ONLY, 2, "0202802222", "Bo Berg", "only new claims (debtor system, oldest first)")
    for i, days in enumerate((30, 60, 90)):
        state.add_fee(
            NEW_ONLY,
            50021 + i,
            kind="fee",
            reason=late,
            amount_ore=2000,
            created=_d(state, days),
            due=_d(state, days + 30),
            sip2_fee_type="04",
        )

    patron(MIXED, 3, "0303903333", "Carla Christensen", "old and new claims")
    state.add_fee(
        MIXED,
        50031,
        kind="fee",
        reason=late,
        amount_ore=1500,
        created=_d(state, -100),
        due=_d(state, -70),
        sip2_fee_type="04",
    )
    state.add_fee(
        MIXED,
        50032,
        kind="compensation",
        reason="Erstatning for bortkommet materiale",
        amount_ore=24950,
        created=_d(state, -50),
        due=_d(state, -20),
        sip2_fee_type="07",
        materials=[book("Hunger Games", "Collins, Suzanne", "5022334455", "29876543")],
    )
    state.add_fee(
        MIXED,
        50033,
        kind="fee",
        reason=late,
        amount_ore=2000,
        created=_d(state, 20),
        due=_d(state, 50),
        sip2_fee_type="04",
    )
    state.add_fee(
        MIXED,
        50034,
        kind="fee",
        reason=late,
        amount_ore=3000,
        created=_d(state, 40),
        due=_d(state, 70),
        sip2_fee_type="04",
    )

    patron(
        DEBT_BLOCKED,
        4,
        "0404704444",
        "Dennis Dahl",
        "blocked: debt over the 200 kr limit (E); old claims alone exceed it",
        blocks=(SimBlock("E", _d(state, -10), "Maksimalt gældsbeløb overskredet"),),
        fee_limit_ore=20000,
    )
    state.add_fee(
        DEBT_BLOCKED,
        50041,
        kind="compensation",
        reason="Erstatning for beskadiget materiale",
        amount_ore=18000,
        created=_d(state, -300),
        due=_d(state, -270),
        sip2_fee_type="03",
        materials=[book("Politikens Nudansk Ordbog", "", "5033445566", "21212121")],
    )
    state.add_fee(
        DEBT_BLOCKED,
        50042,
        kind="fee",
        reason=late,
        amount_ore=5000,
        created=_d(state, -30),
        due=_d(state, 0),
        sip2_fee_type="04",
    )
    state.add_fee(
        DEBT_BLOCKED,
        50043,
        kind="fee",
        reason=late,
        amount_ore=2000,
        created=_d(state, 10),
        due=_d(state, 40),
        sip2_fee_type="04",
    )

    patron(
        OTHER_BLOCKED,
        5,
        "0505505555",
        "Eva Eriksen",
        "blocked for another reason (U)",
        blocks=(SimBlock("U", _d(state, -5), "Udelukket af biblioteket"),),
    )
    state.add_fee(
        OTHER_BLOCKED,
        50051,
        kind="fee",
        reason=late,
        amount_ore=1000,
        created=_d(state, -60),
        due=_d(state, -30),
        sip2_fee_type="04",
    )

    patron(
        CARD_LOST,
        6,
        "0606606666",
        "Frank Frederiksen",
        "card reported lost (block O); the CPR still works",
        blocks=(SimBlock("O", _d(state, 5), "Lånerkort meldt stjålet"),),
        card_lost=True,
    )
    state.add_fee(
        CARD_LOST,
        50061,
        kind="fee",
        reason=late,
        amount_ore=2000,
        created=_d(state, -80),
        due=_d(state, -50),
        sip2_fee_type="04",
    )

    patron(NO_CLAIMS, 7, "0707707777", "Gitte Gram", "no claims")

    patron(DANISH, 8, "0808808888", "Åse Ærø-Østergård", "Danish letters in names and titles")
    state.add_fee(
        DANISH,
        50081,
        kind="fee",
        reason="Gebyr for sen aflevering (æøå ÆØÅ)",
        amount_ore=3000,
        created=_d(state, -90),
        due=_d(state, -60),
        sip2_fee_type="04",
        materials=[
            book("Blåbærsyltetøj og ærtesuppe", "Søndergård, Bjørn", "5044556677", "27182818")
        ],
    )
    state.add_fee(
        DANISH,
        50082,
        kind="fee",
        reason="Gebyr for sen aflevering",
        amount_ore=2000,
        created=_d(state, 15),
        due=_d(state, 45),
        sip2_fee_type="04",
        materials=[book("Ærø rundt på cykel", "Øberg, Åge", "5055667788", "31415926")],
    )

    patron(
        COMPENSATION,
        9,
        "0909909999",
        "Hans Hansen",
        "a compensation with material (odd øre: cash rounding)",
    )
    state.add_fee(
        COMPENSATION,
        50091,
        kind="compensation",
        reason="Erstatning for bortkommet materiale",
        amount_ore=31275,
        created=_d(state, -150),
        due=_d(state, -120),
        sip2_fee_type="07",
        materials=[
            book(
                "Ringenes Herre",
                "Tolkien, J.R.R.",
                "5066778899",
                "24681012",
                "Bog",
                "Bøger, voksne",
            )
        ],
    )

    patron(
        DEBTOR_PAID,
        10,
        "1010701010",
        "Ida Iversen",
        "a new claim paid in the debtor system and reported back (paidDate set, not open), "
        "an open new claim, and a claim for another library (never transferred: elsewhere)",
    )
    state.add_fee(
        DEBTOR_PAID,
        50101,
        kind="fee",
        reason=late,
        amount_ore=2000,
        created=_d(state, 10),
        due=_d(state, 40),
        sip2_fee_type="04",
        paid_in_debtor=_d(state, 45),
    )
    state.add_fee(
        DEBTOR_PAID,
        50102,
        kind="fee",
        reason=late,
        amount_ore=2000,
        created=_d(state, 70),
        due=_d(state, 100),
        sip2_fee_type="04",
    )
    state.add_fee(
        DEBTOR_PAID,
        50103,
        kind="compensation",
        reason="Erstatning til andet bibliotek (fjernlån)",
        amount_ore=15000,
        created=_d(state, 80),
        due=_d(state, 110),
        never_transferred=True,
        sip2_fee_type="07",
        materials=[book("Fjernlånt bog", "Ukendt", "5077889900", "99887766")],
    )

    patron(
        LOCKED_OUT,
        11,
        "1111801111",
        "Jens Jensen",
        "locked out after too many wrong PINs",
        locked_out=True,
        failed_pin_attempts=3,
    )
    state.add_fee(
        LOCKED_OUT,
        50111,
        kind="fee",
        reason=late,
        amount_ore=1000,
        created=_d(state, -20),
        due=_d(state, 10),
        sip2_fee_type="04",
    )


S = TypeVar("S", bound=SimulatorState)


def seeded_state(cls: type[S] = SimulatorState, **kwargs: object) -> S:  # type: ignore[assignment]
    """A new ``cls`` holding the demo and test data set documented in ``docs/demo-patrons.md``."""
    state = cls(**kwargs)  # type: ignore[arg-type]
    seed(state)
    return state
