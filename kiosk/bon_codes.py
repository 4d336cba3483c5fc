"""A bon's short code: ten Crockford base32 characters (nine random, one check character) that a
citizen can type. A typo is caught by the check character before the ledger is asked; the code
is random, so it is as good as the bon itself (:mod:`kiosk.bons`)."""

from __future__ import annotations

import secrets

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SHORT_CODE_LENGTH = 10  # nine random characters (45 bits) and a check character
#: what people mistype for what (Crockford's decoding rules), and separators they add
_TYPED = str.maketrans({"I": "1", "L": "1", "O": "0", "-": None, " ": None})


def check_char(body: str) -> str:
    """Luhn mod 32 over Crockford base32: catches every single wrong character and every swap of
    two neighbouring characters, and stays in the alphabet (so the keypad can type it)."""
    factor, total = 2, 0
    for char in reversed(body):
        addend = factor * CROCKFORD.index(char)
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return CROCKFORD[(32 - total % 32) % 32]


def new_short_code() -> str:
    body = "".join(secrets.choice(CROCKFORD) for _ in range(SHORT_CODE_LENGTH - 1))
    return body + check_char(body)


def normalise_short_code(text: str) -> str | None:
    """The canonical code for what was typed, or None if it cannot be a short code."""
    code = text.strip().upper().translate(_TYPED)
    if len(code) != SHORT_CODE_LENGTH or any(c not in CROCKFORD for c in code):
        return None
    if check_char(code[:-1]) != code[-1]:
        return None
    return code
