"""What must hold after every restart, with the world's truth on one side and the ledger and the
delivered files on the other — never the ledger compared with itself.

- money: what the devices took (coins the acceptor took, notes stacked, card payments the
  terminal approved, plus desk bons redeemed) == what the ledger settled + credited + refunded,
  to the øre; and per device, what it took == what the ledger recorded from it;
- FBS: every fee the simulator was asked to register was asked by one order only and registered
  once; every fee the ledger settled into FBS is registered, by the order the ledger holds;
- debtor: every debtor item of the ledger is in exactly one delivered file, and every line of a
  delivered file is a ledger item (the files are parsed here, not asked of the exporter);
- ``kiosk audit`` (:func:`kiosk.ledger.audit.run_audit`) is clean and no session is left open;
- paper: a bon printed with a QR code exists in the ledger with the printed amount.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from kiosk.ledger.audit import run_audit
from kiosk.ledger.models import Allocation, Bon, CitizenSession, OutboxItem, Refund, Tender

DEVICE_OF_KIND = {"coin": "coins", "note": "notes", "card": "card"}


@dataclass(frozen=True)
class Discrepancy:
    """One thing that does not add up. ``key`` identifies it across checks (a discrepancy that
    is still there after the next restart is the same one, not a new one)."""

    kind: str  # money, device, session, fbs, debtor, audit, paper
    subject: str  # a device, a session id, a fee id, a debtor item …
    ore: int  # how much money is concerned (0 where none is)
    detail: str

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.kind, self.subject, self.ore)

    def __str__(self) -> str:
        money = f" ({self.ore:+d} øre)" if self.ore else ""
        return f"{self.kind} {self.subject}{money}: {self.detail}"


@dataclass
class Books:
    """The ledger, read by the test (its own engine) after a restart."""

    tenders: list[dict[str, Any]]
    settled: int
    credited: int
    refunded: int
    bons: list[dict[str, Any]]
    outbox: list[dict[str, Any]]
    sessions: dict[str, dict[str, Any]]

    @classmethod
    def read(cls, engine: Engine) -> Books:
        with engine.connect() as conn:
            tenders = [dict(r._mapping) for r in conn.execute(select(
                Tender.id, Tender.session_id, Tender.kind, Tender.state, Tender.amount_ore,
                Tender.device, Tender.reference))]
            settled = sum(int(a) for (a,) in conn.execute(select(Allocation.amount_ore)))
            refunded = sum(int(a) for (a,) in conn.execute(select(Refund.amount_ore)))
            bons = [dict(r._mapping) for r in conn.execute(select(
                Bon.id, Bon.short_code, Bon.amount_ore, Bon.reason, Bon.state,
                Bon.origin_session_id, Bon.redeemed_session_id))]
            outbox = [dict(r._mapping) for r in conn.execute(select(
                OutboxItem.id, OutboxItem.session_id, OutboxItem.kind, OutboxItem.state,
                OutboxItem.idempotency_key, OutboxItem.amount_ore, OutboxItem.payload,
                OutboxItem.batch_id))]
            sessions = {r.id: dict(r._mapping) for r in conn.execute(select(
                CitizenSession.id, CitizenSession.state, CitizenSession.end_reason,
                CitizenSession.transaction_ref))}
        credited = sum(b["amount_ore"] for b in bons if b["reason"] != "desk_cash")
        return cls(tenders, settled, credited, refunded, bons, outbox, sessions)

    def received(self, kind: str) -> int:
        return sum(t["amount_ore"] for t in self.tenders
                   if t["kind"] == kind and t["state"] in ("received", "reversed"))

    @property
    def desk_redeemed(self) -> int:
        return sum(b["amount_ore"] for b in self.bons
                   if b["reason"] == "desk_cash" and b["state"] == "redeemed")

    @property
    def accounted(self) -> int:
        return self.settled + self.credited + self.refunded


def device_money(truth: dict[str, Any]) -> dict[str, int]:
    return {"coins": truth["coins"]["ore"], "notes": truth["notes"]["ore"],
            "card": truth["card"]["ore"]}


@dataclass
class DebtorFiles:
    """The delivered debtor files (profile ``generic-csv``), parsed line by line."""

    rows: list[dict[str, str]] = field(default_factory=list)  # with "file"
    problems: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, folder: Path) -> DebtorFiles:
        out = cls()
        if not folder.exists():
            return out
        for path in sorted(folder.iterdir()):
            if path.name.startswith("."):
                continue  # the importer skips files still being written
            lines = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8")),
                                    delimiter=";"))
            lines = [line for line in lines if line]
            if len(lines) < 2 or lines[0][0] != "cpr" or lines[-1][0] != "I ALT":
                out.problems.append(f"{path.name}: no header or trailer")
                continue
            details = lines[1:-1]
            total = 0
            for line in details:
                cpr, _type, amount, _paid_at, method, automat, ref, claim = line
                kroner, _, ore = amount.partition(",")
                total += int(kroner) * 100 + int(ore)
                out.rows.append({"file": path.name, "ref": ref, "claim": claim,
                                 "ore": str(int(kroner) * 100 + int(ore)), "cpr": cpr,
                                 "method": method, "automat": automat})
            trailer = lines[-1]
            kroner, _, ore = trailer[2].partition(",")
            if int(trailer[1]) != len(details) or int(kroner) * 100 + int(ore) != total:
                out.problems.append(f"{path.name}: trailer says {trailer[1]} item(s),"
                                    f" {trailer[2]} kr; the file holds {len(details)}, {total} øre")
        return out


def check(
    truth: dict[str, Any], books: Books, files: DebtorFiles, engine: Engine,
    slips: list[dict[str, Any]], *, startup_done: bool = True,
) -> list[Discrepancy]:
    """Every discrepancy between the world and the ledger and files, after a restart."""
    found: list[Discrepancy] = []
    found += _money(truth, books)
    found += _audit(engine, books)
    found += _fbs(truth, books, startup_done)
    found += _debtor(books, files, startup_done)
    found += _paper(books, slips)
    return found


def _money(truth: dict[str, Any], books: Books) -> list[Discrepancy]:
    found = []
    devices = device_money(truth)
    desk_known = {d["code"]: d["ore"] for d in truth["desk"]["bons"]}
    money_in = sum(devices.values()) + books.desk_redeemed
    if money_in != books.accounted:
        found.append(Discrepancy(
            "money", "total", money_in - books.accounted,
            f"the devices took {money_in} øre (coins {devices['coins']}, notes"
            f" {devices['notes']}, card {devices['card']}, desk bons redeemed"
            f" {books.desk_redeemed}) but the ledger accounts {books.accounted} (settled"
            f" {books.settled} + credited {books.credited} + refunded {books.refunded})"))
    for kind, device in DEVICE_OF_KIND.items():
        recorded = books.received(kind)
        if devices[device] != recorded:
            found.append(Discrepancy(
                "device", device, devices[device] - recorded,
                f"took {devices[device]} øre, the ledger recorded {recorded} øre from it"
                + _which(kind, truth, books)))
    for bon in books.bons:
        if bon["reason"] == "desk_cash" and desk_known.get(bon["short_code"]) != bon["amount_ore"]:
            found.append(Discrepancy("money", f"bon {bon['short_code']}", bon["amount_ore"],
                                     "a desk bon the desk never sold (or for another amount)"))
    return found


def _which(kind: str, truth: dict[str, Any], books: Books) -> str:
    """Which coins, notes or card payments the ledger is missing (or has extra)."""
    if kind == "coin":
        taken = Counter((str(c["counter"]), c["ore"]) for c in truth["coins"]["taken"])
        recorded = Counter(((t["reference"] or "").rpartition(":")[2], t["amount_ore"])
                           for t in books.tenders
                           if t["kind"] == "coin" and t["state"] == "received")
        missing, extra = taken - recorded, recorded - taken
        return (f"; coins not in the ledger (event counter, øre): {sorted(missing.elements())}"
                f"; in the ledger but not taken: {sorted(extra.elements())}")
    if kind == "note":
        stacked = Counter(truth["notes"]["stacked"])
        recorded = Counter(t["amount_ore"] for t in books.tenders
                           if t["kind"] == "note" and t["state"] == "received")
        return (f"; notes stacked {sorted(stacked.elements())}, recorded"
                f" {sorted(recorded.elements())}, in escrow {truth['notes']['in_escrow']}")
    approved = sorted(a["ore"] for a in truth["card"]["approved"])
    recorded_card = sorted(t["amount_ore"] for t in books.tenders
                           if t["kind"] == "card" and t["state"] == "received")
    return f"; the terminal approved {approved}, the ledger received {recorded_card}"


def _audit(engine: Engine, books: Books) -> list[Discrepancy]:
    report = run_audit(engine)
    found = []
    for balance in report.unbalanced:
        tenders = [f"{t['kind']} {t['amount_ore']}" for t in books.tenders
                   if t["session_id"] == balance.session_id and t["state"] == "received"]
        session = books.sessions.get(balance.session_id, {})
        found.append(Discrepancy(
            "session", balance.session_id, balance.difference.ore,
            f"{balance.describe()}; ended '{session.get('end_reason')}'; tenders {tenders}"))
    found += [Discrepancy("audit", "outbox", 0, p) for p in report.outbox_problems]
    found += [Discrepancy("session", s, 0,
                          f"still open after start-up ({books.sessions[s]['state']})")
              for s in report.open_sessions]
    return found


def _fbs(truth: dict[str, Any], books: Books, startup_done: bool) -> list[Discrepancy]:
    found = []
    fees = truth["fbs"]
    for fee_id, entry in fees.items():
        if len(entry["calls"]) > 1:
            found.append(Discrepancy(
                "fbs", f"fee {fee_id}", 0,
                f"asked to register by {len(entry['calls'])} orders: {entry['calls']}"))
        if entry["registered"] > 1:
            found.append(Discrepancy("fbs", f"fee {fee_id}", 0,
                                     f"registered {entry['registered']} times"))
    in_ledger: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in books.outbox:
        if item["kind"] != "fbs_registration":
            continue
        if startup_done and item["state"] != "done":
            found.append(Discrepancy(
                "fbs", f"outbox item {item['id']}", item["amount_ore"],
                f"still '{item['state']}' after the start-up outbox round (session"
                f" {item['session_id']})"))
        for fee_id in item["payload"].get("fee_ids", []):
            in_ledger[str(fee_id)].append(item)
    for fee_id, items in in_ledger.items():
        entry = fees.get(fee_id)
        done = [i for i in items if i["state"] == "done"]
        if done and (entry is None or entry["registered"] != 1):
            found.append(Discrepancy(
                "fbs", f"fee {fee_id}", 0,
                f"the ledger says FBS registered it (item {done[0]['id']}) but the simulator"
                f" registered it {0 if entry is None else entry['registered']} time(s)"))
        if entry is not None and entry["paid_by"] is not None and done:
            key = done[0]["idempotency_key"]
            if not str(entry["paid_by"]).startswith(key):
                found.append(Discrepancy(
                    "fbs", f"fee {fee_id}", 0,
                    f"registered by order {entry['paid_by']}, the ledger's order is {key}"))
    for fee_id, entry in fees.items():
        if entry["registered"] and fee_id not in in_ledger:
            found.append(Discrepancy("fbs", f"fee {fee_id}", 0,
                                     "registered at FBS but settled by no session in the ledger"))
    return found


def _debtor(books: Books, files: DebtorFiles, startup_done: bool) -> list[Discrepancy]:
    found = [Discrepancy("debtor", "file", 0, p) for p in files.problems]
    lines = Counter((r["ref"], r["claim"]) for r in files.rows)
    where = defaultdict(list)
    for row in files.rows:
        where[(row["ref"], row["claim"])].append(row["file"])
    items = {}
    for item in books.outbox:
        if item["kind"] != "debtor_item":
            continue
        key = (item["payload"]["transaction_ref"], item["payload"]["claim_ref"])
        items[key] = item
        count = lines.get(key, 0)
        if count > 1:
            found.append(Discrepancy("debtor", f"item {item['id']}", item["amount_ore"],
                                     f"in {count} delivered files: {where[key]}"))
        elif count == 0 and (startup_done or item["state"] == "exported"):
            found.append(Discrepancy(
                "debtor", f"item {item['id']}", item["amount_ore"],
                f"'{item['state']}' but in no delivered file (session {item['session_id']})"))
        elif count == 1 and item["state"] != "exported":
            found.append(Discrepancy("debtor", f"item {item['id']}", item["amount_ore"],
                                     f"delivered in {where[key][0]} but still '{item['state']}'"))
        elif count == 1:
            row = next(r for r in files.rows if (r["ref"], r["claim"]) == key)
            if int(row["ore"]) != item["amount_ore"]:
                found.append(Discrepancy("debtor", f"item {item['id']}", item["amount_ore"],
                                         f"the file says {row['ore']} øre"))
    for key in lines:
        if key not in items:
            found.append(Discrepancy("debtor", f"line {key}", 0,
                                     f"in delivered file(s) {where[key]} but no ledger item"))
    return found


def _paper(books: Books, slips: list[dict[str, Any]]) -> list[Discrepancy]:
    found = []
    bons = {b["id"]: b for b in books.bons}
    for slip in slips:
        for payload in slip["qr"]:
            if not payload.startswith("BON1."):
                continue
            _, bon_id, amount, *_ = payload.split(".")
            bon = bons.get(bon_id)
            if bon is None or bon["amount_ore"] != int(amount):
                found.append(Discrepancy(
                    "paper", f"bon {bon_id}", int(amount),
                    "printed, but the ledger has " + ("no such bon" if bon is None
                                                       else f"{bon['amount_ore']} øre")))
    return found
