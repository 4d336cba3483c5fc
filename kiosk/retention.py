"""Personal data retention: the CPR leaves the automat when it is no longer needed.

``purge`` does, in this order, each step in bounded transactions:

1. *CPR scrub*: a debtor item keeps the citizen's CPR until its batch has been delivered for
   ``debtor.keep_cpr_days``; then the CPR is replaced by its masked form (reports still read) and
   the item is marked with :data:`CPR_REMOVED`, so ``kiosk export --redeliver`` refuses the batch
   instead of writing a file without CPRs. A payment plan of an ended session that still holds a
   CPR (it should not: the journal drops it) loses it too.
2. *Spool*: the local copies of those batches' files (they hold the CPRs) are deleted.
3. *Ledger*: finished sessions that ended more than ``database.retention_years`` ago are deleted
   with their tenders, refunds, allocations, finished outbox items and finished bons. Never
   touched: open sessions, sessions with a pending, refused or parked outbox item (a closed one
   is finished), sessions whose credit bon is still outstanding (or finished within the
   period). Export batches are kept, and so are
   their debtor items, *anonymised* (payload reduced to the amount, key replaced) together with a
   skeleton of their session: ``kiosk audit`` proves every exported øre is in exactly one delivered
   file and that the file sequence has no gaps, and the batch rows hold no personal data.
   Staff bons (no session) finished before the period, and audit-log entries older than it,
   are deleted.

Idempotent: a second run finds nothing. Every run that changed something writes one
``retention_purge`` audit entry with the counts (never a CPR). ``dry_run`` runs the same
statements and rolls each transaction back, so its counts are exactly what a real run would do.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Text,
    and_,
    cast,
    delete,
    exists,
    func,
    not_,
    or_,
    select,
    update,
)

from kiosk.clock import Clock
from kiosk.cpr import mask
from kiosk.debtor.item import CPR_REMOVED, cpr_removed
from kiosk.ledger.models import (
    TERMINAL_SESSION_STATES,
    Allocation,
    AuditEntry,
    Bon,
    CashBoxEmptying,
    CitizenSession,
    ExportBatch,
    OutboxItem,
    Refund,
    Tender,
)
from kiosk.ledger.repository import write_audit
from kiosk.ledger.tallies import add_purged, counted
from kiosk.workers import PeriodicWorker

log = logging.getLogger(__name__)

#: ``end_reason`` of a session kept only as the anchor of anonymised exported debtor items
ANONYMISED = "retention: anonymised"
CHUNK = 200
DAY_S = 24 * 3600.0


@dataclass
class PurgeReport:
    dry_run: bool = False
    cpr_cutoff: datetime | None = None
    retention_cutoff: datetime | None = None
    cprs_scrubbed: int = 0
    plans_scrubbed: int = 0
    spool_files_deleted: int = 0
    sessions_deleted: int = 0
    sessions_anonymised: int = 0
    tenders_deleted: int = 0
    refunds_deleted: int = 0
    allocations_deleted: int = 0
    outbox_deleted: int = 0
    outbox_anonymised: int = 0
    bons_deleted: int = 0
    bons_unlinked: int = 0
    audit_entries_deleted: int = 0
    emptyings_deleted: int = 0
    spool_files: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if isinstance(v, int) and k != "dry_run"}

    @property
    def changed(self) -> bool:
        return any(self.counts().values())

    def lines(self) -> list[str]:
        head = "purge (dry run, nothing changed)" if self.dry_run else "purge"
        out = [f"{head}: CPR kept until {self.cpr_cutoff}, records until {self.retention_cutoff}"]
        out += [f"  {name.replace('_', ' ')}: {n}" for name, n in self.counts().items()]
        return out


class _Rollback(Exception):
    """Ends a dry-run transaction."""


@dataclass
class Purger:
    engine: Engine
    automat_id: str
    clock: Clock
    retention_years: int = field(kw_only=True)
    keep_cpr_days: int = field(kw_only=True)
    spool_dir: Path | None = field(kw_only=True)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.retention_years < 1 or self.keep_cpr_days < 0:
            raise ValueError("retention_years must be ≥ 1 and keep_cpr_days ≥ 0")

    def purge(self, dry_run: bool = False, actor: str = "retention") -> PurgeReport:
        with self._lock:
            now = self.clock.now()
            report = PurgeReport(
                dry_run=dry_run,
                cpr_cutoff=now - timedelta(days=self.keep_cpr_days),
                # 365 days a year, plus one day per leap year at most: never earlier than due
                retention_cutoff=now - timedelta(days=366 * self.retention_years),
            )
            self._dry = dry_run
            self._scrub_cprs(report, now)
            self._scrub_plans(report)
            self._delete_spool_files(report)
            self._purge_sessions(report, now)
            self._purge_staff_bons(report)
            self._purge_audit_log(report)
            self._purge_emptyings(report)
            if report.changed and not dry_run:
                with self.engine.begin() as conn:
                    write_audit(
                        conn, now, self.automat_id, actor, "system", "retention_purge",
                        {
                            "counts": report.counts(),
                            "cpr_cutoff": report.cpr_cutoff.isoformat(),
                            "retention_cutoff": report.retention_cutoff.isoformat(),
                        },
                    )
                log.info("retention purge: %s", {k: v for k, v in report.counts().items() if v})
            return report

    # -- helpers -----------------------------------------------------------------------------
    def _txn(self, work: Callable[[Connection], None]) -> None:
        """One bounded transaction; rolled back in a dry run (counts are already taken)."""
        try:
            with self.engine.begin() as conn:
                work(conn)
                if self._dry:
                    raise _Rollback
        except _Rollback:
            pass

    @staticmethod
    def _chunks(ids: list[Any]) -> Iterable[list[Any]]:
        for start in range(0, len(ids), CHUNK):
            yield ids[start : start + CHUNK]

    def _old_batches(self, cutoff: datetime) -> Any:
        return select(ExportBatch.id).where(
            ExportBatch.automat_id == self.automat_id,
            ExportBatch.state == "delivered",
            ExportBatch.delivered_at < cutoff,
        )

    # -- 1. the CPR in delivered debtor items ----------------------------------------------
    def _scrub_cprs(self, report: PurgeReport, now: datetime) -> None:
        assert report.cpr_cutoff is not None
        with self.engine.connect() as conn:
            ids = list(
                conn.scalars(
                    select(OutboxItem.id)
                    .where(
                        OutboxItem.kind == "debtor_item",
                        OutboxItem.batch_id.in_(self._old_batches(report.cpr_cutoff)),
                        cast(OutboxItem.payload, Text).not_like(f'%"{CPR_REMOVED}"%'),
                    )
                    .order_by(OutboxItem.id)
                )
            )
        for chunk in self._chunks(ids):

            def work(conn: Connection, chunk: list[int] = chunk) -> None:
                rows = conn.execute(
                    select(OutboxItem.id, OutboxItem.payload).where(OutboxItem.id.in_(chunk))
                ).all()
                for item_id, payload in rows:
                    if cpr_removed(payload):
                        continue
                    new = dict(payload)
                    if new.get("cpr"):
                        new["cpr"] = mask(str(new["cpr"]))
                    new[CPR_REMOVED] = now.isoformat()
                    conn.execute(
                        update(OutboxItem).where(OutboxItem.id == item_id).values(payload=new)
                    )
                    report.cprs_scrubbed += 1

            self._txn(work)

    def _scrub_plans(self, report: PurgeReport) -> None:
        with self.engine.connect() as conn:
            ids = list(
                conn.scalars(
                    select(CitizenSession.id).where(
                        CitizenSession.automat_id == self.automat_id,
                        CitizenSession.state.in_(TERMINAL_SESSION_STATES),
                        CitizenSession.plan.is_not(None),
                        cast(CitizenSession.plan, Text).like('%"cpr"%'),
                    )
                )
            )
        for chunk in self._chunks(ids):

            def work(conn: Connection, chunk: list[str] = chunk) -> None:
                for sid, plan in conn.execute(
                    select(CitizenSession.id, CitizenSession.plan).where(
                        CitizenSession.id.in_(chunk)
                    )
                ):
                    if plan and "cpr" in plan:
                        conn.execute(
                            update(CitizenSession)
                            .where(CitizenSession.id == sid)
                            .values(plan={k: v for k, v in plan.items() if k != "cpr"})
                        )
                        report.plans_scrubbed += 1

            self._txn(work)

    # -- 2. the spool copies ---------------------------------------------------------------
    def _delete_spool_files(self, report: PurgeReport) -> None:
        if self.spool_dir is None or not self.spool_dir.is_dir():
            return
        assert report.cpr_cutoff is not None
        with self.engine.connect() as conn:
            names = list(
                conn.scalars(
                    select(ExportBatch.file_name).where(
                        ExportBatch.id.in_(self._old_batches(report.cpr_cutoff))
                    )
                )
            )
        for name in names:
            for path in (self.spool_dir / name, self.spool_dir / f".{name}.tmp"):
                if path.is_file():
                    report.spool_files.append(path.name)
                    report.spool_files_deleted += 1
                    if not self._dry:
                        path.unlink()

    # -- 3. old records --------------------------------------------------------------------
    def _finished_bon(self, cutoff: datetime) -> Any:
        """A bon nobody can use any more, finished before the retention cutoff."""
        return or_(
            and_(Bon.state == "redeemed", Bon.redeemed_at < cutoff),
            and_(Bon.state == "voided", Bon.voided_at < cutoff),
            and_(Bon.state == "issued", Bon.expires_at < cutoff),
        )

    def _purge_sessions(self, report: PurgeReport, now: datetime) -> None:
        cutoff = report.retention_cutoff
        assert cutoff is not None
        s = CitizenSession
        open_work = exists().where(
            OutboxItem.session_id == s.id, OutboxItem.state.in_(("pending", "refused", "parked"))
        )
        live_bon = exists().where(Bon.origin_session_id == s.id, not_(self._finished_bon(cutoff)))
        with self.engine.connect() as conn:
            ids = list(
                conn.scalars(
                    select(s.id)
                    .where(
                        s.automat_id == self.automat_id,
                        s.state.in_(TERMINAL_SESSION_STATES),
                        func.coalesce(s.ended_at, s.started_at) < cutoff,
                        or_(s.end_reason.is_(None), s.end_reason != ANONYMISED),
                        not_(open_work),
                        not_(live_bon),
                    )
                    .order_by(s.id)
                )
            )
        for chunk in self._chunks(ids):
            self._txn(lambda conn, chunk=chunk: self._purge_chunk(conn, chunk, report))

    def _purge_chunk(self, conn: Connection, chunk: list[str], report: PurgeReport) -> None:
        # the metrics' counters must not go down: their payments go to the purged tally
        gone = counted(conn, CitizenSession.id.in_(chunk))
        # bons: those credited from these sessions go with them; a bon from elsewhere that was
        # redeemed here only loses the link (its origin session still counts it as credited)
        report.bons_deleted += conn.execute(
            delete(Bon).where(Bon.origin_session_id.in_(chunk))
        ).rowcount
        report.bons_unlinked += conn.execute(
            update(Bon).where(Bon.redeemed_session_id.in_(chunk)).values(redeemed_session_id=None)
        ).rowcount
        report.refunds_deleted += conn.execute(
            delete(Refund).where(Refund.session_id.in_(chunk))
        ).rowcount
        report.tenders_deleted += conn.execute(
            delete(Tender).where(Tender.session_id.in_(chunk))
        ).rowcount
        report.allocations_deleted += conn.execute(
            delete(Allocation).where(Allocation.session_id.in_(chunk))
        ).rowcount
        report.outbox_deleted += conn.execute(
            delete(OutboxItem).where(
                OutboxItem.session_id.in_(chunk), OutboxItem.batch_id.is_(None)
            )
        ).rowcount
        # exported debtor items stay with their delivered batch, without personal data
        kept = conn.execute(
            select(
                OutboxItem.id, OutboxItem.session_id, OutboxItem.amount_ore, OutboxItem.payload
            ).where(OutboxItem.session_id.in_(chunk))
        ).all()
        for item_id, _sid, amount, payload in kept:
            removed = (payload or {}).get(CPR_REMOVED) or self.clock.now().isoformat()
            conn.execute(
                update(OutboxItem)
                .where(OutboxItem.id == item_id)
                .values(
                    payload={"amount_ore": amount, CPR_REMOVED: removed, "anonymised": True},
                    idempotency_key=f"purged-{item_id}",
                    result=None,
                    last_error=None,
                )
            )
            report.outbox_anonymised += 1
        anchors = sorted({sid for _, sid, _, _ in kept})
        # an anonymised anchor stays in the ledger and goes on counting as a session
        gone.sessions = counted(
            conn, CitizenSession.id.in_(chunk), CitizenSession.id.not_in(anchors or [""])
        ).sessions
        add_purged(conn, self.automat_id, gone)
        if anchors:
            report.sessions_anonymised += conn.execute(
                update(CitizenSession)
                .where(CitizenSession.id.in_(anchors))
                .values(patron_id=None, plan=None, transaction_ref=None, end_reason=ANONYMISED)
            ).rowcount
        report.sessions_deleted += conn.execute(
            delete(CitizenSession).where(
                CitizenSession.id.in_(chunk), CitizenSession.id.not_in(anchors or [""])
            )
        ).rowcount

    def _purge_staff_bons(self, report: PurgeReport) -> None:
        cutoff = report.retention_cutoff
        assert cutoff is not None
        with self.engine.connect() as conn:
            ids = list(
                conn.scalars(
                    select(Bon.id).where(
                        Bon.origin_session_id.is_(None), self._finished_bon(cutoff)
                    )
                )
            )
        for chunk in self._chunks(ids):

            def work(conn: Connection, chunk: list[str] = chunk) -> None:
                report.bons_deleted += conn.execute(delete(Bon).where(Bon.id.in_(chunk))).rowcount

            self._txn(work)

    def _purge_audit_log(self, report: PurgeReport) -> None:
        report.audit_entries_deleted += self._delete_older(
            AuditEntry.id, AuditEntry.automat_id, AuditEntry.at, report
        )

    def _purge_emptyings(self, report: PurgeReport) -> None:
        """Cash-box emptyings (who counted what, the difference) past the retention period:
        the counters they reset live in ``cash_inventory``, so nothing reads them back."""
        report.emptyings_deleted += self._delete_older(
            CashBoxEmptying.id, CashBoxEmptying.automat_id, CashBoxEmptying.emptied_at, report
        )

    def _delete_older(self, id_col: Any, automat_col: Any, at_col: Any,
                      report: PurgeReport) -> int:
        """Delete this automat's rows of one table older than the retention cutoff, in bounded
        transactions (rolled back in a dry run); how many there were."""
        cutoff = report.retention_cutoff
        assert cutoff is not None
        with self.engine.connect() as conn:
            ids = list(
                conn.scalars(select(id_col).where(automat_col == self.automat_id, at_col < cutoff))
            )
        deleted = 0
        for chunk in self._chunks(ids):

            def work(conn: Connection, chunk: list[int] = chunk) -> None:
                nonlocal deleted
                deleted += conn.execute(delete(id_col.table).where(id_col.in_(chunk))).rowcount

            self._txn(work)
        return deleted


class PurgeScheduler(PeriodicWorker[PurgeReport]):
    """Runs the purge once a day in its own thread (never the GUI's); errors are logged and the
    next day retries. ``stop`` ends it at once."""

    def __init__(
        self, purger: Purger, interval_s: float = DAY_S, first_delay_s: float = 600.0
    ) -> None:
        # the first run waits until start-up (recovery, devices, first citizen) has settled
        super().__init__(
            purger.purge,
            interval_s,
            name="retention",
            what="retention purge",
            first_delay_s=first_delay_s,
        )
        self.purger = purger

    @property
    def last_report(self) -> PurgeReport | None:
        return self.last_result

    def tick(self) -> PurgeReport | None:
        """One purge; never raises."""
        return self.last_result if self.run_once() else None


def purger_from_config(config: Any, engine: Engine, clock: Clock) -> Purger:
    """``config`` is a :class:`kiosk.config.KioskConfig`."""
    debtor = config.debtor
    return Purger(
        engine,
        config.automat.id,
        clock,
        retention_years=config.database.retention_years,
        keep_cpr_days=debtor.keep_cpr_days if debtor is not None else 30,
        spool_dir=config.debtor_spool_dir,
    )
