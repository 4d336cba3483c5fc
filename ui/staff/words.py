"""The core's refusals in staff mode's words. ``kiosk.followup`` and ``kiosk.cashbox`` refuse in
one English line for the command line, with a ``reason`` key; the screens say each reason in the
screen's language (Danish in ``da.ts``), always with what was changed: nothing."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP

from kiosk.cashbox import CashBoxError
from kiosk.clock import local
from kiosk.followup import FollowUpError
from kiosk.money import Money
from ui.i18n import translate

FOLLOW_UP_REFUSALS = {
    "invalid": QT_TRANSLATE_NOOP(
        "StaffRefusals", "The item could not be closed like that. Nothing was changed."),
    "not_found": QT_TRANSLATE_NOOP(
        "StaffRefusals", "The item is no longer on the follow-up list. Nothing was changed."),
    "already_closed": QT_TRANSLATE_NOOP(
        "StaffRefusals",
        "The item was already closed %1 by staff number %2. Nothing was changed."),
    "registered": QT_TRANSLATE_NOOP(
        "StaffRefusals",
        "FBS has registered the payment in the meantime: there is nothing to close."
        " Nothing was changed."),
    "pending": QT_TRANSLATE_NOOP(
        "StaffRefusals",
        "The payment is still being sent to FBS and is not on the list. Nothing was changed."),
    "being_sent": QT_TRANSLATE_NOOP(
        "StaffRefusals",
        "The payment is being sent to FBS right now. Try again in a minute."
        " Nothing was changed."),
}
CASH_BOX_REFUSALS = {
    "invalid": QT_TRANSLATE_NOOP(
        "StaffRefusals", "The emptying could not be recorded like that. Nothing was recorded."),
    "no_staff": QT_TRANSLATE_NOOP(
        "StaffRefusals", "The emptying could not be recorded like that. Nothing was recorded."),
    "role": QT_TRANSLATE_NOOP(
        "StaffRefusals",
        "Only a technician or an administrator may empty a cash box. Nothing was recorded."),
    "not_a_number": QT_TRANSLATE_NOOP(
        "StaffRefusals", "%1: the count must be a whole number of pieces. Nothing was recorded."),
    "too_many": QT_TRANSLATE_NOOP(
        "StaffRefusals",
        "%1: more pieces than a cash box holds. Check the count. Nothing was recorded."),
    "unknown_box": QT_TRANSLATE_NOOP(
        "StaffRefusals", "This automat has no such cash box. Nothing was recorded."),
    "denomination": QT_TRANSLATE_NOOP(
        "StaffRefusals", "%1 cannot be in this cash box. Nothing was recorded."),
}


EXPORT_FAILED = QT_TRANSLATE_NOOP(
    "StaffRefusals", "The debtor export did not finish; the next run tries again. (%1)")


def core_refusal(error: BaseException) -> str | None:
    """The words for a follow-up, cash-box, technician or debtor-export refusal; None for any
    other error."""
    from kiosk.debtor.exporter import ExportError
    from kiosk.staff.technician import NotAvailable

    if isinstance(error, NotAvailable):  # Danish already
        return str(error)
    if isinstance(error, ExportError):  # the operator's line, as kiosk export prints it
        return translate("StaffRefusals", EXPORT_FAILED).replace("%1", str(error))
    if isinstance(error, FollowUpError):
        source = FOLLOW_UP_REFUSALS.get(error.reason, FOLLOW_UP_REFUSALS["invalid"])
        when = f"{local(error.closed_at):%d.%m.%Y %H:%M}" if error.closed_at else ""
        return (translate("StaffRefusals", source)
                .replace("%1", when).replace("%2", error.closed_by or "?"))
    if isinstance(error, CashBoxError):
        source = CASH_BOX_REFUSALS.get(error.reason, CASH_BOX_REFUSALS["invalid"])
        what = "" if error.denomination is None else Money(error.denomination).format_da()
        return translate("StaffRefusals", source).replace("%1", what)
    return None
