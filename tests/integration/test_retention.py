"""Retention purge on SQLite and PostgreSQL: the CPR leaves the ledger and the spool once its batch
has been delivered for ``keep_cpr_days``; finished records leave after ``retention_years``; open
work, recent data and outstanding bons stay; ``kiosk audit`` stays clean; a second run finds
nothing; a dry run changes nothing."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, insert, select

from kiosk.clock import FakeClock
from kiosk.debtor.delivery import FolderDelivery
from kiosk.debtor.exporter import Exporter, ExportError
from kiosk.debtor.item import CPR_REMOVED
from kiosk.debtor.profile import load_profile
from kiosk.ledger.audit import run_audit
from kiosk.ledger.models import (
    Allocation,
    AuditEntry,
    Bon,
    CitizenSession,
    ExportBatch,
    OutboxItem,
    Refund,
    Tender,
)
from kiosk.ledger.tallies import purged
from kiosk.metrics.ledger_figures import read_figures
from kiosk.retention import Purger

REPO = Path(__file__).resolve().parents[2]
AUTOMAT = "kbh-01"
NOW = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=6 * 366)  # past a 5-year retention
MONTHS_AGO = NOW - timedelta(days=60)  # past keep_cpr_days, within retention
DAYS_AGO = NOW - timedelta(days=5)  # within keep_cpr_days

CPRS = {"old": "0101901234", "months": "0202851235", "days": "0303751236", "pending": "0404651237"}


def session(
    conn: Any, at: datetime, state: str = "done", amount: int = 0, automat: str = AUTOMAT
) -> str:
    """A finished (or open) session that received ``amount`` in cash and settled it."""
    sid = str(uuid.uuid4())
    terminal = state in ("done", "cancelled", "timed_out", "recovered")
    conn.execute(
        insert(CitizenSession).values(
            id=sid,
            automat_id=automat,
            state=state,
            patron_id="P-1",
            plan={"transaction_ref": sid[:12]},
            transaction_ref=sid[:12].upper(),
            started_at=at,
            ended_at=at + timedelta(minutes=3) if terminal else None,
        )
    )
    if amount:
        conn.execute(
            insert(Tender).values(
                session_id=sid, kind="coin", amount_ore=amount, device="coin", created_at=at
            )
        )
        conn.execute(
            insert(Allocation).values(
                session_id=sid,
                claim_id=f"C-{sid[:8]}",
                payable_in="debtor",
                amount_ore=amount,
                created_at=at,
            )
        )
    return sid


def debtor_item(conn: Any, sid: str, cpr: str, amount: int, at: datetime) -> None:
    conn.execute(
        insert(OutboxItem).values(
            session_id=sid,
            kind="debtor_item",
            idempotency_key=f"{sid[:12]}-D-{cpr[-4:]}",
            state="pending",
            amount_ore=amount,
            payload={
                "cpr": cpr,
                "claim_type": "BIBGEB",
                "claim_kind": "fee",
                "claim_ref": f"F{sid[:8]}",
                "claim_created": "2025-01-05T09:00:00+00:00",
                "amount_ore": amount,
                "paid_at": at.isoformat(),
                "method": "cash",
                "automat_id": AUTOMAT,
                "transaction_ref": sid[:12].upper(),
            },
            attempts=0,
            created_at=at,
        )
    )


class World:
    def __init__(self, engine: Engine, tmp_path: Path) -> None:
        self.engine = engine
        self.data_dir = tmp_path / "data"
        self.spool = self.data_dir / "debtor-spool"
        self.outgoing = tmp_path / "outgoing"  # the debtor system's pick-up folder
        self.clock = FakeClock(OLD)
        self.exporter = Exporter(
            engine,
            AUTOMAT,
            load_profile(REPO / "config" / "debtor" / "opus.toml"),
            self.spool,
            FolderDelivery(self.outgoing),
            self.clock,
        )
        self.ids: dict[str, str] = {}

    def export_at(self, at: datetime, name: str, cpr: str, amount: int) -> int:
        self.clock._now = at
        with self.engine.begin() as conn:
            sid = session(conn, at, amount=amount)
            debtor_item(conn, sid, cpr, amount, at)
        self.ids[name] = sid
        [batch] = self.exporter.run()
        return batch.id

    def purger(self) -> Purger:
        return Purger(
            self.engine,
            AUTOMAT,
            FakeClock(NOW),
            retention_years=5,
            keep_cpr_days=30,
            spool_dir=self.spool,
        )


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    w = World(engine, tmp_path)
    w.batch_old = w.export_at(OLD, "old", CPRS["old"], 2500)
    w.batch_months = w.export_at(MONTHS_AGO, "months", CPRS["months"], 3000)
    w.batch_days = w.export_at(DAYS_AGO, "days", CPRS["days"], 3500)
    with engine.begin() as conn:
        # old, but its debtor item is still pending (the debtor section was switched off)
        sid = session(conn, OLD, amount=4000)
        debtor_item(conn, sid, CPRS["pending"], 4000, OLD)
        w.ids["pending"] = sid
        # old and never finished (waiting for the card terminal)
        w.ids["open"] = session(conn, OLD, state="paying")
        # old, paid with an old staff bon, overpaid into a credit bon that is still outstanding
        sid = session(conn, OLD, amount=0)
        conn.execute(
            insert(Tender).values(
                session_id=sid, kind="bon", amount_ore=5000, reference="B-staff", created_at=OLD
            )
        )
        conn.execute(
            insert(Allocation).values(
                session_id=sid, claim_id="C-x", payable_in="fbs", amount_ore=3000, created_at=OLD
            )
        )
        for bon_id, code, origin, state, expires in [
            ("B-staff", "STAFF1", None, "redeemed", OLD + timedelta(days=90)),
            ("B-credit", "CREDIT1", sid, "issued", NOW + timedelta(days=30)),
        ]:
            conn.execute(
                insert(Bon).values(
                    id=bon_id,
                    short_code=code,
                    amount_ore=5000 if origin is None else 2000,
                    reason="desk_cash" if origin is None else "automat_credit",
                    state=state,
                    issuer="staff-1",
                    issued_at=OLD - timedelta(days=1),
                    expires_at=expires,
                    origin_session_id=origin,
                    redeemed_session_id=sid if state == "redeemed" else None,
                    redeemed_at=OLD if state == "redeemed" else None,
                )
            )
        w.ids["credit"] = sid
        # old, card paid and reversed, FBS registration done
        sid = session(conn, OLD, amount=0)
        tender = conn.execute(
            insert(Tender)
            .values(
                session_id=sid,
                kind="card",
                state="reversed",
                amount_ore=1000,
                created_at=OLD,
            )
            .returning(Tender.id)
        ).scalar_one()
        conn.execute(
            insert(Refund).values(
                session_id=sid, tender_id=tender, amount_ore=1000, method="card", created_at=OLD
            )
        )
        conn.execute(
            insert(OutboxItem).values(
                session_id=sid,
                kind="fbs_registration",
                idempotency_key=f"{sid[:12]}-F",
                state="done",
                amount_ore=0,
                payload={"patron_id": "P-1", "fee_ids": []},
                created_at=OLD,
                done_at=OLD,
            )
        )
        w.ids["refunded"] = sid
        for at in (OLD, DAYS_AGO):
            conn.execute(
                insert(AuditEntry).values(
                    at=at,
                    automat_id=AUTOMAT,
                    actor="staff-1",
                    role="staff",
                    action="bon_issue",
                    details={},
                )
            )
    assert run_audit(engine).clean, run_audit(engine).lines()
    return w


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every ledger table."""
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {
            name: sorted(tuple(map(repr, row)) for row in conn.execute(table.select()))
            for name, table in meta.tables.items()
            if name != "alembic_version"
        }


