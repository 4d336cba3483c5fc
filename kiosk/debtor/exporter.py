"""Export pending debtor items to import files, each item in exactly one delivered file.

A batch moves ``writing`` → ``written`` → (``staged_at`` set) → ``delivered``, one transaction per
step, and every step is repeatable:

1. *allocate* (one transaction): the next gap-free sequence number, the batch in ``writing``, the
   pending items assigned to it, and the sha256 of the file they render to;
2. *write*: the file into the local spool (temp name, fsync, rename, fsync folder) → ``written``;
3. *stage*: the complete file at the target under a temporary name → ``staged_at``;
4. *publish*: rename it at the target; then the batch becomes ``delivered`` and its items
   ``exported`` in one transaction.

A run first finishes every unfinished batch, re-rendering it from its own items (same bytes, same
name, checked against the recorded sha256), so a crash anywhere leads to neither a second file
for the same items nor a gap in the sequence.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from kiosk.clock import Clock
from kiosk.debtor.delivery import Delivery, DeliveryError, fsync_dir, write_file_durably
from kiosk.debtor.item import cpr_removed
from kiosk.debtor.profile import LayoutProfile
from kiosk.debtor.writer import BatchInfo, ExportItem, FileRenderer, RenderError
from kiosk.ledger.errors import LedgerError
from kiosk.ledger.models import CitizenSession, ExportBatch, OutboxItem
from kiosk.ledger.repository import Ledger
from kiosk.ledger.transitions import BATCH, OUTBOX, move, move_all

log = logging.getLogger(__name__)

Step = Callable[[str], None]


class ExportError(Exception):
    """An export could not finish; nothing was lost and the next run tries again. The message
    is one line for the operator (``kiosk export`` prints it and exits 1)."""


@dataclass(frozen=True, slots=True)
class BatchSummary:
    id: int
    sequence: int
    file_name: str
    state: str
    item_count: int
    total_ore: int
    sha256: str | None
    created_at: datetime
    staged_at: datetime | None
    delivered_at: datetime | None

    def describe(self) -> str:
        kr = f"{self.total_ore // 100},{self.total_ore % 100:02d} kr."
        return (
            f"batch {self.id} #{self.sequence} {self.state}: {self.file_name}"
            f" ({self.item_count} item(s), {kr})"
        )


_BATCH_COLUMNS = (
    ExportBatch.id,
    ExportBatch.sequence,
    ExportBatch.file_name,
    ExportBatch.state,
    ExportBatch.item_count,
    ExportBatch.total_ore,
    ExportBatch.sha256,
    ExportBatch.created_at,
    ExportBatch.staged_at,
    ExportBatch.delivered_at,
)


def read_batch(engine: Engine, automat_id: str, batch_id: int) -> BatchSummary:
    """One of ``automat_id``'s batches; :class:`ExportError` when it has none by that id."""
    with engine.connect() as conn:
        row = conn.execute(
            select(*_BATCH_COLUMNS).where(
                ExportBatch.id == batch_id, ExportBatch.automat_id == automat_id
            )
        ).one_or_none()
    if row is None:
        raise ExportError(f"no export batch {batch_id} for automat {automat_id}")
    return BatchSummary(*row)


