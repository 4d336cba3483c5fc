"""What staff read about bons on the command line (``kiosk bon``): plain sentences, Danish time.

Danish by default, as the slip and the automat's screen are; English on request (``--lang en``).
The citizen's words for a refused bon live in ``ui/messages.py`` and the translations, which the
core cannot use (they need Qt, and ``lupdate`` reads only ``ui/``), so the command line has its own
sentences here, and each refusal starts with the screen's own sentence for it, word for word
(``tests/ui/test_bon_words.py`` holds the two together): what a citizen read at the automat is
what staff read at the desk. Times are Danish wall-clock time like the slip's, and a bon's last
day is named as the slip names it, "gyldig til og med" (valid through), never the moment it
lapsed, which is the next day at midnight.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal

from kiosk.bons import BonError, BonReason, BonTicket
from kiosk.clock import local
from kiosk.money import Money
from kiosk.receipts import danish_date, danish_datetime

Language = Literal["da", "en"]
LANGUAGES: tuple[Language, ...] = ("da", "en")

#: the screen's first sentence for each refusal (English: the source text; Danish: da.ts)
SCREEN_SENTENCE: dict[str, dict[Language, str]] = {
    BonReason.FORGED: {"da": "Bonen er ikke gyldig.", "en": "This bon is not valid."},
    BonReason.EXPIRED: {"da": "Bonen er udløbet.", "en": "This bon has expired."},
    BonReason.VOIDED: {
        "da": "Bonen er annulleret af personalet og kan ikke bruges.",
        "en": "This bon was cancelled by the staff and cannot be used.",
    },
    BonReason.USED: {"da": "Bonen er allerede brugt.", "en": "This bon has already been used."},
    BonReason.UNKNOWN: {"da": "Vi kender ikke denne bon.", "en": "We do not know this bon."},
}
#: why a bon was issued (Danish: the slip's own words, ``kiosk.bons.REASON_TEXT``)
REASON: dict[str, dict[Language, str]] = {
    "desk_cash": {"da": "Betalt kontant i skranken", "en": "Paid in cash at the desk"},
    "automat_credit": {"da": "Tilgode fra automaten", "en": "Credit from the automat"},
    "remainder": {"da": "Rest af en bon", "en": "Rest of a bon"},
}


def moment(at: datetime, lang: Language) -> str:
    """Danish wall-clock time as the slip prints it: ``19.11.2026 kl. 10.15``."""
    if lang == "da":
        return danish_datetime(at)
    return f"{local(at):%d.%m.%Y} at {local(at):%H.%M}"


def day(d: date) -> str:
    return danish_date(d)


def refusal(error: BonError, lang: Language = "da") -> str:
    """One line: the screen's sentence, then what staff need to know about this bon."""
    words = SCREEN_SENTENCE.get(error.reason, {"da": "Bonen kan ikke bruges.",
                                               "en": "This bon cannot be used."})[lang]
    more = ""
    if error.reason == BonReason.VOIDED and error.at is not None:
        who = (f" af {error.by}" if lang == "da" else f" by {error.by}") if error.by else ""
        more = (f"Annulleret {moment(error.at, lang)}{who}." if lang == "da"
                else f"Cancelled {moment(error.at, lang)}{who}.")
    elif error.reason == BonReason.USED and error.at is not None:
        more = (f"Brugt {moment(error.at, lang)}." if lang == "da"
                else f"Used {moment(error.at, lang)}.")
    elif error.reason == BonReason.EXPIRED and error.valid_through is not None:
        more = (f"Den var gyldig til og med {day(error.valid_through)}." if lang == "da"
                else f"It was valid through {day(error.valid_through)}.")
    elif error.reason == BonReason.UNKNOWN:
        more = "Tjek koden." if lang == "da" else "Check the code."
    return f"{words} {more}".rstrip()


def listing(ticket: BonTicket, now: datetime, lang: Language = "da") -> str:
    """One outstanding bon: code, amount, why, issued when and by whom, its last valid day."""
    why = REASON.get(ticket.reason, {"da": ticket.reason, "en": ticket.reason})[lang]
    last = day(ticket.valid_through)
    if lang == "da":
        issued = f"udstedt {moment(ticket.issued_at, lang)} af {ticket.issuer}"
        valid = (f"udløbet: var gyldig til og med {last}" if now >= ticket.expires_at
                 else f"gyldig til og med {last}")
    else:
        issued = f"issued {moment(ticket.issued_at, lang)} by {ticket.issuer}"
        valid = (f"expired: was valid through {last}" if now >= ticket.expires_at
                 else f"valid through {last}")
    return f"{ticket.short_code_display}  {ticket.amount!s:>12}  {why}  {issued}  {valid}"


def listing_total(tickets: Sequence[BonTicket], lang: Language = "da") -> str:
    count = len(tickets)
    amount = Money(sum(t.amount.ore for t in tickets))
    if lang == "da":
        bons = "udestående bon" if count == 1 else "udestående bonner"
        return f"{count} {bons}, {amount} i alt" if count else f"0 {bons}"
    bons = "outstanding bon" if count == 1 else "outstanding bons"
    return f"{count} {bons}, {amount} in all" if count else f"0 {bons}"


def voided(ticket: BonTicket, lang: Language = "da") -> str:
    if lang == "da":
        return (f"Bon {ticket.short_code_display} ({ticket.amount}) er annulleret"
                " og kan ikke bruges mere.")
    return (f"Bon {ticket.short_code_display} ({ticket.amount}) is cancelled"
            " and can no longer be used.")
