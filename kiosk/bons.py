"""Bons: cash vouchers issued by staff (cash taken at the desk) or by the automat (credit).

A bon is a row in the ledger (the authority on amount and state) and a slip the citizen carries.
The slip has two ways back in:

- a QR payload ``BON1.<id>.<amount_ore>.<expiry unix>.<signature>``, signed with HMAC-SHA256 and
  the installation's key, so an altered or made-up slip is refused before the database is asked;
- a short code of ten Crockford base32 characters (nine random, one check character) that a
  citizen can type; a typo is caught by the check character, and the code is looked up in the
  ledger (it is random, so it is as good as the bon itself: treat the slip like cash;
  :mod:`kiosk.bon_codes`).

Redemption happens exactly once across a fleet sharing one database: a conditional
``UPDATE bons SET state='redeemed' WHERE id=? AND state='issued'`` and the bon's tender row are
one transaction, and only the writer whose update changed a row goes on. Every refusal carries a
citizen-readable reason code and changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from kiosk.bon_codes import new_short_code, normalise_short_code
from kiosk.clock import LOCAL_TIME, Clock
from kiosk.config import ConfigError, KioskConfig
from kiosk.config.model import DEFAULT_MAX_AMOUNT
from kiosk.ledger.errors import LedgerError, ledger_write
from kiosk.ledger.models import BON_REASONS, Bon, Tender
from kiosk.ledger.repository import write_audit
from kiosk.ledger.transitions import BON, move
from kiosk.money import Money
from kiosk.receipts import BonData, danish_datetime

PAYLOAD_VERSION = "BON1"
_SIG_BYTES = 20  # 160 bits of HMAC-SHA256, 32 base32 characters
_PAYLOAD = re.compile(
    r"^BON1\.(?P<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    r"\.(?P<amount>[1-9][0-9]{0,11})\.(?P<expiry>[0-9]{1,12})\.(?P<sig>[A-Z2-7]{32})$"
)
#: the reason on the slip, in the citizen's words
REASON_TEXT = {
    "desk_cash": "Betalt kontant i skranken",
    "automat_credit": "Tilgode fra automaten",
    "remainder": "Rest af en bon",
}


class BonReason(StrEnum):
    """Why a bon was refused, as a message key the UI shows in plain words."""

    FORGED = "bon_forged"  # the signature does not match: altered or made up
    EXPIRED = "bon_expired"
    VOIDED = "bon_voided"
    USED = "bon_used"  # already redeemed (here or at another automat)
    UNKNOWN = "bon_unknown"  # not a bon we know (or a mistyped code)


class BonError(Exception):
    """A bon was refused; nothing was changed. ``reason`` is the UI's message key, ``detail`` the
    log's words; what staff are told (:mod:`kiosk.bon_words`) is built from the facts: ``at``
    (when it was used or voided, UTC), ``by`` (who voided it) and ``valid_through`` (its last
    valid Danish day)."""

    def __init__(
        self,
        reason: BonReason,
        detail: str = "",
        *,
        at: datetime | None = None,
        by: str = "",
        valid_through: date | None = None,
    ) -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason.value
        self.detail = detail
        self.at = at
        self.by = by
        self.valid_through = valid_through


class BonUsageError(ValueError):
    """A bon cannot be issued or voided as asked (bad amount, unknown reason, not issued)."""


class BonAmountRefused(BonUsageError):
    """Staff asked for a bon of 0 kr. or above ``[bons] max_amount``; nothing was issued.
    ``str()`` is the Danish sentence staff read, ``reason`` the screen's key."""

    def __init__(self, reason: str, message: str, maximum: Money) -> None:
        super().__init__(message)
        self.reason = reason
        self.maximum = maximum


@dataclass(frozen=True, slots=True)
class BonTicket:
    """What a printer layout needs to print a bon slip."""

    id: str
    short_code: str
    qr_payload: str
    amount: Money
    issued_at: datetime
    expires_at: datetime
    issuer: str
    reason: str
    state: str = "issued"

    @property
    def short_code_display(self) -> str:
        """``ABCDE-FGHJK``: easier to read off a slip and to type."""
        return f"{self.short_code[:5]}-{self.short_code[5:]}"

    @property
    def valid_through(self) -> date:
        """The last day the bon can pay (printed as "gyldig til og med")."""
        return last_valid_day(self.expires_at)

    def print_data(self, library_name: str = "") -> BonData:
        """The slip's content for :func:`kiosk.receipts.render_bon`."""
        return BonData(
            amount=self.amount,
            short_code=self.short_code_display,
            qr_payload=self.qr_payload,
            issued_at=self.issued_at,
            expires=self.valid_through,
            issuer=self.issuer,
            reason=REASON_TEXT.get(self.reason, self.reason),
            library_name=library_name,
        )


