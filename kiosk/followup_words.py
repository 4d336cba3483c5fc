"""The follow-up list's words: what a person did about a refused registration, the notes a touch
screen offers, the states as shown. Apart from :mod:`kiosk.followup` so that the command line
(``kiosk followup close --outcome``'s choices) names them without loading the ledger's tables
before every start of the automat (the unit's ``kiosk run --check``)."""

from __future__ import annotations

#: the outcome that gave the citizen the money back: the claim is owed again (payment.paid_here)
REFUNDED = "refunded"
#: what a person did about a refused registration, in the words the screen and report show
CLOSE_OUTCOMES = {
    "registered_by_hand": "Registreret manuelt i FBS",
    REFUNDED: "Pengene er betalt tilbage til borgeren",
    "written_off": "Afskrevet",
    "other": "Andet",
}
#: the notes a touch screen offers for "other" (it has no keyboard); stored and reported as written
OTHER_NOTES = (
    "Gebyret var allerede slettet i FBS",
    "Borgeren har fået beløbet som bon",
    "Sendt videre til økonomiafdelingen",
)
STATE_WORDS = {
    "refused": "Afvist af FBS – prøves igen",
    "parked": "Afvist af FBS – venter på personalet",
    "closed": "Lukket",
}
