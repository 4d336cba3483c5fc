"""Cash-box emptying: what the ledger expects in each cash box, and an emptying recorded.

The expected contents are the running counters of ``cash_inventory`` (per automat, device and
denomination), which every coin or note credited adds one to in the transaction of its tender
(:func:`kiosk.ledger.repository.insert_tender`). An emptying, in one transaction, reads those
counters with the rows locked (``FOR UPDATE`` on PostgreSQL; SQLite writes one at a time),
subtracts exactly what it read, stores it as the emptying's ``expected`` beside what the person
counted, and writes the audit entry. So the expected contents become 0 without losing history
(each emptying keeps what was in the box; the counters hold what came after), and a coin
committed while the box is emptied is in exactly one box: its ``count + 1`` either committed
before the emptying read the row (emptied with it) or waits for the emptying's lock and then
adds to what is left (the next box); a coin of a denomination not yet counted inserts a row the
emptying never read, which belongs to the next box.

Counting "since the last emptying" from the tenders instead would need a boundary between
tenders, and neither their times nor their ids are committed in order on PostgreSQL: a coin
written with an earlier time or id but committed after the emptying would fall in neither box.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select, update
from sqlalchemy.orm import Session

from kiosk.clock import Clock
from kiosk.config.devices import DevicesSection
from kiosk.ledger.errors import ledger_write
from kiosk.ledger.models import CashBoxEmptying, CashInventory
from kiosk.ledger.repository import write_audit
from kiosk.money import DKK_COINS, DKK_NOTES, Money, MoneyError
from kiosk.staff.roles import GRANTS, Permission, Role

#: who may empty a cash box (the role the caller logged in with)
EMPTYING_ROLES = tuple(r.value for r in Role if r in GRANTS[Permission.EMPTY_CASH_BOX])
#: the denominations a box of each kind can hold
DENOMINATIONS: dict[str, tuple[int, ...]] = {"coin": DKK_COINS, "note": DKK_NOTES}
#: the device names ``kiosk.devices.build_devices`` gives the cash acceptors
COIN_ACCEPTOR, NOTE_VALIDATOR = "coin_acceptor", "note_validator"
#: more pieces of one denomination than any cash box holds: a typing error
MAX_PIECES = 99_999
BOX_WORDS = {"coin": "Møntboks", "note": "Seddelboks"}
ROLE_WORDS = {"technician": "tekniker", "administrator": "administrator", "staff": "personale"}

_INVENTORY = CashInventory.__table__


class CashBoxError(ValueError):
    """An emptying cannot be recorded as asked (unknown device or denomination, a count that is
    not a whole number of pieces, a role that may not empty); one line, nothing was written.
    ``reason`` says which (a key of :data:`REFUSALS`) and ``denomination`` (øre) which figure,
    so a screen can say it in its own words."""

    def __init__(self, text: str, reason: str = "invalid", denomination: int | None = None):
        super().__init__(text)
        self.reason = reason
        self.denomination = denomination


#: every CashBoxError.reason
REFUSALS = ("invalid", "no_staff", "role", "not_a_number", "too_many", "unknown_box",
            "denomination")


def cash_devices(devices: DevicesSection) -> dict[str, str]:
    """The configured cash boxes: device name → kind (``coin`` or ``note``)."""
    boxes = {}
    if devices.coin_acceptor.enabled:
        boxes[COIN_ACCEPTOR] = "coin"
    if devices.note_validator.enabled:
        boxes[NOTE_VALIDATOR] = "note"
    return boxes


def denomination_text(ore: int) -> str:
    return Money(ore).format_da()


def parse_count(text: str, denomination: int | None = None) -> int:
    """A counted figure as typed: a whole number of pieces, 0 or more (blank is none)."""
    what = f"the count of {denomination_text(denomination)}" if denomination else "a count"
    stripped = text.strip()
    if not stripped:
        return 0
    if not (stripped.isascii() and stripped.isdigit()):
        raise CashBoxError(
            f"{what} must be a whole number of pieces, 0 or more; got {text!r}",
            "not_a_number",
            denomination,
        )
    return _pieces(int(stripped), denomination)


def parse_counted(entries: Iterable[str]) -> dict[int, int]:
    """``DENOMINATION=COUNT`` entries, the denomination in kroner (``20=3``, ``0.50=12``,
    ``0,50=12``): denomination in øre → pieces. A denomination given twice is refused."""
    counted: dict[int, int] = {}
    for entry in entries:
        left, sep, right = entry.partition("=")
        if not sep:
            raise CashBoxError(f"{entry!r} is not DENOMINATION=COUNT (e.g. 20=3 for three 20 kr.)")
        try:
            ore = Money.parse(left.strip()).ore
        except MoneyError:
            raise CashBoxError(f"{left.strip()!r} is not a denomination in kroner") from None
        if ore in counted:
            raise CashBoxError(f"{denomination_text(ore)} is given twice")
        counted[ore] = parse_count(right, ore)
    return counted


def _pieces(value: object, denomination: int | None) -> int:
    what = f"the count of {denomination_text(denomination)}" if denomination else "a count"
    if isinstance(value, str):
        return parse_count(value, denomination)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CashBoxError(
            f"{what} must be a whole number of pieces, 0 or more; got {value!r}",
            "not_a_number",
            denomination,
        )
    if value > MAX_PIECES:
        raise CashBoxError(
            f"{what} is {value}: more than a cash box holds ({MAX_PIECES})",
            "too_many",
            denomination,
        )
    return value


def _worth(pieces: Mapping[int, int]) -> Money:
    return Money(sum(ore * n for ore, n in pieces.items()))


@dataclass(frozen=True, slots=True)
class BoxContents:
    """What the ledger says one cash box holds now: denomination (øre) → pieces."""

    device: str
    kind: str  # coin, note, or "" for a box neither configured nor clearly one
    pieces: Mapping[int, int]

    @property
    def total(self) -> Money:
        return _worth(self.pieces)


@dataclass(frozen=True, slots=True)
class DenominationLine:
    denomination: int  # øre
    expected: int
    counted: int

    @property
    def difference(self) -> Money:
        """Counted − expected, in øre (negative: less in the box than the ledger says)."""
        return Money((self.counted - self.expected) * self.denomination)


@dataclass(frozen=True, slots=True)
class Emptying:
    """One recorded emptying: the ledger's expected contents, the person's count, who, when."""

    id: int
    automat_id: str
    device: str
    emptied_at: datetime
    emptied_by: str
    role: str
    expected: Mapping[int, int]
    counted: Mapping[int, int]

    @property
    def expected_total(self) -> Money:
        return _worth(self.expected)

    @property
    def counted_total(self) -> Money:
        return _worth(self.counted)

    @property
    def difference(self) -> Money:
        return self.counted_total - self.expected_total

    @property
    def lines(self) -> tuple[DenominationLine, ...]:
        """Each denomination expected or counted, smallest first."""
        return tuple(
            DenominationLine(ore, self.expected.get(ore, 0), self.counted.get(ore, 0))
            for ore in sorted(set(self.expected) | set(self.counted))
        )

    @property
    def box_name(self) -> str:
        """The box in Danish, e.g. ``Møntboks (coin_acceptor)``."""
        kind = _kind_of(self.device, set(self.expected) | set(self.counted))
        return f"{BOX_WORDS[kind]} ({self.device})" if kind else self.device

    @classmethod
    def from_row(cls, row: CashBoxEmptying) -> Emptying:
        return cls(
            row.id,
            row.automat_id,
            row.device,
            row.emptied_at,
            row.emptied_by,
            row.role,
            _from_json(row.expected),
            _from_json(row.counted),
        )


def _to_json(pieces: Mapping[int, int]) -> dict[str, int]:
    return {str(ore): n for ore, n in sorted(pieces.items())}


def _from_json(data: Mapping[str, object]) -> dict[int, int]:
    return {int(ore): int(str(n)) for ore, n in data.items()}


def _kind_of(device: str, denominations: Iterable[int]) -> str:
    """A box's kind from the denominations it held: coins and notes never share a value."""
    values = set(denominations)
    for kind, allowed in DENOMINATIONS.items():
        if values and values <= set(allowed):
            return kind
    return {COIN_ACCEPTOR: "coin", NOTE_VALIDATOR: "note"}.get(device, "")


