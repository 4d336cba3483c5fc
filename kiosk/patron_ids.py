"""A patron id as the ledger keeps it and as staff read it.

FBS may answer a login by CPR with the CPR itself as the patron identifier (SIP2 ``AA``), so a
patron id can be a CPR number. The ledger needs the id for two things only: to recognise the same
patron at the next visit ("paid here, waiting for the municipality") and to register a payment in
FBS. The first needs no clear text: a CPR-shaped id is stored as a keyed pseudonym (HMAC-SHA256
with a key derived from the installation's bon signing key, which every automat sharing a database
has, so the pseudonym is the same fleet-wide and cannot be reversed by trying the few million
valid CPR numbers without the key). The second needs the id in clear while the registration is
pending: the FBS outbox payload and the session's plan keep it until the registration is done or
the session has ended, then hold the pseudonym too.

Staff find a patron by name and the masked CPR (``DDMMYY-****``) or a card number, never the CPR.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from kiosk.cpr import Cpr, CprError

#: marks a stored id as a pseudonym (a CPR never starts with a letter)
PSEUDONYM_PREFIX = "cpr~"
_DOMAIN = b"kiosk patron id pseudonym v1"


def as_cpr(patron_id: str) -> Cpr | None:
    """The CPR a patron id is, if it is one."""
    try:
        return Cpr.parse(patron_id)
    except CprError:
        return None


def shown(patron_id: str) -> str:
    """What staff may read of a patron id: a CPR masked, a card number or FBS id as it is."""
    cpr = as_cpr(patron_id) if not patron_id.startswith(PSEUDONYM_PREFIX) else None
    return cpr.masked if cpr else patron_id


def patron_label(name: str, patron_id: str) -> str:
    """How a follow-up list names a patron: the name, and the id as staff may read it."""
    if patron_id.startswith(PSEUDONYM_PREFIX):
        return name
    return f"{name} ({shown(patron_id)})" if name else shown(patron_id)


@dataclass(frozen=True, slots=True)
class PatronIds:
    """Turns patron ids into what the ledger stores. ``key``: derive it with :meth:`from_secret`
    from the bon signing key; the empty key of tests still keeps the CPR out of the ledger."""

    key: bytes = b""

    @classmethod
    def from_secret(cls, secret: str | bytes) -> PatronIds:
        raw = secret.encode() if isinstance(secret, str) else secret
        return cls(hmac.new(raw, _DOMAIN, hashlib.sha256).digest())

    def stored(self, patron_id: str) -> str:
        """A CPR-shaped id as its pseudonym, anything else unchanged (idempotent)."""
        cpr = as_cpr(patron_id)
        if cpr is None:
            return patron_id
        digest = hmac.new(self.key, cpr.digits.encode(), hashlib.sha256).digest()[:20]
        return PSEUDONYM_PREFIX + base64.b32encode(digest).decode().lower()