def read_batches(engine: Engine, automat_id: str, limit: int = 50) -> list[BatchSummary]:
    """``automat_id``'s last batches, newest first: reading needs no profile or delivery (the
    fleet console lists them without a ``[debtor]`` section of its own)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(*_BATCH_COLUMNS)
            .where(ExportBatch.automat_id == automat_id)
            .order_by(ExportBatch.sequence.desc())
            .limit(limit)
        ).all()
    return [BatchSummary(*row) for row in rows]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Exporter:
    def __init__(
        self,
        engine: Engine,
        automat_id: str,
        profile: LayoutProfile,
        spool_dir: Path,
        delivery: Delivery,
        clock: Clock,
        on_step: Step | None = None,
    ) -> None:
        self.engine = engine
        self.automat_id = automat_id
        self.profile = profile
        self.renderer = FileRenderer(profile)
        self.spool_dir = Path(spool_dir)
        self.delivery = delivery
        self.clock = clock
        self._step = on_step or (lambda _name: None)

    # -- public ------------------------------------------------------------------------------
    def run(self) -> list[BatchSummary]:
        """Finish unfinished batches, then export what is pending as one new batch.
        Returns the batches delivered by this run."""
        with self._locked(), self._ledger_errors():
            try:
                done = [self._finish(b) for b in self._unfinished()]
                batch = self._allocate()
                if batch is not None:
                    done.append(self._finish(*batch))
                return done
            finally:
                self.delivery.close()

    def redeliver(self, batch_id: int, actor: str, role: str = "technician") -> BatchSummary:
        """Put a delivered batch's file at the target again: the same bytes, re-rendered from
        its items and checked against the recorded sha256. Audit-logged."""
        with self._locked(), self._ledger_errors():
            batch = self.batch(batch_id)
            if batch.state != "delivered":
                raise ExportError(
                    f"batch {batch_id} is '{batch.state}', not delivered: run the export to "
                    "finish it"
                )
            if any(cpr_removed(dict(item.payload)) for item in self.items(batch_id)):
                raise ExportError(
                    f"batch {batch_id} ({batch.file_name}) can no longer be redelivered: the CPR "
                    "numbers it needs were removed under the retention policy "
                    "(debtor.keep_cpr_days); ask the debtor system for its copy of the file"
                )
            data = self._render(batch)
            try:
                self.delivery.stage(batch.file_name, data)
                self.delivery.publish(batch.file_name)
            except DeliveryError as exc:
                raise ExportError(str(exc)) from None
            finally:
                self.delivery.close()
            Ledger(self.engine, self.automat_id, self.clock).audit(
                actor,
                role,
                "debtor_redeliver",
                batch_id=batch.id,
                sequence=batch.sequence,
                file_name=batch.file_name,
                sha256=batch.sha256,
                target=self.delivery.target,
            )
            log.info("redelivered %s to %s", batch.file_name, self.delivery.target)
            return batch

    def batch(self, batch_id: int) -> BatchSummary:
        return read_batch(self.engine, self.automat_id, batch_id)

    def batches(self, limit: int = 50) -> list[BatchSummary]:
        return read_batches(self.engine, self.automat_id, limit)

    def items(self, batch_id: int) -> list[ExportItem]:
        with self.engine.connect() as conn:
            return self._items(conn, batch_id)

    # -- steps -------------------------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One exporter at a time per spool (the scheduler and a CLI run may overlap)."""
        try:
            self.spool_dir.mkdir(parents=True, exist_ok=True)
            lock = open(self.spool_dir / ".export.lock", "a")  # noqa: SIM115 (with lock: below)
        except OSError as exc:
            raise self._spool_failed(exc) from None
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _unfinished(self) -> list[BatchSummary]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(*_BATCH_COLUMNS)
                .where(ExportBatch.automat_id == self.automat_id, ExportBatch.state != "delivered")
                .order_by(ExportBatch.sequence)
            ).all()
        return [BatchSummary(*row) for row in rows]

    @staticmethod
    def _items(conn: Connection, batch_id: int) -> list[ExportItem]:
        rows = conn.execute(
            select(OutboxItem.id, OutboxItem.amount_ore, OutboxItem.payload)
            .where(OutboxItem.batch_id == batch_id)
            .order_by(OutboxItem.id)
        )
        return [ExportItem(i, a, p) for i, a, p in rows]

    def _allocate(self) -> tuple[BatchSummary, bytes] | None:
        """Step 1: sequence number, batch and item assignment, in one transaction."""
        mine = select(CitizenSession.id).where(CitizenSession.automat_id == self.automat_id)
        pending = (
            OutboxItem.kind == "debtor_item",
            OutboxItem.state == "pending",
            OutboxItem.batch_id.is_(None),
            OutboxItem.session_id.in_(mine),
        )
        now = self.clock.now()
        with self.engine.begin() as conn:
            if conn.scalar(select(OutboxItem.id).where(*pending).limit(1)) is None:
                return None
            last = conn.scalar(
                select(func.max(ExportBatch.sequence)).where(
                    ExportBatch.automat_id == self.automat_id
                )
            )
            info = BatchInfo(self.automat_id, int(last or 0) + 1, now)
            name = self.renderer.file_name(info)
            batch_id = conn.execute(
                insert(ExportBatch)
                .values(
                    automat_id=self.automat_id,
                    sequence=info.sequence,
                    profile=self.profile.name,
                    file_name=name,
                    state="writing",
                    item_count=0,
                    total_ore=0,
                    created_at=now,
                )
                .returning(ExportBatch.id)
            ).scalar_one()
            conn.execute(update(OutboxItem).where(*pending).values(batch_id=batch_id))
            items = self._items(conn, batch_id)
            try:
                data = self.renderer.render(info, items)
            except RenderError as exc:
                raise ExportError(f"cannot render the debtor file: {exc}") from None
            totals = self.renderer.totals(items)
            conn.execute(
                update(ExportBatch)
                .where(ExportBatch.id == batch_id)
                .values(item_count=totals.count, total_ore=totals.total_ore, sha256=_sha(data))
            )
            row = conn.execute(select(*_BATCH_COLUMNS).where(ExportBatch.id == batch_id)).one()
        self._step("allocated")
        return BatchSummary(*row), data

    def _render(self, batch: BatchSummary) -> bytes:
        """The batch's file again, from its own items; refuses to produce different bytes."""
        with self.engine.connect() as conn:
            profile = conn.scalar(select(ExportBatch.profile).where(ExportBatch.id == batch.id))
            items = self._items(conn, batch.id)
        if profile != self.profile.name:
            raise ExportError(
                f"batch {batch.id} was written with profile '{profile}' but the configuration "
                f"now names '{self.profile.name}'"
            )
        info = BatchInfo(self.automat_id, batch.sequence, batch.created_at)
        try:
            data = self.renderer.render(info, items)
        except RenderError as exc:
            raise ExportError(f"cannot render batch {batch.id}: {exc}") from None
        if self.renderer.file_name(info) != batch.file_name or _sha(data) != batch.sha256:
            raise ExportError(
                f"batch {batch.id} ({batch.file_name}) no longer renders to the same file: was "
                f"the profile '{self.profile.name}' changed? Restore it to finish the batch"
            )
        return data

    def _finish(self, batch: BatchSummary, data: bytes | None = None) -> BatchSummary:
        """Steps 2–4 from wherever the batch stands."""
        name = batch.file_name
        if batch.state == "writing":
            data = data if data is not None else self._render(batch)
            self._write_spool(name, data)
            self._set(batch.id, "written")
        try:
            if batch.staged_at is None:
                data = data if data is not None else self._render(batch)
                self.delivery.stage(name, data)
                self._step("staged")
                self._note(batch.id, "written", staged_at=self.clock.now())
                self._step("staged_recorded")
                self.delivery.publish(name)
            elif self.delivery.is_staged(name):
                self.delivery.publish(name)
            # else: staged and gone — our rename happened before the crash
        except DeliveryError as exc:
            raise ExportError(str(exc)) from None
        self._step("published")
        delivered = self._mark_delivered(batch)
        self._step("delivered")
        log.info("debtor file %s delivered to %s", name, self.delivery.target)
        return delivered

    def _write_spool(self, name: str, data: bytes) -> None:
        final = self.spool_dir / name
        temp = self.spool_dir / f".{name}.tmp"
        try:
            if final.exists():
                if final.read_bytes() == data:
                    return
                raise ExportError(f"{final} exists with other content: refusing to overwrite it")
            write_file_durably(temp, data)
        except OSError as exc:
            raise self._spool_failed(exc) from None
        self._step("spool_temp")
        try:
            os.replace(temp, final)
            fsync_dir(self.spool_dir)
        except OSError as exc:
            raise self._spool_failed(exc) from None
        self._step("spool_renamed")

    def _spool_failed(self, exc: OSError) -> ExportError:
        """Worded as a delivery folder's failure is (``cannot write in FOLDER: reason``)."""
        reason = exc.strerror or exc
        return ExportError(f"cannot write in the spool folder {self.spool_dir}: {reason}")

    @contextmanager
    def _ledger_errors(self) -> Iterator[None]:
        """A ledger that fails (disk full, read-only, gone) as one line naming it; every step is
        repeatable, so the next run finishes the batch."""
        try:
            yield
        except SQLAlchemyError as exc:
            url = self.engine.url
            where = (
                url.database
                if url.get_backend_name() == "sqlite"
                else url.render_as_string(hide_password=True)
            )
            reason = getattr(exc, "orig", None) or exc
            text = (str(reason).strip().splitlines() or [type(reason).__name__])[0]
            raise ExportError(
                f"ledger {where}: {text} (nothing is lost: the next run finishes what this one "
                "started)"
            ) from None

    def _set(self, batch_id: int, to: str) -> None:
        """The batch moves on (``kiosk.ledger.transitions.BATCH``)."""
        with self.engine.begin() as conn:
            try:
                move(conn, BATCH, batch_id, to)
            except LedgerError as exc:
                raise ExportError(str(exc)) from None
        if to == "written":
            self._step("written")

    def _note(self, batch_id: int, state: str, **values: object) -> None:
        """A fact about the batch in ``state`` (not a move: ``staged_at``)."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(ExportBatch)
                .where(ExportBatch.id == batch_id, ExportBatch.state == state)
                .values(**values)
            ).rowcount
        if done != 1:
            raise ExportError(f"batch {batch_id} is no longer '{state}'")

    def _mark_delivered(self, batch: BatchSummary) -> BatchSummary:
        """Step 4's record: the batch delivered and its items exported, in one transaction."""
        now = self.clock.now()
        with self.engine.begin() as conn:
            try:  # raising here rolls both back
                if not move(conn, BATCH, batch.id, "delivered", delivered_at=now):
                    raise LedgerError("already delivered")
                move_all(conn, OUTBOX, OutboxItem.batch_id == batch.id, "exported",
                         expected=batch.item_count, done_at=now)
            except LedgerError as exc:
                raise ExportError(f"batch {batch.id}: {exc}") from None
            row = conn.execute(select(*_BATCH_COLUMNS).where(ExportBatch.id == batch.id)).one()
        return BatchSummary(*row)