#: a bon that can no longer pay, as staff read its state (one that can is ``outstanding``)
_STATUS = {BonReason.USED: "redeemed", BonReason.VOIDED: "voided", BonReason.EXPIRED: "expired"}


@dataclass(frozen=True, slots=True)
class BonLookup:
    """A bon as staff see it after scanning its slip; ``refusal`` says why it can no longer pay
    (used, voided, expired: when, by whom), ``None`` while it can."""

    ticket: BonTicket
    refusal: BonError | None = None

    @property
    def status(self) -> str:
        """``outstanding``, ``redeemed``, ``voided`` or ``expired``."""
        return _STATUS[BonReason(self.refusal.reason)] if self.refusal else "outstanding"


def looks_like_bon(text: str) -> bool:
    """A scan that means to be a bon's QR (``BON1…``), genuine, forged or misread: never a card
    number, whatever it says after the prefix."""
    return text.strip().upper().startswith(PAYLOAD_VERSION)


def last_valid_day(expires_at: datetime) -> date:
    """The Danish day before the moment a bon expires (local midnight): the slip's "gyldig til og
    med". Not ``expires_at``'s own date, which is the next day in Denmark, or in UTC the same."""
    return (expires_at.astimezone(LOCAL_TIME) - timedelta(microseconds=1)).date()


def expiry_after(issued_at: datetime, validity: timedelta) -> datetime:
    """Local midnight after the last valid day: a bon never expires in the middle of a day."""
    last_day = (issued_at.astimezone(LOCAL_TIME) + validity).date()
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=LOCAL_TIME).astimezone(
        UTC
    )


# -- signed payloads -------------------------------------------------------------------------------
class BonSigner:
    """Signs and verifies QR payloads with the installation's key (never logged)."""

    def __init__(self, key: str | bytes) -> None:
        raw = key.encode() if isinstance(key, str) else key
        # only a floor against a toy key handed in by code: the installation's rule (at least
        # 32 bytes, kiosk.config.model.MIN_SIGNING_KEY_BYTES) is checked when the file loads
        if len(raw) < 8:
            raise BonUsageError("the bon signing key must be at least 8 bytes")
        self._key = raw

    def _sig(self, body: str) -> str:
        digest = hmac.new(self._key, body.encode("ascii"), hashlib.sha256).digest()
        return base64.b32encode(digest[:_SIG_BYTES]).decode("ascii")

    def payload(self, bon_id: str, amount_ore: int, expires_at: datetime) -> str:
        body = f"{PAYLOAD_VERSION}.{bon_id}.{amount_ore}.{int(expires_at.timestamp())}"
        return f"{body}.{self._sig(body)}"

    def verify(self, payload: str) -> tuple[str, int, int]:
        """(bon id, amount øre, expiry unix) of a genuine payload; else :class:`BonError`."""
        text = payload.strip()
        match = _PAYLOAD.match(text)
        if match is None:
            if text.upper().startswith(PAYLOAD_VERSION + "."):
                raise BonError(BonReason.FORGED, "malformed bon payload")
            raise BonError(BonReason.UNKNOWN, "not a bon")
        body = text.rsplit(".", 1)[0]
        if not hmac.compare_digest(self._sig(body), match["sig"]):
            raise BonError(BonReason.FORGED, "signature does not match")
        return match["id"], int(match["amount"]), int(match["expiry"])


# -- the ledger side -------------------------------------------------------------------------------
_BONS = Bon.__table__


