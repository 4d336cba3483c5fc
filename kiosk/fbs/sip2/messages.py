"""The SIP2 2.00 messages the automat uses, as data: fixed fields by width, variable fields by code.

One table drives both directions of the codec (client: encode requests, decode replies; simulator:
decode requests, encode replies). Offsets are implied by the order of the fixed fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

_DIGITS = frozenset("0123456789")
_UPPER_OR_BLANK = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ ")


def _one_of(allowed: str) -> Callable[[str], bool]:
    chars = frozenset(allowed)
    return lambda v: v in chars


def _digits(v: str) -> bool:
    return v.isascii() and v.isdigit()


def _date(v: str) -> bool:
    """``YYYYMMDDZZZZHHMMSS``: ZZZZ is a time zone or four blanks (local time)."""
    return (
        v[:8].isascii()
        and v[:8].isdigit()
        and v[14:].isascii()
        and v[14:].isdigit()
        and all(c in _UPPER_OR_BLANK for c in v[8:12])
        and v[12:14].isascii()
        and v[12:14].isdigit()
    )


def _flags(v: str) -> bool:
    """Patron status / summary: each position ``Y`` or blank (``N`` tolerated)."""
    return not v.strip(" YN")


def _count(v: str) -> bool:
    return v == "    " or _digits(v)


def _currency(v: str) -> bool:
    return v.isascii() and v.isalpha() and v.isupper()


def _version(v: str) -> bool:
    return v[1] == "." and _digits(v[0] + v[2:])


def _any_char(v: str) -> bool:
    return v not in "|\r\n"


YN = _one_of("YN")
YNU = _one_of("YNU")
ZERO_ONE = _one_of("01")


@dataclass(frozen=True, slots=True)
class Fixed:
    name: str
    width: int
    valid: Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class Var:
    code: str
    name: str
    repeatable: bool = False
    required: bool = False


@dataclass(frozen=True, slots=True)
class MessageSpec:
    code: str
    name: str
    fixed: tuple[Fixed, ...]
    fields: tuple[Var, ...]


DATE = Fixed("transaction_date", 18, _date)
LANGUAGE = Fixed("language", 3, _digits)
PATRON_STATUS = Fixed("patron_status", 14, _flags)
AO = Var("AO", "institution_id", required=True)
AA = Var("AA", "patron_identifier", required=True)
AC = Var("AC", "terminal_password")
AD = Var("AD", "patron_password")
AE = Var("AE", "personal_name")  # required by the standard; tolerated missing (unknown patron)
AF = Var("AF", "screen_message", repeatable=True)
AG = Var("AG", "print_line", repeatable=True)
BK = Var("BK", "transaction_id")
BL = Var("BL", "valid_patron")
CQ = Var("CQ", "valid_patron_password")
BH = Var("BH", "currency_type")
BV = Var("BV", "fee_amount")

SPECS: dict[str, MessageSpec] = {
    spec.code: spec
    for spec in (
        MessageSpec(
            "93",
            "Login",
            (Fixed("uid_algorithm", 1, _any_char), Fixed("pwd_algorithm", 1, _any_char)),
            (
                Var("CN", "login_user_id", required=True),
                Var("CO", "login_password", required=True),
                Var("CP", "location_code"),
            ),
        ),
        MessageSpec("94", "Login Response", (Fixed("ok", 1, ZERO_ONE),), ()),
        MessageSpec(
            "99",
            "SC Status",
            (
                Fixed("status_code", 1, _one_of("012")),
                Fixed("max_print_width", 3, _digits),
                Fixed("protocol_version", 4, _version),
            ),
            (),
        ),
        MessageSpec(
            "98",
            "ACS Status",
            (
                Fixed("online_status", 1, YN),
                Fixed("checkin_ok", 1, YN),
                Fixed("checkout_ok", 1, YN),
                Fixed("acs_renewal_policy", 1, YN),
                Fixed("status_update_ok", 1, YN),
                Fixed("offline_ok", 1, YN),
                Fixed("timeout_period", 3, _digits),
                Fixed("retries_allowed", 3, _digits),
                Fixed("date_time_sync", 18, _date),
                Fixed("protocol_version", 4, _version),
            ),
            (
                AO,
                Var("AM", "library_name"),
                Var("BX", "supported_messages"),
                Var("AN", "terminal_location"),
                AF,
                AG,
            ),
        ),
        MessageSpec("23", "Patron Status Request", (LANGUAGE, DATE), (AO, AA, AC, AD)),
        MessageSpec(
            "24",
            "Patron Status Response",
            (PATRON_STATUS, LANGUAGE, DATE),
            (AO, AA, AE, BL, CQ, BH, BV, AF, AG),
        ),
        MessageSpec(
            "63",
            "Patron Information",
            (LANGUAGE, DATE, Fixed("summary", 10, _flags)),
            (AO, AA, AC, AD, Var("BP", "start_item"), Var("BQ", "end_item")),
        ),
        MessageSpec(
            "64",
            "Patron Information Response",
            (
                PATRON_STATUS,
                LANGUAGE,
                DATE,
                Fixed("hold_items_count", 4, _count),
                Fixed("overdue_items_count", 4, _count),
                Fixed("charged_items_count", 4, _count),
                Fixed("fine_items_count", 4, _count),
                Fixed("recall_items_count", 4, _count),
                Fixed("unavailable_holds_count", 4, _count),
            ),
            (
                AO,
                AA,
                AE,
                Var("BZ", "hold_items_limit"),
                Var("CA", "overdue_items_limit"),
                Var("CB", "charged_items_limit"),
                BL,
                CQ,
                BH,
                BV,
                Var("CC", "fee_limit"),
                Var("AS", "hold_items", repeatable=True),
                Var("AT", "overdue_items", repeatable=True),
                Var("AU", "charged_items", repeatable=True),
                Var("AV", "fine_items", repeatable=True),
                Var("BU", "recall_items", repeatable=True),
                Var("CD", "unavailable_hold_items", repeatable=True),
                Var("BD", "home_address"),
                Var("BE", "email_address"),
                Var("BF", "home_phone_number"),
                AF,
                AG,
            ),
        ),
        MessageSpec(
            "37",
            "Fee Paid",
            (
                DATE,
                Fixed("fee_type", 2, _digits),
                Fixed("payment_type", 2, _digits),
                Fixed("currency_type", 3, _currency),
            ),
            (Var("BV", "fee_amount", required=True), AO, AA, AC, AD, Var("CG", "fee_id"), BK),
        ),
        MessageSpec(
            "38",
            "Fee Paid Response",
            (Fixed("payment_accepted", 1, YN), DATE),
            (AO, AA, BK, AF, AG),
        ),
        MessageSpec("35", "End Patron Session", (DATE,), (AO, AA, AC, AD)),
        MessageSpec(
            "36",
            "End Session Response",
            (Fixed("end_session", 1, YN), DATE),
            (AO, AA, AF, AG),
        ),
        MessageSpec("97", "Request ACS Resend", (), ()),
        MessageSpec("96", "Request SC Resend", (), ()),
    )
}

#: Messages that carry an ``AZ`` checksum but never an ``AY`` sequence number.
RESEND_CODES = frozenset({"96", "97"})

#: The reply code expected for each request code.
REPLY_TO = {"93": "94", "99": "98", "23": "24", "63": "64", "37": "38", "35": "36"}

#: Patron status positions (0-based) in 24/64.
PATRON_STATUS_NAMES = (
    "charge privileges denied",
    "renewal privileges denied",
    "recall privileges denied",
    "hold privileges denied",
    "card reported lost",
    "too many items charged",
    "too many items overdue",
    "too many renewals",
    "too many claims of items returned",
    "too many items lost",
    "excessive outstanding fines",
    "excessive outstanding fees",
    "recall overdue",
    "too many items billed",
)
