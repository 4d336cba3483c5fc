"""Staff accounts in the ledger: add, list, remove, reset a PIN, unlock, and log in.

One table for the whole database (``staff_accounts``), so on a fleet's PostgreSQL one account
works at every automat. What is stored:

- the PIN as an argon2id hash (argon2-cffi's ``PasswordHasher``) of the PIN keyed with the
  installation's secret (HMAC-SHA256), never the PIN: a PIN of four digits has only 10,000
  values, so a hash alone, however slow, falls to an offline search; the key (not in the
  database) makes a copy of the database useless for that;
- a staff card as an HMAC-SHA256 of what the scanner or card reader reads, with another key
  derived from the same secret: the value must be found again when the card is shown (so a keyed
  hash, not a salted one), and stored plain it would tell anyone with the database which barcode
  to print to become a member of staff (the PIN is still asked, but the card is half of it).

Five wrong PINs in a row lock the account for five minutes (:data:`MAX_FAILED_TRIES`,
:data:`LOCK_DURATION`; the issue's figures, constants rather than configuration). The PIN is
checked outside any transaction (argon2 takes a noticeable fraction of a second, and on SQLite a
transaction holds the write lock every coin needs); the outcome is then one atomic UPDATE that
counts the try (``failed_tries + 1``) only while the account is not locked, so tries made at once
at several automats are all counted and the fifth locks. Every login, failure, lock, refusal and
every change to an account is written to the audit log; a PIN never is.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Connection,
    Engine,
    and_,
    bindparam,
    case,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from kiosk.clock import Clock
from kiosk.config import ConfigError, KioskConfig
from kiosk.ledger.errors import ledger_write
from kiosk.ledger.models import StaffAccount
from kiosk.ledger.repository import write_audit
from kiosk.receipts import danish_datetime
from kiosk.staff.roles import Permission, Role, StaffUser, parse_roles, roles_text
from kiosk.staff.rules import (
    STAFF_NO,
    AccountInfo,
    Actor,
    LoginReason,
    LoginRefused,
    NotPermitted,
    StaffUsageError,
    check_name,
    check_pin,
    check_staff_no,
)

log = logging.getLogger(__name__)

MAX_FAILED_TRIES = 5
LOCK_DURATION = timedelta(minutes=5)
_T = StaffAccount.__table__
#: the account behind a login, read on every console request: one indexed read of the three
#: columns a user is made of (a statement built once: building it costs more than running it)
_ACTIVE = select(_T.c.staff_no, _T.c.name, _T.c.roles).where(
    _T.c.staff_no == bindparam("staff_no"), _T.c.removed_at.is_(None)
)


class StaffBook:
    """Staff accounts of one ledger, seen from one automat (``automat_id`` goes in the audit
    log). ``secret`` is the installation's secret (``[bons] signing_key``: the same on every
    automat sharing the database); PINs and cards are keyed with keys derived from it."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        automat_id: str,
        secret: str | bytes,
        *,
        hasher: PasswordHasher | None = None,
    ) -> None:
        raw = secret.encode() if isinstance(secret, str) else secret
        if len(raw) < 8:
            raise ValueError("the staff secret must be at least 8 bytes")
        self.engine = engine
        self.clock = clock
        self.automat_id = automat_id
        self.hasher = hasher or PasswordHasher()  # argon2id, RFC 9106's low-memory profile
        self._pin_key = hmac.new(raw, b"kiosk staff pin", hashlib.sha256).digest()
        self._card_key = hmac.new(raw, b"kiosk staff card", hashlib.sha256).digest()

    # -- keys -----------------------------------------------------------------------------------
    def _keyed_pin(self, pin: str) -> str:
        return hmac.new(self._pin_key, pin.encode(), hashlib.sha256).hexdigest()

    def card_hash(self, card_text: str) -> str | None:
        """The stored form of what a reader read (spaces around it ignored); None if empty."""
        text = card_text.strip()
        if not text:
            return None
        return hmac.new(self._card_key, text.encode(), hashlib.sha256).hexdigest()

    def _hash_pin(self, pin: str) -> str:
        return self.hasher.hash(self._keyed_pin(check_pin(pin)))

    def _pin_matches(self, pin_hash: str, pin: str) -> bool:
        try:
            return bool(self.hasher.verify(pin_hash, self._keyed_pin(pin)))
        except VerificationError:
            return False
        except InvalidHashError:
            log.error("a staff account's PIN hash is not an argon2 hash: reset its PIN")
            return False

    # -- reading --------------------------------------------------------------------------------
    def _row(self, *where: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(select(_T).where(*where)).first()

    def accounts(self, *, include_removed: bool = False) -> list[AccountInfo]:
        stmt = select(_T).order_by(_T.c.staff_no)
        if not include_removed:
            stmt = stmt.where(_T.c.removed_at.is_(None))
        now = self.clock.now()
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return [
            AccountInfo(
                r.staff_no,
                r.name,
                parse_roles(r.roles),
                r.card_hash is not None,
                r.failed_tries,
                r.locked_until if r.locked_until and r.locked_until > now else None,
                r.created_at,
                r.removed_at,
            )
            for r in rows
        ]

    def active_user(self, staff_no: str, conn: Connection | None = None) -> StaffUser | None:
        """The user behind an account that is not removed, with its roles as they are now (the
        console asks on every request, so a removed account or a changed role applies at once).
        ``conn``: read on the caller's connection (the console's request), else on one of its
        own."""
        if conn is None:
            with self.engine.connect() as own:
                return self.active_user(staff_no, own)
        row = conn.execute(_ACTIVE, {"staff_no": staff_no}).first()
        return None if row is None else _user(row)

    def has_administrator(self) -> bool:
        """Whether an account that may manage staff exists (``kiosk staff`` asks for one)."""
        return any(Role.ADMINISTRATOR in a.roles for a in self.accounts())

    def card_holder(self, card_text: str) -> str | None:
        """The staff number of the active account enrolled with this card, else None: what the
        attract screen asks before it offers the staff PIN instead of the citizen's."""
        digest = self.card_hash(card_text)
        if digest is None:
            return None
        row = self._row(_T.c.card_hash == digest, _T.c.removed_at.is_(None))
        return None if row is None else str(row.staff_no)

    # -- login ----------------------------------------------------------------------------------
    def login(self, staff_no: str, pin: str) -> StaffUser:
        """The user behind ``staff_no`` and ``pin``, or :class:`LoginRefused`."""
        number = staff_no.strip()
        row = self._row(_T.c.staff_no == number) if STAFF_NO.match(number) else None
        return self._login(row, pin, "number")

    def login_by_card(self, card_text: str, pin: str) -> StaffUser:
        """The user whose enrolled staff card was read, with their PIN."""
        digest = self.card_hash(card_text)
        row = None if digest is None else self._row(_T.c.card_hash == digest)
        return self._login(row, pin, "card")

    def _login(self, row: Any, pin: str, via: str) -> StaffUser:
        now = self.clock.now()
        if row is None:
            self._audit_login("unknown", "none", "staff_login_refused", reason="unknown", via=via)
            raise LoginRefused(LoginReason.UNKNOWN)
        user = _user(row)
        if row.removed_at is not None:
            self._refuse(user, LoginReason.REMOVED, via)
        if row.locked_until is not None and row.locked_until > now:
            self._refuse_locked(user, row.locked_until, via)
        if self._pin_matches(row.pin_hash, pin):
            return self._succeed(row, user, pin, via)
        return self._fail(row, user, via)

    def _unlocked(self, now: datetime) -> Any:
        return and_(
            _T.c.removed_at.is_(None), or_(_T.c.locked_until.is_(None), _T.c.locked_until <= now)
        )

    @ledger_write
    def _succeed(self, row: Any, user: StaffUser, pin: str, via: str) -> StaffUser:
        now = self.clock.now()
        values: dict[str, Any] = {"failed_tries": 0, "locked_until": None}
        if self.hasher.check_needs_rehash(row.pin_hash):  # stronger parameters since it was set
            values["pin_hash"] = self.hasher.hash(self._keyed_pin(pin))
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(_T)
                .where(_T.c.id == row.id, _T.c.pin_hash == row.pin_hash, self._unlocked(now))
                .values(**values)
            ).rowcount
            if changed == 1:
                self._audit(conn, user.staff_no, user.main_role, "staff_login", via=via,
                            roles=sorted(user.roles))
                return user
        # locked, removed or given a new PIN between the check and now: that decides
        fresh = self._row(_T.c.id == row.id)
        if fresh.removed_at is not None:
            self._refuse(user, LoginReason.REMOVED, via)
        if fresh.locked_until is not None and fresh.locked_until > now:
            self._refuse_locked(user, fresh.locked_until, via)
        self._refuse(user, LoginReason.WRONG_PIN, via)

    @ledger_write
    def _fail(self, row: Any, user: StaffUser, via: str) -> StaffUser:
        now = self.clock.now()
        tries = _T.c.failed_tries + 1
        locks = tries >= MAX_FAILED_TRIES
        with self.engine.begin() as conn:
            counted = conn.execute(
                update(_T)
                .where(_T.c.id == row.id, self._unlocked(now))
                .values(
                    failed_tries=case((locks, 0), else_=tries),
                    locked_until=case(
                        (locks, literal(now + LOCK_DURATION, _T.c.locked_until.type)), else_=None
                    ),
                )
                .returning(_T.c.failed_tries, _T.c.locked_until)
            ).first()
            if counted is not None:
                locked_until = counted.locked_until
                self._audit(conn, user.staff_no, user.main_role, "staff_login_failed",
                            reason="wrong_pin", via=via,
                            tries=MAX_FAILED_TRIES if locked_until else counted.failed_tries)
                if locked_until is not None:
                    self._audit(conn, user.staff_no, user.main_role, "staff_locked",
                                until=locked_until.isoformat(), via=via)
        if counted is None:  # locked (or removed) by another try meanwhile
            fresh = self._row(_T.c.id == row.id)
            if fresh.removed_at is not None:
                self._refuse(user, LoginReason.REMOVED, via)
            self._refuse_locked(user, fresh.locked_until, via)
        if counted.locked_until is not None:
            raise LoginRefused(LoginReason.LOCKED, self._minutes_left(counted.locked_until))
        raise LoginRefused(LoginReason.WRONG_PIN)

    def _minutes_left(self, until: datetime) -> int:
        return max(1, math.ceil((until - self.clock.now()).total_seconds() / 60))

    def _refuse(self, user: StaffUser, reason: LoginReason, via: str) -> NoReturn:
        self._audit_login(user.staff_no, user.main_role, "staff_login_refused",
                          reason=reason.value, via=via)
        raise LoginRefused(reason)

    def _refuse_locked(self, user: StaffUser, until: datetime, via: str) -> NoReturn:
        minutes = self._minutes_left(until)
        self._audit_login(user.staff_no, user.main_role, "staff_login_refused",
                          reason="locked", via=via, minutes_left=minutes)
        raise LoginRefused(LoginReason.LOCKED, minutes)

    @ledger_write
    def _audit_login(self, actor: str, role: str, action: str, **details: Any) -> None:
        with self.engine.begin() as conn:
            self._audit(conn, actor, role, action, **details)

    # -- administration -------------------------------------------------------------------------
    def _actor(self, by: StaffUser | Actor) -> Actor:
        if isinstance(by, Actor):
            return by
        if not by.may(Permission.MANAGE_STAFF):
            self._audit_login(by.staff_no, by.main_role, "staff_not_permitted",
                              permission=Permission.MANAGE_STAFF.value)
            raise NotPermitted(by, Permission.MANAGE_STAFF)
        return Actor(by.staff_no, Role.ADMINISTRATOR.value)

    @ledger_write
    def add(
        self,
        staff_no: str,
        name: str,
        roles: str | frozenset[Role] | list[str],
        pin: str,
        *,
        by: StaffUser | Actor,
        card: str | None = None,
    ) -> AccountInfo:
        """A new account; :class:`StaffUsageError` for a bad field or a number ever used."""
        actor = self._actor(by)
        number = check_staff_no(staff_no)
        clean_name = check_name(name)
        try:
            chosen = roles if isinstance(roles, frozenset) else parse_roles(roles)
        except ValueError as exc:
            raise StaffUsageError("roles", str(exc)) from None
        pin_hash = self._hash_pin(pin)
        card_digest = self.card_hash(card) if card is not None else None
        if card is not None and card_digest is None:
            raise StaffUsageError("card_empty", "Kortnummeret er tomt.")
        now = self.clock.now()
        try:
            with self.engine.begin() as conn:
                self._check_free(conn, number, card_digest)
                conn.execute(
                    insert(_T).values(
                        staff_no=number, name=clean_name, roles=roles_text(chosen),
                        pin_hash=pin_hash, card_hash=card_digest, failed_tries=0,
                        created_at=now, created_by=actor.id[:64],
                    )
                )
                self._audit(conn, actor.id, actor.role, "staff_added", staff_no=number,
                            name=clean_name, roles=roles_text(chosen),
                            card=card_digest is not None)
        except IntegrityError:  # taken by another automat between the check and the insert
            raise StaffUsageError(
                "staff_no_taken", f"Medarbejdernummer {number} eller kortet er allerede i brug."
            ) from None
        return next(a for a in self.accounts(include_removed=True) if a.staff_no == number)

    def _check_free(self, conn: Connection, number: str, card_digest: str | None) -> None:
        taken = conn.execute(select(_T.c.removed_at).where(_T.c.staff_no == number)).first()
        if taken is not None:
            removed = taken.removed_at
            raise StaffUsageError(
                "staff_no_taken",
                f"Medarbejdernummer {number} er allerede i brug."
                if removed is None
                else f"Medarbejdernummer {number} tilhørte en konto, der blev lukket "
                f"{danish_datetime(removed)}; et nummer genbruges ikke, så revisionsloggen altid"
                " peger på én person. Vælg et andet nummer.",
            )
        if card_digest is not None and conn.scalar(
            select(_T.c.staff_no).where(_T.c.card_hash == card_digest)
        ):
            raise StaffUsageError("card_taken", "Kortet er allerede knyttet til en anden konto.")

    def _active(self, conn: Connection, staff_no: str) -> Any:
        number = check_staff_no(staff_no)
        row = conn.execute(select(_T).where(_T.c.staff_no == number).with_for_update()).first()
        if row is None:
            raise StaffUsageError("unknown", f"Der er ingen medarbejder med nummer {number}.")
        if row.removed_at is not None:
            raise StaffUsageError(
                "removed",
                f"Medarbejder {number} blev lukket {danish_datetime(row.removed_at)}.",
            )
        return row

    @ledger_write
    def remove(self, staff_no: str, *, by: StaffUser | Actor) -> None:
        """Close an account: it can no longer log in; its row and audit entries stay. The last
        administrator cannot be removed (nobody could manage staff any more), nor can a logged-in
        administrator remove their own account (another administrator must)."""
        actor = self._actor(by)
        now = self.clock.now()
        with self.engine.begin() as conn:
            # every administrator's row locked first, in one order: two administrators closing
            # each other's accounts at once would otherwise each count two and leave none
            # (PostgreSQL re-reads a row a concurrent removal changed and drops it from the list)
            admins = conn.execute(
                select(_T.c.id)
                .where(_T.c.removed_at.is_(None), _T.c.roles.contains(Role.ADMINISTRATOR.value))
                .order_by(_T.c.id)
                .with_for_update()
            ).all()
            row = self._active(conn, staff_no)
            if Role.ADMINISTRATOR in parse_roles(row.roles) and len(admins) <= 1:
                raise StaffUsageError(
                    "last_administrator",
                    f"Medarbejder {row.staff_no} er den sidste administrator og kan ikke"
                    " lukkes; opret først en anden administrator.",
                )
            if isinstance(by, StaffUser) and by.staff_no == row.staff_no:
                raise StaffUsageError(
                    "self",
                    f"Medarbejder {row.staff_no} kan ikke lukke sin egen konto; bed en anden"
                    " administrator om det.",
                )
            conn.execute(
                update(_T).where(_T.c.id == row.id)
                .values(removed_at=now, removed_by=actor.id[:64], card_hash=None)
            )
            self._audit(conn, actor.id, actor.role, "staff_removed", staff_no=row.staff_no)

    @ledger_write
    def reset_pin(self, staff_no: str, pin: str, *, by: StaffUser | Actor) -> None:
        """A new PIN; it also lifts a lock and forgets the wrong tries."""
        actor = self._actor(by)
        pin_hash = self._hash_pin(pin)
        with self.engine.begin() as conn:
            row = self._active(conn, staff_no)
            conn.execute(
                update(_T).where(_T.c.id == row.id)
                .values(pin_hash=pin_hash, failed_tries=0, locked_until=None)
            )
            self._audit(conn, actor.id, actor.role, "staff_pin_reset", staff_no=row.staff_no)

    @ledger_write
    def set_card(self, staff_no: str, card: str | None, *, by: StaffUser | Actor) -> None:
        """Enrol a (new) staff card for the account, or with None forget its card."""
        actor = self._actor(by)
        digest = None if card is None else self.card_hash(card)
        if card is not None and digest is None:
            raise StaffUsageError("card_empty", "Kortnummeret er tomt.")
        try:
            with self.engine.begin() as conn:
                row = self._active(conn, staff_no)
                if digest is not None and conn.scalar(
                    select(_T.c.staff_no).where(_T.c.card_hash == digest, _T.c.id != row.id)
                ):
                    raise StaffUsageError(
                        "card_taken", "Kortet er allerede knyttet til en anden konto."
                    )
                conn.execute(update(_T).where(_T.c.id == row.id).values(card_hash=digest))
                self._audit(conn, actor.id, actor.role,
                            "staff_card_set" if digest else "staff_card_cleared",
                            staff_no=row.staff_no)
        except IntegrityError:
            raise StaffUsageError(
                "card_taken", "Kortet er allerede knyttet til en anden konto."
            ) from None

    @ledger_write
    def unlock(self, staff_no: str, *, by: StaffUser | Actor) -> bool:
        """Lift a lock and forget the wrong tries; True if the account was locked."""
        actor = self._actor(by)
        now = self.clock.now()
        with self.engine.begin() as conn:
            row = self._active(conn, staff_no)
            was_locked = row.locked_until is not None and row.locked_until > now
            conn.execute(
                update(_T).where(_T.c.id == row.id).values(failed_tries=0, locked_until=None)
            )
            self._audit(conn, actor.id, actor.role, "staff_unlocked", staff_no=row.staff_no,
                        was_locked=was_locked)
        return was_locked

    # -- helpers --------------------------------------------------------------------------------
    def _audit(self, conn: Connection, actor: str, role: str, action: str, **details: Any) -> None:
        write_audit(conn, at=self.clock.now(), automat_id=self.automat_id, actor=actor,
                    role=str(role), action=action, details=details)


def _user(row: Any) -> StaffUser:
    return StaffUser(str(row.staff_no), str(row.name), parse_roles(row.roles))


def staff_book_for(config: KioskConfig, engine: Engine, clock: Clock) -> StaffBook:
    """The installation's staff accounts: PINs and cards keyed with ``[bons] signing_key``, the
    one secret every automat sharing the database already has (and must share for this)."""
    try:
        return StaffBook(engine, clock, config.automat.id, config.bons.signing_key.get())
    except ValueError as exc:  # never the key itself in the message
        raise ConfigError(config.source or Path("?"), "bons.signing_key", str(exc)) from None