class BonBook:
    """Issue, verify, redeem, void and list bons. Implements the journal's ``BonIssuer`` and the
    session's ``BonRedeemer``."""

    def __init__(
        self,
        engine: Engine,
        signer: BonSigner,
        clock: Clock,
        automat_id: str,
        validity: timedelta = timedelta(days=90),
        max_amount: Money = DEFAULT_MAX_AMOUNT,
    ) -> None:
        self.engine = engine
        self.signer = signer
        self.clock = clock
        self.automat_id = automat_id
        self.validity = validity
        #: the most one bon issued by staff may be worth (``[bons] max_amount``)
        self.max_amount = max_amount

    # -- issue ----------------------------------------------------------------------------------
    def issue_in(
        self,
        conn: Connection,
        amount: Money,
        reason: str,
        issuer: str,
        origin_session_id: str | None,
    ) -> BonTicket:
        """Insert a bon inside the caller's transaction (settlement, credit) and return its
        ticket; it exists exactly when that transaction commits."""
        if not isinstance(amount, Money) or amount.ore <= 0:
            raise BonUsageError(f"a bon must be a positive amount, got {amount!r}")
        if reason not in BON_REASONS:
            raise BonUsageError(f"unknown bon reason {reason!r}; one of {BON_REASONS}")
        if not issuer or len(issuer) > 64:
            raise BonUsageError("a bon needs an issuer of at most 64 characters")
        now = self.clock.now()
        bon_id = str(uuid.uuid4())
        expires_at = expiry_after(now, self.validity)
        short_code = self._free_short_code(conn)
        conn.execute(
            insert(_BONS).values(
                id=bon_id,
                short_code=short_code,
                amount_ore=amount.ore,
                reason=reason,
                state="issued",
                issuer=issuer,
                issued_at=now,
                expires_at=expires_at,
                origin_session_id=origin_session_id,
            )
        )
        return BonTicket(
            bon_id,
            short_code,
            self.signer.payload(bon_id, amount.ore, expires_at),
            amount,
            now,
            expires_at,
            issuer,
            reason,
        )

    @staticmethod
    def _free_short_code(conn: Connection) -> str:
        for _ in range(8):
            code = new_short_code()
            if conn.scalar(select(_BONS.c.id).where(_BONS.c.short_code == code)) is None:
                return code
        raise RuntimeError("no free bon short code after 8 tries")  # 2^45 codes: not expected

    def check_amount(self, amount: Money) -> Money:
        """``amount`` if staff may issue a bon of it: above 0 and at most ``max_amount``."""
        if not isinstance(amount, Money):
            raise BonUsageError(f"a bon must be an amount of money, got {amount!r}")
        if amount.ore <= 0:
            raise BonAmountRefused(
                "bon_amount_zero", "En bon skal være på mere end 0,00 kr.", self.max_amount
            )
        if amount > self.max_amount:
            raise BonAmountRefused(
                "bon_amount_over_max",
                f"En bon kan højst være på {self.max_amount} ({amount} er for meget).",
                self.max_amount,
            )
        return amount

    @ledger_write
    def issue(
        self,
        amount: Money,
        issuer: str,
        reason: str = "desk_cash",
        *,
        role: str = "staff",
        note: str = "",
    ) -> BonTicket:
        """Staff issue a bon (cash taken at the desk), at most ``max_amount``; audit-logged in
        the same transaction with the issuer's ``role`` and their ``note`` (why)."""
        self.check_amount(amount)
        more = {"note": note} if note else {}
        with self.engine.begin() as conn:
            ticket = self.issue_in(conn, amount, reason, issuer, None)
            self._audit(conn, issuer, "bon_issued", ticket.id, ticket.amount.ore, role=role,
                        reason=reason, **more)
        return ticket

    # -- look up and verify ---------------------------------------------------------------------
    def _find(self, conn: Connection, payload: str) -> Any:
        """The bon row for a QR payload or a typed short code; :class:`BonError` if none."""
        text = payload.strip()
        if text.upper().startswith(PAYLOAD_VERSION + "."):
            bon_id, amount_ore, expiry = self.signer.verify(text)
            row = conn.execute(select(_BONS).where(_BONS.c.id == bon_id)).first()
            if row is None:
                raise BonError(BonReason.UNKNOWN, "no such bon in the ledger")
            if row.amount_ore != amount_ore or int(row.expires_at.timestamp()) != expiry:
                raise BonError(BonReason.FORGED, "payload does not match the ledger")
            return row
        code = normalise_short_code(text)
        if code is None:
            raise BonError(BonReason.UNKNOWN, "not a bon code")
        row = conn.execute(select(_BONS).where(_BONS.c.short_code == code)).first()
        if row is None:
            raise BonError(BonReason.UNKNOWN, "no bon with this code")
        return row

    def _refusal(self, row: Any) -> BonError | None:
        if row.state == "redeemed":
            when = row.redeemed_at
            return BonError(BonReason.USED, f"redeemed {danish_datetime(when)}", at=when)
        if row.state == "voided":
            return BonError(BonReason.VOIDED, at=row.voided_at, by=row.voided_by or "")
        if self.clock.now() >= row.expires_at:
            last = last_valid_day(row.expires_at)
            return BonError(BonReason.EXPIRED, f"valid through {last:%d.%m.%Y}", valid_through=last)
        return None

    def verify(self, payload: str) -> BonTicket:
        """What a bon is worth now, without redeeming it; :class:`BonError` if it cannot pay."""
        with self.engine.connect() as conn:
            return self._usable(self._find(conn, payload))

    def look_up(self, payload: str) -> BonLookup:
        """A bon in whatever state, by its QR payload or short code, for staff to see; only a
        forged or unknown one is :class:`BonError`. Reads; changes nothing."""
        with self.engine.connect() as conn:
            row = self._find(conn, payload)
        return BonLookup(self._ticket(row), self._refusal(row))

    def outstanding_ticket(self, bon_id: str) -> BonTicket:
        """A bon that can still pay, by its id (its slip shown again); else :class:`BonError`."""
        with self.engine.connect() as conn:
            row = conn.execute(select(_BONS).where(_BONS.c.id == bon_id)).first()
        if row is None:
            raise BonError(BonReason.UNKNOWN, "no such bon in the ledger")
        return self._usable(row)

    def _usable(self, row: Any) -> BonTicket:
        refusal = self._refusal(row)
        if refusal is not None:
            raise refusal
        return self._ticket(row)

    # -- redeem ---------------------------------------------------------------------------------
    @ledger_write
    def redeem_into_session(self, payload: str, session_id: str) -> Money:
        """Redeem a bon exactly once and record its full value as a tender of the session, in one
        transaction. More than is due becomes a ``remainder`` bon when the session settles."""
        now = self.clock.now()
        with self.engine.begin() as conn:
            row = self._find(conn, payload)
            refusal = self._refusal(row)
            if refusal is not None:
                raise refusal
            if row.origin_session_id == session_id:
                raise BonError(BonReason.USED, "credit of this very session")
            try:  # "already redeemed" is not a repeat here: it was issued when we read it
                if not move(conn, BON, row.id, "redeemed", when=_BONS.c.expires_at > now,
                            redeemed_session_id=session_id, redeemed_at=now):
                    raise LedgerError("redeemed meanwhile")
            except LedgerError:
                # another automat redeemed (or staff voided) it between our read and our update
                fresh = conn.execute(select(_BONS).where(_BONS.c.id == row.id)).one()
                raise self._refusal(fresh) or BonError(BonReason.USED) from None
            conn.execute(
                insert(Tender).values(
                    session_id=session_id,
                    kind="bon",
                    state="received",
                    amount_ore=row.amount_ore,
                    device=self.automat_id,
                    reference=row.id,
                    created_at=now,
                )
            )
        return Money(int(row.amount_ore))

    # -- void and list --------------------------------------------------------------------------
    @ledger_write
    def void(self, payload: str, staff: str, why: str = "", *, role: str = "staff") -> BonTicket:
        """Staff cancel an issued bon (lost slip, cash paid back at the desk); audit-logged."""
        if not staff:
            raise BonUsageError("voiding a bon needs the staff member's id")
        now = self.clock.now()
        with self.engine.begin() as conn:
            row = self._find(conn, payload)
            if row.state != "issued":
                raise self._refusal(row) or BonError(BonReason.USED)
            try:
                if not move(conn, BON, row.id, "voided", voided_at=now, voided_by=staff[:64]):
                    raise LedgerError("voided meanwhile")
            except LedgerError:
                fresh = conn.execute(select(_BONS).where(_BONS.c.id == row.id)).one()
                raise self._refusal(fresh) or BonError(BonReason.USED) from None
            self._audit(conn, staff, "bon_voided", row.id, row.amount_ore, role=role, why=why)
            fresh = conn.execute(select(_BONS).where(_BONS.c.id == row.id)).one()
        return self._ticket(fresh)

    def outstanding(self, *, include_expired: bool = False) -> list[BonTicket]:
        """Issued bons not yet redeemed or voided (by default only those still valid)."""
        stmt = select(_BONS).where(_BONS.c.state == "issued")
        if not include_expired:
            stmt = stmt.where(_BONS.c.expires_at > self.clock.now())
        with self.engine.connect() as conn:
            rows = conn.execute(stmt.order_by(_BONS.c.issued_at, _BONS.c.id)).all()
        return [self._ticket(r) for r in rows]

    # -- helpers --------------------------------------------------------------------------------
    def _ticket(self, row: Any) -> BonTicket:
        return BonTicket(
            row.id,
            row.short_code,
            self.signer.payload(row.id, int(row.amount_ore), row.expires_at),
            Money(int(row.amount_ore)),
            row.issued_at,
            row.expires_at,
            row.issuer,
            row.reason,
            row.state,
        )

    def _audit(
        self,
        conn: Connection,
        actor: str,
        action: str,
        bon_id: str,
        amount_ore: int,
        *,
        role: str,
        **more: Any,
    ) -> None:
        write_audit(
            conn, self.clock.now(), self.automat_id, actor, role, action,
            {"bon_id": bon_id, "amount_ore": int(amount_ore), **more},
        )


def bon_book_for(config: KioskConfig, engine: Engine, clock: Clock) -> BonBook:
    """The installation's bon book: its signing key and validity from ``[bons]``."""
    try:
        signer = BonSigner(config.bons.signing_key.get())
    except BonUsageError as exc:  # never the key itself in the message
        raise ConfigError(config.source or Path("?"), "bons.signing_key", str(exc)) from None
    return BonBook(
        engine,
        signer,
        clock,
        config.automat.id,
        timedelta(days=config.bons.validity_days),
        config.bons.max_amount,
    )