def cpr_forms(cpr: str) -> list[str]:
    return [cpr, f"{cpr[:6]}-{cpr[6:]}"]


def found_in_database(engine: Engine, cpr: str) -> list[str]:
    text = json.dumps(dump(engine), default=str)
    return [form for form in cpr_forms(cpr) if form in text]


def found_in_files(folder: Path, cpr: str) -> list[str]:
    hits = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [str(path) for form in cpr_forms(cpr) if form.encode() in data]
    return hits


def sessions(engine: Engine) -> dict[str, tuple[Any, ...]]:
    with engine.connect() as conn:
        return {
            row[0]: row[1:]
            for row in conn.execute(
                select(CitizenSession.id, CitizenSession.state, CitizenSession.end_reason)
            )
        }


def test_cpr_leaves_database_and_spool_after_the_window(world: World) -> None:
    for name in ("old", "months", "days", "pending"):
        assert found_in_database(world.engine, CPRS[name]), name
    assert found_in_files(world.data_dir, CPRS["old"]) and found_in_files(
        world.data_dir, CPRS["months"]
    )

    report = world.purger().purge()

    for name in ("old", "months"):
        assert found_in_database(world.engine, CPRS[name]) == [], name
        assert found_in_files(world.data_dir, CPRS[name]) == [], name
    # delivered 5 days ago: still needed for a redelivery; pending: not yet in any file
    assert found_in_database(world.engine, CPRS["days"])
    assert found_in_files(world.data_dir, CPRS["days"])
    assert found_in_database(world.engine, CPRS["pending"])
    assert report.cprs_scrubbed == 2 and report.spool_files_deleted == 2
    with world.engine.connect() as conn:
        payload = conn.scalar(
            select(OutboxItem.payload).where(OutboxItem.session_id == world.ids["months"])
        )
    assert payload["cpr"] == "020285-****" and CPR_REMOVED in payload  # reports still read
    assert payload["claim_ref"].startswith("F")


