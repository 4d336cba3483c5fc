"""Exporting debtor items: one delivered file per batch, gap-free sequence, clean audit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select, update

from kiosk.clock import FakeClock
from kiosk.debtor.delivery import DeliveryError, FolderDelivery
from kiosk.debtor.exporter import Exporter, ExportError
from kiosk.debtor.profile import load_profile
from kiosk.ledger.audit import run_audit
from kiosk.ledger.models import AuditEntry, CitizenSession, ExportBatch, OutboxItem

REPO = Path(__file__).resolve().parents[2]
PROFILES = REPO / "config" / "debtor"
AUTOMAT = "kbh-01"


def seed(engine: Engine, count: int, automat: str = AUTOMAT, amount: int = 2000) -> list[int]:
    """``count`` pending debtor items from one finished session, as the payment journal writes
    them."""
    sid = str(uuid.uuid4())
    ref = uuid.uuid4().hex[:12].upper()
    now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    ids = []
    with engine.begin() as conn:
        conn.execute(
            insert(CitizenSession).values(
                id=sid, automat_id=automat, state="done", started_at=now, transaction_ref=ref
            )
        )
        for i in range(count):
            ids.append(
                conn.execute(
                    insert(OutboxItem)
                    .values(
                        session_id=sid,
                        kind="debtor_item",
                        idempotency_key=f"{ref}-D-{i}",
                        state="pending",
                        amount_ore=amount + i,
                        payload={
                            "cpr": "0101901234",
                            "claim_type": "BIBGEB",
                            "claim_kind": "fee",
                            "claim_ref": f"F{ref[:8]}-{i}",  # fits opus's 16 columns
                            "claim_created": "2025-01-05T09:00:00+00:00",
                            "amount_ore": amount + i,
                            "paid_at": (now + timedelta(seconds=i)).isoformat(),
                            "method": "cash",
                            "automat_id": automat,
                            "transaction_ref": ref,
                        },
                        attempts=0,
                        created_at=now,
                    )
                    .returning(OutboxItem.id)
                ).scalar_one()
            )
    return ids


def make_exporter(
    engine: Engine, tmp_path: Path, profile: str = "opus", automat: str = AUTOMAT, **kw: object
) -> Exporter:
    return Exporter(
        engine,
        automat,
        load_profile(PROFILES / f"{profile}.toml"),
        tmp_path / "spool",
        kw.pop("delivery", None) or FolderDelivery(tmp_path / "outgoing"),  # type: ignore[arg-type]
        kw.pop("clock", None) or FakeClock(),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def files_in(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def item_ids_in_files(engine: Engine, folder: Path) -> list[int]:
    """Which outbox items each delivered file carries, read back from the files themselves
    (opus: claim_ref at columns 104-120 of a detail record)."""
    with engine.connect() as conn:
        by_ref = {
            p["claim_ref"]: i for i, p in conn.execute(select(OutboxItem.id, OutboxItem.payload))
        }
    found = []
    for data in files_in(folder).values():
        for record in data.decode("cp1252").split("\r\n"):
            if record.startswith("10"):
                found.append(by_ref[record[104:120].strip()])
    return found


def assert_exactly_once(engine: Engine, folder: Path) -> None:
    with engine.connect() as conn:
        items = conn.execute(
            select(OutboxItem.id, OutboxItem.state, OutboxItem.batch_id).where(
                OutboxItem.kind == "debtor_item"
            )
        ).all()
        batches = conn.execute(
            select(ExportBatch.sequence, ExportBatch.state, ExportBatch.file_name).order_by(
                ExportBatch.sequence
            )
        ).all()
    in_files = item_ids_in_files(engine, folder)
    assert sorted(in_files) == sorted(i for i, _, _ in items), "each item in exactly one file"
    assert all(state == "exported" for _, state, _ in items)
    assert [s for s, _, _ in batches] == list(range(1, len(batches) + 1))
    assert all(state == "delivered" for _, state, _ in batches)
    assert sorted(files_in(folder)) == sorted(name for _, _, name in batches)
    report = run_audit(engine)
    assert report.clean, report.lines()


def test_pending_items_become_one_delivered_file(engine: Engine, tmp_path: Path) -> None:
    seed(engine, 3)
    seed(engine, 2, automat="other-automat")  # another automat's items are not ours
    exporter = make_exporter(engine, tmp_path)
    [batch] = exporter.run()
    assert batch.sequence == 1 and batch.state == "delivered"
    assert batch.item_count == 3 and batch.total_ore == 2000 + 2001 + 2002
    assert batch.file_name == "OPUS_kbh-01_20261124_000001.txt"
    delivered = files_in(tmp_path / "outgoing")
    assert list(delivered) == [batch.file_name]
    assert delivered[batch.file_name] == (tmp_path / "spool" / batch.file_name).read_bytes()
    assert exporter.run() == []  # nothing pending: no empty file
    seed(engine, 2)
    [second] = exporter.run()
    assert second.sequence == 2 and second.item_count == 2
    with engine.connect() as conn:
        others = conn.scalars(
            select(OutboxItem.state)
            .join(CitizenSession)
            .where(CitizenSession.automat_id == "other-automat")
        ).all()
    assert others == ["pending", "pending"]
    assert len(item_ids_in_files(engine, tmp_path / "outgoing")) == 5
    report = run_audit(engine)
    assert report.clean, report.lines()


def test_an_item_that_cannot_be_rendered_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    [bad] = seed(engine, 1)
    with engine.begin() as conn:
        payload = conn.scalar(select(OutboxItem.payload).where(OutboxItem.id == bad))
        payload = {**payload, "method": "cheque"}  # no code for it in the opus profile
        conn.execute(update(OutboxItem).where(OutboxItem.id == bad).values(payload=payload))
    exporter = make_exporter(engine, tmp_path)
    with pytest.raises(ExportError, match=f"outbox item {bad}, detail field 'method'"):
        exporter.run()
    with engine.connect() as conn:
        assert conn.scalar(select(ExportBatch.id)) is None  # no sequence number used up
        assert conn.execute(select(OutboxItem.state, OutboxItem.batch_id)).all() == [
            ("pending", None)
        ]
    assert files_in(tmp_path / "outgoing") == {}


class FlakyDelivery(FolderDelivery):
    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.down = True

    def stage(self, name: str, data: bytes) -> None:
        if self.down:
            raise DeliveryError("network share is not mounted")
        super().stage(name, data)


def test_delivery_failure_is_retried_without_a_gap(engine: Engine, tmp_path: Path) -> None:
    seed(engine, 2)
    delivery = FlakyDelivery(tmp_path / "outgoing")
    exporter = make_exporter(engine, tmp_path, delivery=delivery)
    with pytest.raises(ExportError, match="not mounted"):
        exporter.run()
    assert exporter.batch(1).state == "written"
    seed(engine, 1)
    delivery.down = False
    batches = exporter.run()
    assert [(b.sequence, b.item_count) for b in batches] == [(1, 2), (2, 1)]
    assert_exactly_once(engine, tmp_path / "outgoing")


def test_redeliver_writes_identical_bytes_and_is_audited(engine: Engine, tmp_path: Path) -> None:
    seed(engine, 4)
    exporter = make_exporter(engine, tmp_path, profile="os-indsigt")
    [batch] = exporter.run()
    target = tmp_path / "outgoing" / batch.file_name
    original = target.read_bytes()
    target.unlink()  # the debtor system took it, then lost it
    again = exporter.redeliver(batch.id, actor="tech-7")
    assert target.read_bytes() == original
    assert again.sha256 == batch.sha256
    with engine.connect() as conn:
        entry = conn.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.details)).one()
    assert entry.actor == "tech-7" and entry.action == "debtor_redeliver"
    assert entry.details["file_name"] == batch.file_name
    assert exporter.batch(batch.id).state == "delivered"


def test_redeliver_refuses_unfinished_batches_and_changed_profiles(
    engine: Engine, tmp_path: Path
) -> None:
    seed(engine, 1)
    delivery = FlakyDelivery(tmp_path / "outgoing")
    exporter = make_exporter(engine, tmp_path, delivery=delivery)
    with pytest.raises(ExportError):
        exporter.run()
    with pytest.raises(ExportError, match="not delivered"):
        exporter.redeliver(1, actor="tech")
    other = make_exporter(engine, tmp_path, profile="prisme", delivery=delivery)
    delivery.down = False
    with pytest.raises(ExportError, match="profile 'opus'"):
        other.run()
    with pytest.raises(ExportError, match="no export batch 99"):
        exporter.redeliver(99, actor="tech")
    assert files_in(tmp_path / "outgoing") == {}


def test_files_holding_cpr_are_not_world_readable(sqlite_engine: Engine, tmp_path: Path) -> None:
    seed(sqlite_engine, 1)
    [batch] = make_exporter(sqlite_engine, tmp_path).run()
    for folder in ("spool", "outgoing"):
        assert (tmp_path / folder / batch.file_name).stat().st_mode & 0o007 == 0