@dataclass
class CashBoxes:
    """This automat's cash boxes. ``devices``: the configured ones (:func:`cash_devices`), name →
    kind; a box the ledger still counts money in is known too (an acceptor since removed)."""

    engine: Engine
    automat_id: str
    clock: Clock
    devices: Mapping[str, str]

    def expected(self) -> list[BoxContents]:
        """Every known box and what the ledger expects in it now (pieces > 0 only)."""
        counters = self._counters()
        names = sorted(set(self.devices) | set(counters))
        return [self._contents(name, counters.get(name, {})) for name in names]

    def expected_in(self, device: str) -> BoxContents:
        counters = self._counters()
        self._check_device(device, counters)
        return self._contents(device, counters.get(device, {}))

    def denominations(self, device: str) -> tuple[int, ...]:
        """What a person may count in the box (øre, smallest first): the form's fields."""
        counters = self._counters()
        self._check_device(device, counters)
        return self._allowed(device, counters.get(device, {}))

    @ledger_write
    def empty(
        self, device: str, counted: Mapping[int, int | str], *, staff: str, role: str
    ) -> Emptying:
        """Record that ``staff`` (in ``role``) emptied ``device``'s box and counted ``counted``
        (denomination øre → pieces; a denomination left out counted none). The ledger's counters
        for the box drop by what they held at this moment; one transaction with the audit entry.
        :class:`CashBoxError` for bad input, before anything is written."""
        staff = staff.strip()
        if not staff:
            raise CashBoxError(
                "an emptying needs the staff number of the person who counted", "no_staff"
            )
        if role not in EMPTYING_ROLES:
            raise CashBoxError(
                f"only a technician or an administrator may empty a cash box (role {role!r})",
                "role",
            )
        now = self.clock.now()
        with self.engine.begin() as conn:
            rows = self._lock_counters(conn, device)
            held = {int(r.denomination_ore): int(r.count) for r in rows if r.count}
            if not rows:  # a box no coin ever counted into: known only if configured
                self._check_device(device, self._counters(conn))
            pieces = self._checked_counts(device, held, counted)
            for r in rows:
                if r.count:  # what was read, not 0: exact whatever else commits meanwhile
                    conn.execute(
                        update(_INVENTORY)
                        .where(_INVENTORY.c.id == r.id)
                        .values(count=_INVENTORY.c.count - r.count)
                    )
            emptying = Emptying(0, self.automat_id, device, now, staff[:64], role, held, pieces)
            emptying_id = conn.execute(
                insert(CashBoxEmptying)
                .values(
                    automat_id=self.automat_id,
                    device=device,
                    expected=_to_json(held),
                    expected_ore=emptying.expected_total.ore,
                    counted=_to_json(pieces),
                    counted_ore=emptying.counted_total.ore,
                    difference_ore=emptying.difference.ore,
                    emptied_by=emptying.emptied_by,
                    role=role,
                    emptied_at=now,
                )
                .returning(CashBoxEmptying.id)
            ).scalar_one()
            write_audit(
                conn, now, self.automat_id, staff, role, "cash_box_emptied",
                {
                    "emptying_id": int(emptying_id),
                    "device": device,
                    "expected_ore": emptying.expected_total.ore,
                    "counted_ore": emptying.counted_total.ore,
                    "difference_ore": emptying.difference.ore,
                },
            )
        return replace(emptying, id=int(emptying_id))

    def emptyings(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> list[Emptying]:
        """This automat's emptyings in [start, end) (either open), oldest first."""
        with self.engine.connect() as conn:
            return read_emptyings(conn, [self.automat_id], start, end)

    # -- helpers ----------------------------------------------------------------------------
    def _lock_counters(self, conn: Connection, device: str) -> list[Row[Any]]:
        """The box's counters, locked until the emptying commits (a second emptying waits, then
        reads what the first left; SQLite's writers are serialised anyway)."""
        return list(
            conn.execute(
                select(_INVENTORY.c.id, _INVENTORY.c.denomination_ore, _INVENTORY.c.count)
                .where(_INVENTORY.c.automat_id == self.automat_id, _INVENTORY.c.device == device)
                .order_by(_INVENTORY.c.id)
                .with_for_update()
            ).all()
        )

    def _counters(self, conn: Connection | None = None) -> dict[str, dict[int, int]]:
        """Every box's counters (in ``conn``'s transaction, or a read of their own)."""
        stmt = select(
            _INVENTORY.c.device, _INVENTORY.c.denomination_ore, _INVENTORY.c.count
        ).where(_INVENTORY.c.automat_id == self.automat_id)
        if conn is None:
            with self.engine.connect() as own:
                rows = own.execute(stmt).all()
        else:
            rows = conn.execute(stmt).all()
        counters: dict[str, dict[int, int]] = {}
        for device, ore, count in rows:
            box = counters.setdefault(device, {})
            if count:
                box[int(ore)] = int(count)
        return counters

    def _check_device(self, device: str, counters: Mapping[str, object]) -> None:
        if device not in self.devices and device not in counters:
            known = ", ".join(sorted(set(self.devices) | set(counters))) or "none"
            raise CashBoxError(f"unknown cash box {device!r} (known: {known})", "unknown_box")

    def _kind(self, device: str, held: Mapping[int, int]) -> str:
        return self.devices.get(device) or _kind_of(device, held)

    def _allowed(self, device: str, held: Mapping[int, int]) -> tuple[int, ...]:
        kind = self._kind(device, held)
        allowed = set(DENOMINATIONS.get(kind, DKK_COINS + DKK_NOTES)) | set(held)
        return tuple(sorted(allowed))

    def _contents(self, device: str, held: Mapping[int, int]) -> BoxContents:
        return BoxContents(device, self._kind(device, held), dict(sorted(held.items())))

    def _checked_counts(
        self, device: str, held: Mapping[int, int], counted: Mapping[int, int | str]
    ) -> dict[int, int]:
        allowed = self._allowed(device, held)
        pieces: dict[int, int] = {}
        for ore, value in counted.items():
            if isinstance(ore, bool) or not isinstance(ore, int) or ore not in allowed:
                shown = denomination_text(ore) if isinstance(ore, int) else repr(ore)
                kinds = BOX_WORDS.get(self._kind(device, held), "this box").lower()
                raise CashBoxError(
                    f"{shown} is not a denomination of {device} ({kinds}: "
                    f"{', '.join(denomination_text(a) for a in allowed)})",
                    "denomination",
                )
            n = _pieces(value, ore)
            if n:
                pieces[ore] = n
        return dict(sorted(pieces.items()))


def read_emptyings(
    conn: Connection, automat_ids: Sequence[str], start: datetime | None, end: datetime | None
) -> list[Emptying]:
    """The emptyings of these automats in [start, end) (either open), oldest first: the one
    place anything reads ``cash_box_emptyings`` (the reports, the CSV, the PDF and the text)."""
    stmt = select(CashBoxEmptying).where(CashBoxEmptying.automat_id.in_(automat_ids))
    if start is not None:
        stmt = stmt.where(CashBoxEmptying.emptied_at >= start)
    if end is not None:
        stmt = stmt.where(CashBoxEmptying.emptied_at < end)
    stmt = stmt.order_by(CashBoxEmptying.emptied_at, CashBoxEmptying.id)
    with Session(bind=conn) as session:
        return [Emptying.from_row(row) for row in session.scalars(stmt)]