def test_redeliver_refuses_after_the_scrub_and_works_before(world: World) -> None:
    world.purger().purge()
    world.clock._now = NOW
    with pytest.raises(ExportError, match="retention policy"):
        world.exporter.redeliver(world.batch_months, actor="tech-1")
    before = sorted(p.name for p in world.outgoing.iterdir())
    assert world.exporter.redeliver(world.batch_days, actor="tech-1").id == world.batch_days
    assert sorted(p.name for p in world.outgoing.iterdir()) == before


def test_old_records_go_and_open_work_recent_data_and_live_bons_stay(world: World) -> None:
    report = world.purger().purge()
    left = sessions(world.engine)
    ids = world.ids
    assert ids["refunded"] not in left  # fully purged: no rows left anywhere
    # exported debtor items stay, anonymised, with their batch (audit: each in one file)
    assert left[ids["old"]] == ("done", "retention: anonymised")
    for kept in ("months", "days", "pending", "open", "credit"):
        assert ids[kept] in left and left[ids[kept]][1] is None, kept
    with world.engine.connect() as conn:
        for table in (Tender, Allocation, Refund):
            gone = conn.scalars(
                select(table.id).where(table.session_id.in_([ids["old"], ids["refunded"]]))
            ).all()
            assert gone == [], table.__tablename__
        assert conn.scalar(select(Bon.id).where(Bon.id == "B-credit")) == "B-credit"
        assert conn.scalar(select(Bon.id).where(Bon.id == "B-staff")) is None
        old_item = conn.execute(
            select(OutboxItem.state, OutboxItem.payload, OutboxItem.batch_id).where(
                OutboxItem.session_id == ids["old"]
            )
        ).one()
        assert old_item.state == "exported" and old_item.batch_id == world.batch_old
        assert set(old_item.payload) == {"amount_ore", CPR_REMOVED, "anonymised"}
        assert len(conn.scalars(select(ExportBatch.id)).all()) == 3
        actions = conn.execute(select(AuditEntry.at, AuditEntry.action)).all()
    assert [a for at, a in actions if at < NOW - timedelta(days=365)] == []
    assert sorted(a for _, a in actions) == ["bon_issue", "retention_purge"]
    assert report.sessions_deleted == 1 and report.sessions_anonymised == 1
    assert report.bons_deleted == 1 and report.refunds_deleted == 1
    assert report.audit_entries_deleted == 1
    audit = run_audit(world.engine)
    assert audit.clean, audit.lines()


def test_audit_entry_names_counts_never_a_cpr(world: World) -> None:
    report = world.purger().purge()
    with world.engine.connect() as conn:
        details = conn.scalar(
            select(AuditEntry.details).where(AuditEntry.action == "retention_purge")
        )
    assert details["counts"] == report.counts()
    assert not any(form in json.dumps(details) for c in CPRS.values() for form in cpr_forms(c))


def test_dry_run_changes_nothing_and_counts_what_a_run_does(world: World) -> None:
    before = dump(world.engine)
    files = sorted(p.name for p in world.spool.iterdir())
    dry = world.purger().purge(dry_run=True)
    assert dump(world.engine) == before
    assert sorted(p.name for p in world.spool.iterdir()) == files
    real = world.purger().purge()
    assert dry.counts() == real.counts() and real.changed


def test_second_purge_does_nothing(world: World) -> None:
    assert world.purger().purge().changed
    after = dump(world.engine)
    again = world.purger().purge()
    assert not again.changed, again.counts()
    assert dump(world.engine) == after
    assert run_audit(world.engine).clean


