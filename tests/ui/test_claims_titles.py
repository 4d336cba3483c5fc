"""A claim's title names its kind once: "Gebyr for sen aflevering", not "Gebyr: Gebyr for …"."""

from __future__ import annotations

from datetime import date

import pytest
from pytestqt.qtbot import QtBot

from kiosk.domain import Claim, ClaimKind, PayableIn
from kiosk.money import Money
from ui.screens.claims import claim_title, titled


@pytest.mark.parametrize(
    ("kind", "what", "shown"),
    [
        ("Gebyr", "Gebyr for sen aflevering", "Gebyr for sen aflevering"),
        ("Gebyr", "gebyr: bog", "gebyr: bog"),  # case-insensitive, punctuation after the word
        ("Erstatning", "erstatning for tabt bog", "erstatning for tabt bog"),
        ("Fee", "Erstatning for bortkommet materiale", "Fee: Erstatning for bortkommet materiale"),
        ("Gebyr", "Gebyrer samlet", "Gebyr: Gebyrer samlet"),  # the first word, not a prefix
        ("Gebyr", "Blå bog om Ærø", "Gebyr: Blå bog om Ærø"),
        ("Gebyr", "", "Gebyr"),
    ],
)
def test_the_kind_is_shown_only_when_the_reason_does_not_say_it(
    kind: str, what: str, shown: str
) -> None:
    assert titled(kind, what) == shown


def test_claim_title_uses_the_reason_and_names_the_kind_once(qtbot: QtBot) -> None:
    def fee(reason: str) -> Claim:
        return Claim(
            "1", ClaimKind.FEE, Money(2000), date(2020, 1, 1), PayableIn.FBS, reason=reason
        )

    kind = claim_title(fee(""))  # "Fee" or "Gebyr", whichever language is on
    assert kind in ("Fee", "Gebyr")
    assert (
        claim_title(fee(f"{kind.upper()} for sen aflevering"))
        == f"{kind.upper()} for sen aflevering"
    )
    assert claim_title(fee("Blå bog om Ærø")) == f"{kind}: Blå bog om Ærø"
