"""The durable ledger: every money event is a row, written before the UI acknowledges it.

Amounts are integer øre in ``BigInteger`` columns. States are plain strings checked by the state
tables in the code that moves them (``kiosk.payment``, ``kiosk.debtor``, ``kiosk.bons``); the
database keeps them honest with CHECK constraints so a bad write fails loudly.

Per session: received (tenders) = settled (allocations) + credited (bons issued from the session)
+ refunded (refunds). ``kiosk audit`` checks this.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite keeps no time zone: store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("ledger times must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, datetime: UtcDateTime()}


SESSION_STATES = (
    "idle",
    "identifying",
    "pin",
    "loading_claims",
    "claims",
    "choosing_tender",
    "paying",
    "settling",
    "receipt",
    "done",
    "cancelled",
    "timed_out",
    "recovered",
)
TERMINAL_SESSION_STATES = ("done", "cancelled", "timed_out", "recovered")


class CitizenSession(Base):
    """One citizen at the automat, from identification to receipt (no CPR stored here)."""

    __tablename__ = "citizen_sessions"
    __table_args__ = (
        CheckConstraint(_in("state", SESSION_STATES), name="state"),
        Index("ix_citizen_sessions_automat_started", "automat_id", "started_at"),  # reports
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: found by the reports' (automat_id, started_at) index (migration 0013 dropped its own)
    automat_id: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(24))
    patron_id: Mapped[str | None] = mapped_column(String(64))
    #: selection committed: the claims and amount the money goes to are fixed
    selection_committed: Mapped[bool] = mapped_column(default=False)
    #: the committed payment plan (kiosk.payment.plan); holds the CPR only while the session
    #: runs and only when debtor claims are paid
    plan: Mapped[dict[str, Any] | None]
    #: printed on the receipt; the base of the session's idempotency keys
    transaction_ref: Mapped[str | None] = mapped_column(String(24), unique=True)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(200))


TENDER_KINDS = ("coin", "note", "card", "bon")
TENDER_STATES = ("received", "pending", "outcome_unknown", "declined", "reversed")


class Tender(Base):
    """Money offered by the citizen: one row per coin, note, card approval or bon use."""

    __tablename__ = "tenders"
    __table_args__ = (
        CheckConstraint(_in("kind", TENDER_KINDS), name="kind"),
        CheckConstraint(_in("state", TENDER_STATES), name="state"),
        CheckConstraint("amount_ore >= 0", name="amount"),
        Index("ix_tenders_created_at", "created_at"),  # reports: money by when it came
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("citizen_sessions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16), default="received")
    amount_ore: Mapped[int] = mapped_column(BigInteger)
    denomination_ore: Mapped[int | None] = mapped_column(BigInteger)
    device: Mapped[str | None] = mapped_column(String(32))
    #: terminal transaction reference, bon id, device event counter …
    reference: Mapped[str | None] = mapped_column(String(64))
    receipt_text: Mapped[str | None] = mapped_column(Text)
    #: pending card payments: the driver's token for resolving a lost outcome after a restart
    resolve_token: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]


#: technician_test: a coin or note a technician put in to test the acceptors (migration 0010)
ALLOCATION_KINDS = ("claim", "cash_rounding", "technician_test")


class Allocation(Base):
    """Money settled against one claim (or the cash-rounding difference of a session, or a
    technician's test coin or note: ``kiosk.staff.device_tests``)."""

    __tablename__ = "allocations"
    __table_args__ = (
        CheckConstraint(_in("kind", ALLOCATION_KINDS), name="kind"),
        CheckConstraint(_in("payable_in", ("fbs", "debtor", "none")), name="payable_in"),
        UniqueConstraint("session_id", "claim_id", name="uq_allocations_session_claim"),
        Index("ix_allocations_created_at", "created_at"),  # reports
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("citizen_sessions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="claim")
    claim_id: Mapped[str | None] = mapped_column(String(64), index=True)
    claim_kind: Mapped[str | None] = mapped_column(String(16))
    payable_in: Mapped[str] = mapped_column(String(8))
    amount_ore: Mapped[int] = mapped_column(BigInteger)  # may be negative for cash rounding
    patron_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


OUTBOX_KINDS = ("fbs_registration", "debtor_item")
OUTBOX_STATES = ("pending", "done", "refused", "exported", "parked", "closed")
#: an FBS registration on the staff follow-up list: refused (still retried), parked (retries
#: stopped after ``[fbs] refused_retry_days``), closed (a person handled it; never sent again)
FOLLOW_UP_STATES = ("refused", "parked", "closed")


class OutboxItem(Base):
    """Work that must reach FBS or the debtor system, written with the money it belongs to.

    ``refused`` (FBS said no, e.g. at year end) keeps retrying on a schedule and shows on the
    staff follow-up list; after ``[fbs] refused_retry_days`` it is ``parked`` (no more retries)
    until a person closes it (``closed``: who, when, what was done). The money stays allocated
    to the claim throughout (see ``kiosk.followup``).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(_in("kind", OUTBOX_KINDS), name="kind"),
        CheckConstraint(_in("state", OUTBOX_STATES), name="state"),
        CheckConstraint(
            "(state IN ('done', 'exported')) = (done_at IS NOT NULL)", name="done_at_matches_state"
        ),
        CheckConstraint(
            "(state = 'closed') = (closed_at IS NOT NULL)", name="closed_at_matches_state"
        ),
        Index("ix_outbox_state_next", "state", "next_attempt_at"),
        Index("ix_outbox_kind_created", "kind", "created_at"),  # reports
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("citizen_sessions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(12), default="pending")
    amount_ore: Mapped[int] = mapped_column(BigInteger)
    #: FBS: patron id and fee ids; debtor: CPR, claim type, claim ref, method … (CPR only here,
    #: cleared once the retention period has passed)
    payload: Mapped[dict[str, Any]]
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("export_batches.id"), index=True)
    #: FBS registrations: who is sending it now, and until when (see kiosk.payment.outbox)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    #: closed by hand (migration 0009): when, by whom (staff number, role), what was done
    #: (``kiosk.followup.CLOSE_OUTCOMES``) and the person's note
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_role: Mapped[str | None] = mapped_column(String(16))
    close_outcome: Mapped[str | None] = mapped_column(String(24))
    close_note: Mapped[str | None] = mapped_column(Text)


BON_STATES = ("issued", "redeemed", "voided")
BON_REASONS = ("desk_cash", "automat_credit", "remainder")


class Bon(Base):
    """A cash voucher: issued by staff for cash taken at the desk, or by the automat as credit."""

    __tablename__ = "bons"
    __table_args__ = (
        CheckConstraint(_in("state", BON_STATES), name="state"),
        CheckConstraint(_in("reason", BON_REASONS), name="reason"),
        CheckConstraint("amount_ore > 0", name="amount"),
        Index("ix_bons_issued_at", "issued_at"),  # reports
        Index("ix_bons_redeemed_at", "redeemed_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    short_code: Mapped[str] = mapped_column(String(16), unique=True)
    amount_ore: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(10), default="issued")
    issuer: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    #: the session whose money became this bon (credit, remainder): counts as "credited" there
    origin_session_id: Mapped[str | None] = mapped_column(
        ForeignKey("citizen_sessions.id"), index=True
    )
    redeemed_session_id: Mapped[str | None] = mapped_column(ForeignKey("citizen_sessions.id"))
    redeemed_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]
    voided_by: Mapped[str | None] = mapped_column(String(64))


class Refund(Base):
    """Money given back within a session (a card reversal)."""

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("citizen_sessions.id"), index=True)
    tender_id: Mapped[int | None] = mapped_column(ForeignKey("tenders.id"))
    amount_ore: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


class CashInventory(Base):
    """What each cash box holds since it was last emptied, per denomination: every coin or note
    credited adds one in its tender's transaction; an emptying subtracts what it read (see
    ``kiosk.cashbox``), so the history is in ``cash_box_emptyings``."""

    __tablename__ = "cash_inventory"
    __table_args__ = (UniqueConstraint("automat_id", "device", "denomination_ore"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    automat_id: Mapped[str] = mapped_column(String(32))
    device: Mapped[str] = mapped_column(String(32))
    denomination_ore: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class CashBoxEmptying(Base):
    """A technician emptied a cash box: what the ledger said was in it at that moment
    (``expected``), what the person counted, and the difference (counted − expected, øre).
    ``expected``/``counted``: {"<denomination øre>": pieces}."""

    __tablename__ = "cash_box_emptyings"
    __table_args__ = (
        CheckConstraint("expected_ore >= 0 AND counted_ore >= 0", name="amounts"),
        CheckConstraint("difference_ore = counted_ore - expected_ore", name="difference"),
        Index("ix_cash_box_emptyings_automat_at", "automat_id", "emptied_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    automat_id: Mapped[str] = mapped_column(String(32))
    device: Mapped[str] = mapped_column(String(32))
    expected: Mapped[dict[str, Any]]
    expected_ore: Mapped[int] = mapped_column(BigInteger)
    counted: Mapped[dict[str, Any]]
    counted_ore: Mapped[int] = mapped_column(BigInteger)
    difference_ore: Mapped[int] = mapped_column(BigInteger)
    emptied_by: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    emptied_at: Mapped[datetime]


BATCH_STATES = ("writing", "written", "delivered")


class ExportBatch(Base):
    """One debtor import file. Its sequence number is gap-free per automat."""

    __tablename__ = "export_batches"
    __table_args__ = (
        CheckConstraint(_in("state", BATCH_STATES), name="state"),
        UniqueConstraint("automat_id", "sequence", name="uq_export_batches_automat_sequence"),
        Index("ix_export_batches_automat_created", "automat_id", "created_at"),  # reports
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    automat_id: Mapped[str] = mapped_column(String(32))
    sequence: Mapped[int] = mapped_column(Integer)
    profile: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(10), default="writing")
    item_count: Mapped[int] = mapped_column(default=0)
    total_ore: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    #: state ``written`` and the complete file is at the target under its temporary name
    staged_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]


class DevicePosition(Base):
    """The newest event of a cash acceptor the ledger has recorded, as the device named it
    (``Credit.event_ref`` / ``Progress.event_ref``): handed back to the driver at start-up."""

    __tablename__ = "device_positions"

    automat_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    device: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_ref: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]
    #: the automat stopped with every event of the device up to ``event_ref`` recorded
    stopped_cleanly: Mapped[bool] = mapped_column(default=False, server_default=false())


class PurgedFigure(Base):
    """What the retention purge deleted of an automat's sessions and payments, by figure
    (``sessions``, ``payments``, ``payments_ore``) and key (a session's end state, a payment
    method): the metrics' counters add it, so they never go down (``kiosk.ledger.tallies``)."""

    __tablename__ = "purged_figures"

    automat_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class AutomatHeartbeat(Base):
    """The last word of each automat on this ledger: its health when it wrote, one row per
    automat, overwritten every ``[heartbeat] interval_s`` (``kiosk.heartbeat``). Read by the
    fleet console; what the row says is a copy of figures whose truth is elsewhere (the ledger's
    own tables, the drivers), so nothing else reads it back."""

    __tablename__ = "automat_heartbeats"

    automat_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    written_at: Mapped[datetime]
    #: when this run of the automat started (the software's start, before recovery)
    started_at: Mapped[datetime]
    #: the writer's interval: three of them without a heartbeat and the automat is stale
    interval_s: Mapped[int] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(32))
    #: the last heartbeat of a clean stop
    stopped: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: ``kiosk.service``: whether it could take a payment, and why not in one line
    in_service: Mapped[bool]
    reason: Mapped[str] = mapped_column(Text, default="")
    #: the device-backed payment methods that worked (card, cash)
    payment_methods: Mapped[list[str]] = mapped_column(JSON)
    #: each device by name: {"health": ok|degraded|down} and, for the printer, "paper"
    devices: Mapped[dict[str, Any]]
    fbs_ok: Mapped[bool]
    #: how long the last FBS call took (None: none yet)
    fbs_round_trip_ms: Mapped[int | None] = mapped_column(Integer)
    #: FBS registrations not sent yet, and the oldest one's payment time
    fbs_outbox_pending: Mapped[int] = mapped_column(Integer)
    fbs_oldest_pending: Mapped[datetime | None]
    #: FBS registrations FBS refused, waiting on the follow-up list
    fbs_follow_up: Mapped[int] = mapped_column(Integer)
    #: debtor items in no delivered file yet, and the oldest one's payment time
    debtor_pending: Mapped[int] = mapped_column(Integer)
    debtor_oldest_pending: Mapped[datetime | None]
    last_export: Mapped[datetime | None]
    #: times a session went out of order because the ledger refused a write, since the start
    ledger_fault_episodes: Mapped[int] = mapped_column(Integer)


STAFF_ROLES = ("staff", "finance", "technician", "administrator")


class StaffAccount(Base):
    """A member of staff who may log in at every automat sharing this ledger (not per automat).

    ``roles`` is a space-separated subset of :data:`STAFF_ROLES` (what each may do:
    ``kiosk.staff.roles``). The PIN is kept only as an argon2id hash of the PIN keyed with the
    installation's secret; a staff card only as a keyed hash (HMAC-SHA256) of what the reader
    reads, so the database alone yields neither. A removed account keeps its row (its number in
    the audit log keeps naming one person) and can no longer log in.
    """

    __tablename__ = "staff_accounts"
    __table_args__ = (
        CheckConstraint("roles <> ''", name="roles"),
        CheckConstraint("failed_tries >= 0", name="failed_tries"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    staff_no: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    roles: Mapped[str] = mapped_column(String(64))
    pin_hash: Mapped[str] = mapped_column(String(255))
    card_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: wrong PINs since the last login or lock; the lock resets it
    failed_tries: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    removed_at: Mapped[datetime | None]
    removed_by: Mapped[str | None] = mapped_column(String(64))


ACTOR_WIDTH = 64


class AuditEntry(Base):
    """What staff and technicians did (bons issued or voided, cash boxes emptied, exports …)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        # the automats a ledger knows (kiosk.ledger.automats), a report's staff actions by
        # automat and time, the console's audit log filtered by automat
        Index("ix_audit_log_automat_at", "automat_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    automat_id: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(ACTOR_WIDTH))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(48))
    details: Mapped[dict[str, Any]]
