"""The lists behind a Z-report's figures: each card payment, FBS registration and its fees,
follow-up item, debtor item and debtor file. The files (CSV, PDF) and the automat's own report
carry them; the console's page shows the figures alone (``details=False``): a fleet's month
holds some 70,000 of these rows (bench/console.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select

from kiosk.cpr import scrub
from kiosk.ledger.models import CitizenSession, ExportBatch, OutboxItem, Tender
from kiosk.money import Money
from kiosk.patron_ids import shown
from kiosk.reports.figures import (
    CardPayment,
    Count,
    DebtorFile,
    DebtorLine,
    FbsRegistration,
    FeeRegistered,
    FollowUp,
)

if TYPE_CHECKING:
    from kiosk.reports.reader import Reader

#: the outbox's columns a report reads (not the lease's or the follow-up's), as rows
_OUTBOX_READ = (
    OutboxItem.idempotency_key,
    OutboxItem.state,
    OutboxItem.amount_ore,
    OutboxItem.payload,
    OutboxItem.result,
    OutboxItem.last_error,
    OutboxItem.created_at,
    OutboxItem.done_at,
)


def read(r: Reader) -> None:
    """Every list of the reader's scope into its report(s)."""
    _card_payments(r)
    _fbs(r)
    _debtor(r)


def _outbox(r: Reader, kind: str) -> Select[Any]:
    """Outbox rows of the scope with their session's reference."""
    return (
        select(*_OUTBOX_READ, CitizenSession.transaction_ref)
        .join(CitizenSession, CitizenSession.id == OutboxItem.session_id)
        .where(r.joined_scope(), OutboxItem.kind == kind)
        .order_by(OutboxItem.created_at, OutboxItem.id)
    )


def _card_payments(r: Reader) -> None:
    stmt = (
        select(Tender.created_at, CitizenSession.transaction_ref, Tender.reference)
        .add_columns(Tender.amount_ore)
        .join(CitizenSession, CitizenSession.id == Tender.session_id)
        .where(r.received(), Tender.kind == "card")
        .order_by(Tender.created_at, Tender.id)
    )
    for report, (at, ref, terminal_ref, amount, *_) in r.rows(stmt, grouped=False):
        report.card_payments.append(
            CardPayment(at, ref or "", terminal_ref or "", Money(int(amount)))
        )


def _fbs(r: Reader) -> None:
    for report, item in r.rows(_outbox(r, "fbs_registration").where(*r.refused()), grouped=False):
        report.follow_up.append(_follow_up(item, report.made_at or datetime.now(UTC)))
    written = r.within(OutboxItem.created_at)
    for report, item in r.rows(_outbox(r, "fbs_registration").where(written), grouped=False):
        report.fbs_registrations.append(_registration(item))


def _debtor(r: Reader) -> None:
    stmt = (
        _outbox(r, "debtor_item")
        .add_columns(ExportBatch.sequence, ExportBatch.file_name.label("batch_file"))
        .outerjoin(ExportBatch, ExportBatch.id == OutboxItem.batch_id)
        .where(r.within(OutboxItem.created_at))
    )
    for report, item in r.rows(stmt, grouped=False):
        payload = item.payload or {}
        report.debtor_items.append(
            DebtorLine(
                transaction_ref=item.transaction_ref or "",
                claim_ref=str(payload.get("claim_ref", "")),
                claim_type=str(payload.get("claim_type", "")),
                amount=Money(int(item.amount_ore)),
                state="exported" if item.state == "exported" else "pending",
                paid_at=item.created_at,
                batch_sequence=int(item.sequence) if item.sequence is not None else None,
                file_name=item.batch_file or "",
            )
        )
    files = (
        select(
            ExportBatch.automat_id,
            ExportBatch.sequence,
            ExportBatch.file_name,
            ExportBatch.state,
            ExportBatch.item_count,
            ExportBatch.total_ore,
            ExportBatch.created_at,
            ExportBatch.delivered_at,
        )
        .where(ExportBatch.automat_id.in_(r.automats), r.within(ExportBatch.created_at))
        .order_by(ExportBatch.automat_id, ExportBatch.sequence)
    )
    for report, row in r.rows(files, owner=ExportBatch.automat_id, grouped=False):
        report.debtor_files.append(
            DebtorFile(
                row.automat_id,
                int(row.sequence),
                row.file_name,
                row.state,
                Count(int(row.item_count), Money(int(row.total_ore))),
                row.created_at,
                row.delivered_at,
            )
        )


def _follow_up(item: Any, made_at: datetime) -> FollowUp:
    payload = item.payload or {}
    return FollowUp(
        item.idempotency_key,
        item.transaction_ref or "",
        str(payload.get("patron") or shown(str(payload.get("patron_id", "")))),
        tuple(str(f) for f in payload.get("fee_ids", [])),
        Money(int(item.amount_ore)),
        scrub(item.last_error or ""),  # FBS's words: may quote anything
        item.created_at,
        max(0, (made_at - item.created_at).days),
    )


def _registration(item: Any) -> FbsRegistration:
    payload = item.payload or {}
    confirmations = {str(k): str(v or "") for k, v in (item.result or {}).items()}
    amounts = {
        str(c.get("id")): Money(int(c.get("amount_ore", 0))) for c in payload.get("claims", [])
    }
    fees = tuple(
        FeeRegistered(fee, amounts.get(fee, Money(0)), confirmations.get(fee, ""))
        for fee in (str(f) for f in payload.get("fee_ids", []))
    )
    return FbsRegistration(
        item.idempotency_key,
        item.transaction_ref or "",
        item.state,
        Money(int(item.amount_ore)),
        item.created_at,
        item.done_at,
        fees,
    )
