"""Friendly, actionable words for every message key the session emits.

Each key has a tone (info / warn / error, always shown with an icon and words, never by colour
alone) and a text that says what happened and what to do now. Unknown keys get a generic text:
the citizen always sees something sensible.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP

from ui.i18n import translate

ICONS = {"info": "ℹ", "warn": "⚠", "error": "✕", "ok": "✓"}


@dataclass(frozen=True, slots=True)
class Message:
    tone: str
    text: str  # untranslated source text; translated on use

    def shown(self) -> str:
        return f"{ICONS[self.tone]}  {translate('Messages', self.text)}"


def _m(tone: str, text: str) -> Message:
    return Message(tone, text)


MESSAGES: dict[str, Message] = {
    "checking": _m("info", QT_TRANSLATE_NOOP("Messages", "Checking your card and PIN …")),
    "wrong_pin": _m(
        "error",
        QT_TRANSLATE_NOOP("Messages", "The PIN was not right. Please try again."),
    ),
    "too_many_pin_attempts": _m(
        "error",
        QT_TRANSLATE_NOOP(
            "Messages",
            "The PIN was wrong three times. Please ask the library staff to help you.",
        ),
    ),
    "patron_locked": _m(
        "error",
        QT_TRANSLATE_NOOP(
            "Messages", "Your card is locked after too many PIN attempts. Please ask the staff."
        ),
    ),
    "unknown_patron": _m(
        "error",
        QT_TRANSLATE_NOOP(
            "Messages",
            "We could not find a borrower with this card or number. Check the number, "
            "or ask the staff.",
        ),
    ),
    "unavailable": _m(
        "error",
        QT_TRANSLATE_NOOP(
            "Messages",
            "The library system cannot be reached right now. Nothing was paid. "
            "Please try again in a few minutes.",
        ),
    ),
    "timeout": _m(
        "error",
        QT_TRANSLATE_NOOP(
            "Messages",
            "The library system did not answer in time. Nothing was paid. Please try again.",
        ),
    ),
    "client_auth": _m(
        "error",
        QT_TRANSLATE_NOOP(
            "Messages", "The automat cannot log in to the library system. Please tell the staff."
        ),
    ),
    "protocol": _m(
        "error",
        QT_TRANSLATE_NOOP(
            "Messages",
            "The library system gave an answer we could not read. Nothing was paid. "
            "Please tell the staff.",
        ),
    ),
    "refused": _m(
        "error",
        QT_TRANSLATE_NOOP(
            "Messages", "The library system refused the payment. Please ask the staff."
        ),
    ),
    "nothing_selected": _m(
        "warn",
        QT_TRANSLATE_NOOP("Messages", "Choose at least one claim to pay, or press Cancel."),
    ),
    "selection_committed": _m(
        "warn",
        QT_TRANSLATE_NOOP(
            "Messages",
            "Payment has started, so the claims can no longer be changed. "
            "Pay the rest, or press Cancel to get a credit bon for what you paid.",
        ),
    ),
    "card_unavailable": _m(
        "error",
        QT_TRANSLATE_NOOP(
            "Messages", "The card terminal is out of order. Please pay with cash or a bon."
        ),
    ),
    "card_declined": _m(
        "error",
        QT_TRANSLATE_NOOP(
            "Messages",
            "The card payment was declined. No money was taken. Try another card or cash.",
        ),
    ),
    "card_aborted": _m(
        "warn",
        QT_TRANSLATE_NOOP(
            "Messages", "The card payment was stopped. No money was taken. Choose how to pay."
        ),
    ),
    "card_checking": _m(
        "info",
        QT_TRANSLATE_NOOP(
            "Messages",
            "We lost contact with the card terminal. Checking if the payment went through …",
        ),
    ),
    "card_unknown": _m(
        "error",
        QT_TRANSLATE_NOOP(
            "Messages",
            "We cannot tell yet whether the card payment went through. Do not pay again: "
            "please ask the staff, who can check it.",
        ),
    ),
    "cash_rejected": _m(
        "warn",
        QT_TRANSLATE_NOOP(
            "Messages", "That coin or note was not accepted and was returned. Try another one."
        ),
    ),
    "note_too_large": _m(
        "warn",
        QT_TRANSLATE_NOOP(
            "Messages",
            "That note is too large for what is left to pay and was returned. "
            "Please use a smaller note or coins.",
        ),
    ),
    "bon_invalid": _m(
        "error",
        QT_TRANSLATE_NOOP(
            "Messages", "The bon could not be read. Check the code, or ask the staff."
        ),
    ),
    "bon_forged": _m(
        "error",
        QT_TRANSLATE_NOOP("Messages", "This bon is not valid. Please take it to the staff."),
    ),
    "bon_expired": _m(
        "error",
        QT_TRANSLATE_NOOP("Messages", "This bon has expired. The staff can help you with it."),
    ),
    "bon_voided": _m(
        "error",
        QT_TRANSLATE_NOOP("Messages", "This bon was cancelled by the staff and cannot be used."),
    ),
    "bon_used": _m(
        "error",
        QT_TRANSLATE_NOOP("Messages", "This bon has already been used."),
    ),
    "bon_unknown": _m(
        "error",
        QT_TRANSLATE_NOOP(
            "Messages", "We do not know this bon. Check the code you typed, or ask the staff."
        ),
    ),
    "bon_partial": _m(
        "info",
        QT_TRANSLATE_NOOP(
            "Messages", "The bon paid part of the amount. Choose how to pay the rest."
        ),
    ),
    "settlement_failed": _m(
        "warn",
        QT_TRANSLATE_NOOP(
            "Messages",
            "Your payment is received and saved, but could not be finished right now. "
            "It will be completed automatically; please ask the staff for a receipt.",
        ),
    ),
    "ledger_fault": _m(
        "error",
        QT_TRANSLATE_NOOP(
            "Messages",
            "The automat is out of order. What you paid is noted; please contact the staff.",
        ),
    ),
    "ledger_fault_resolved": _m(
        "info",
        QT_TRANSLATE_NOOP(
            "Messages", "The automat works again. What you paid became a credit bon."
        ),
    ),
    "money_outside_payment": _m(
        "info",
        QT_TRANSLATE_NOOP(
            "Messages",
            "The automat received money outside a payment. It became a credit bon: use it here, "
            "or take it to the library desk.",
        ),
    ),
    "money_at_restart": _m(
        "info",
        QT_TRANSLATE_NOOP(
            "Messages",
            "The automat received money while it was restarting. It became a credit bon: use it "
            "here, or take it to the library desk.",
        ),
    ),
    "cancel": _m(
        "info",
        QT_TRANSLATE_NOOP("Messages", "The session was cancelled. Nothing was paid."),
    ),
    "paid": _m("ok", QT_TRANSLATE_NOOP("Messages", "Thank you. Your payment is complete.")),
    "invalid_card": _m(
        "error",
        QT_TRANSLATE_NOOP(
            "Messages", "That is not a card number of this library. Check the number and try again."
        ),
    ),
    "invalid_cpr": _m(
        "error",
        QT_TRANSLATE_NOOP(
            "Messages", "That is not a valid CPR number. Check the number and try again."
        ),
    ),
    # a bon's slip shown where a card is asked for (kiosk.payment.login: never a card number)
    "bon_not_card": _m(
        "warn",
        QT_TRANSLATE_NOOP(
            "Messages",
            "That is a bon, not a library card. Show your library card or health card first; "
            "you scan the bon when you pay.",
        ),
    ),
    "bon_when_paying": _m(
        "info",
        QT_TRANSLATE_NOOP(
            "Messages", "That is a bon. It is used when you pay: touch Pay, then scan the bon."
        ),
    ),
    "bon_not_taken": _m(
        "warn",
        QT_TRANSLATE_NOOP(
            "Messages", "This automat does not take bons. Please take the bon to the staff."
        ),
    ),
    "bon_log_in_first": _m(
        "warn", QT_TRANSLATE_NOOP("Messages", "That is a bon. Log in first to look it up.")
    ),
    "read_rejected": _m(
        "warn",
        QT_TRANSLATE_NOOP("Messages", "The card could not be read. Try again, or type the number."),
    ),
    # staff mode's login (kiosk.payment.staff_door): an unknown number, a removed account and a
    # wrong PIN read alike, so the automat never tells which staff numbers exist
    "staff_checking": _m("info", QT_TRANSLATE_NOOP("Messages", "Checking the staff login …")),
    "staff_wrong_pin": _m(
        "error",
        QT_TRANSLATE_NOOP(
            "Messages", "Wrong staff number or PIN. Nothing was changed; please try again."
        ),
    ),
    "staff_locked": _m(
        "error",
        QT_TRANSLATE_NOOP(
            "Messages",
            "The account is locked after too many wrong PINs. Try again in %1 minutes, "
            "or ask an administrator to unlock it.",
        ),
    ),
    "staff_unavailable": _m(
        "error",
        QT_TRANSLATE_NOOP(
            "Messages",
            "The staff accounts cannot be reached right now. Nothing was changed; try again.",
        ),
    ),
    "refused_now": _m(
        "warn", QT_TRANSLATE_NOOP("Messages", "That is not possible right now. Please wait.")
    ),
}

GENERIC = _m(
    "error",
    QT_TRANSLATE_NOOP("Messages", "Something went wrong. Nothing was lost; please ask the staff."),
)


#: the staff login's refusals that read alike (see above)
MESSAGES["staff_unknown"] = MESSAGES["staff_removed"] = MESSAGES["staff_wrong_pin"]


def message_for(key: str) -> Message | None:
    """The message for a session key, ``None`` for no message; never raises."""
    if not key:
        return None
    return MESSAGES.get(key, GENERIC)