def test_later_export_continues_the_sequence_after_a_purge(world: World) -> None:
    world.purger().purge()
    batch = world.export_at(NOW, "later", "0505551238", 1200)
    with world.engine.connect() as conn:
        sequence = conn.scalar(select(ExportBatch.sequence).where(ExportBatch.id == batch))
    assert sequence == 4
    assert run_audit(world.engine).clean


def test_cli_purge_dry_run_then_real(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.app import open_database
    from kiosk.cli import main
    from kiosk.config import load_config
    from kiosk.debtor.setup import exporter_from_config
    from tests.conftest import BON_KEY, MINIMAL_CONFIG

    (tmp_path / "fbs-password").write_text("x\n")
    (tmp_path / "bon-key").write_text(BON_KEY + "\n")
    path = tmp_path / "kiosk.toml"
    debtor = '[debtor]\nprofile = "opus"\noutput_dir = "outgoing"\nkeep_cpr_days = 30\n'
    path.write_text(MINIMAL_CONFIG.format(extra=debtor))
    config = load_config(path)
    engine = open_database(config)
    long_ago = datetime.now(UTC) - timedelta(days=7 * 366)
    with engine.begin() as conn:
        sid = session(conn, long_ago, amount=2500, automat="test-01")
        debtor_item(conn, sid, CPRS["old"], 2500, long_ago)
    exporter_from_config(config, engine, FakeClock(long_ago)).run()
    data_dir = tmp_path / "data"
    assert found_in_files(data_dir / "debtor-spool", CPRS["old"])
    before = dump(engine)

    assert main(["purge", "--dry-run", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "dry run" in out and "cprs scrubbed: 1" in out and "spool files deleted: 1" in out
    assert dump(engine) == before

    assert main(["purge", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "cprs scrubbed: 1" in out and "sessions anonymised: 1" in out
    assert found_in_database(engine, CPRS["old"]) == []
    assert found_in_files(data_dir / "debtor-spool", CPRS["old"]) == []
    assert main(["audit", "--config", str(path)]) == 0
    assert main(["export", "--redeliver", "1", "--config", str(path)]) == 1
    assert "retention policy" in capsys.readouterr().err


def test_emptyings_past_the_retention_period_go_and_recent_ones_stay(world: World) -> None:
    """Who counted a cash box and the difference are kept as long as the records they explain,
    and no longer (a dry run counts them and deletes nothing)."""
    from kiosk.ledger.models import CashBoxEmptying

    def emptying(at: datetime, automat: str = AUTOMAT) -> dict[str, Any]:
        return {"automat_id": automat, "device": "coin_acceptor", "expected": {"2000": 1},
                "expected_ore": 2000, "counted": {"2000": 1}, "counted_ore": 2000,
                "difference_ore": 0, "emptied_by": "30", "role": "technician", "emptied_at": at}

    with world.engine.begin() as conn:
        conn.execute(insert(CashBoxEmptying), [
            emptying(NOW - timedelta(days=6 * 366)),
            emptying(NOW - timedelta(days=30)),
            emptying(NOW - timedelta(days=6 * 366), automat="other-01"),  # not this automat's
        ])
    assert world.purger().purge(dry_run=True).emptyings_deleted == 1
    report = world.purger().purge()
    assert report.emptyings_deleted == 1
    with world.engine.connect() as conn:
        left = conn.execute(
            select(CashBoxEmptying.automat_id, CashBoxEmptying.emptied_at)
        ).all()
    assert sorted(a for a, _ in left) == [AUTOMAT, "other-01"]


def test_the_metrics_counters_do_not_go_down_when_sessions_are_purged(world: World) -> None:
    """Prometheus reads a counter that falls as a restart from zero: what the purge deletes is
    tallied in its own transaction and the counters add it."""

    def counters() -> tuple[Any, ...]:
        with world.engine.connect() as conn:
            f = read_figures(conn, AUTOMAT)
        return f.sessions, f.payments, f.payments_ore

    before = counters()
    report = world.purger().purge()
    assert report.sessions_deleted == 1 and report.tenders_deleted >= 2
    assert counters() == before
    with world.engine.connect() as conn:
        gone = purged(conn, AUTOMAT)
    # the refunded session went whole; the old one's coins went, the session stays anonymised
    assert gone.sessions == {"done": 1}
    assert (gone.payments, gone.payments_ore) == ({"cash": 1}, {"cash": 2500})
    world.purger().purge()  # finds nothing: adds nothing
    assert counters() == before
