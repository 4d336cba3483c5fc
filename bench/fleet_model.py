"""A year of one automat's ledger rows, as the payment journal writes them (bench/fleet_data.py).

Deterministic (one ``random.Random`` per automat, seeded). Each citizen session is written the
way ``kiosk.payment.journal`` and its neighbours would: a committed plan, tenders (card, coins and
notes with their cash-box counts, redeemed bons), allocations (claims, cash rounding by the
product's own ``tally.settlement``), the FBS registration and debtor items in the outbox, credit
and remainder bons; plus what staff and technicians do (desk bons issued and voided, cash-box
emptyings, test coins, follow-up items closed: each with its audit entry) and the debtor files
the 20-minute export writes. Refunds are not generated: no product code writes them yet.

Rows are tuples in the column order of :data:`COLUMNS`; times are naive UTC (the ledger's
``UtcDateTime``), JSON columns JSON text.
"""

from __future__ import annotations

import bisect
import json
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from kiosk.bon_codes import CROCKFORD, check_char
from kiosk.bons import expiry_after
from kiosk.clock import LOCAL_TIME
from kiosk.followup_words import CLOSE_OUTCOMES
from kiosk.money import Money
from kiosk.payment.journal import TECHNICIAN_TEST
from kiosk.payment.tally import cash_target, settlement

COLUMNS: dict[str, tuple[str, ...]] = {
    "citizen_sessions": ("id", "automat_id", "state", "patron_id", "selection_committed", "plan",
                         "transaction_ref", "started_at", "ended_at", "end_reason"),
    "export_batches": ("id", "automat_id", "sequence", "profile", "file_name", "state",
                       "item_count", "total_ore", "sha256", "created_at", "staged_at",
                       "delivered_at"),
    "tenders": ("id", "session_id", "kind", "state", "amount_ore", "denomination_ore", "device",
                "reference", "receipt_text", "created_at"),
    "allocations": ("id", "session_id", "kind", "claim_id", "claim_kind", "payable_in",
                    "amount_ore", "patron_id", "created_at"),
    "outbox": ("id", "session_id", "kind", "idempotency_key", "state", "amount_ore", "payload",
               "attempts", "next_attempt_at", "last_error", "result", "created_at", "done_at",
               "batch_id", "closed_at", "closed_by", "closed_role", "close_outcome", "close_note"),
    "bons": ("id", "short_code", "amount_ore", "reason", "state", "issuer", "issued_at",
             "expires_at", "origin_session_id", "redeemed_session_id", "redeemed_at",
             "voided_at", "voided_by"),
    "cash_box_emptyings": ("automat_id", "device", "expected", "expected_ore", "counted",
                           "counted_ore", "difference_ore", "emptied_by", "role", "emptied_at"),
    "audit_log": ("at", "automat_id", "actor", "role", "action", "details"),
    "cash_inventory": ("automat_id", "device", "denomination_ore", "count"),
    "device_positions": ("automat_id", "device", "event_ref", "updated_at", "stopped_cleanly"),
}
#: tables with an integer id the generator assigns (their sequences are moved past it after)
SEQUENCED = ("export_batches", "tenders", "allocations", "outbox")

COINS = (50, 100, 200, 500, 1000, 2000)
NOTES = (5000, 10000, 20000)
MAX_OVERPAY = 10000  # [cash] max_overpay_ore
CLAIM_TYPES = {"fee": "BIBGEB", "compensation": "BIBERS", "other": "BIBAND"}
REFUSAL = "Der findes ingen regnskabsperiode for den angivne dato"
REFUSED_RETRY = timedelta(days=14)  # [fbs] refused_retry_days
EXPORT_EVERY = 1200  # seconds: the debtor export's 20 minutes
NAMES = ("Jens Hansen", "Mette Nielsen", "Anne Jensen", "Peter Pedersen", "Kirsten Andersen",
         "Lars Christensen", "Hanne Larsen", "Søren Sørensen", "Camilla Rasmussen", "Ali Yilmaz")
DAY_OPEN, DAY_HOURS = 8, 12  # the library is open 08–20, Danish time


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass
class Ids:
    """The integer ids the whole fleet shares (one counter per table)."""

    next: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEQUENCED, 1))

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


@dataclass
class Tally:
    """What the generator itself wrote, per month: the truth the report is checked against."""

    sessions: dict[tuple[tuple[int, int], str], int] = field(
        default_factory=lambda: defaultdict(int))
    tenders: dict[tuple[tuple[int, int], str], int] = field(
        default_factory=lambda: defaultdict(int))
    settled: dict[tuple[tuple[int, int], str], int] = field(
        default_factory=lambda: defaultdict(int))


@dataclass
class _Bon:
    row: list[object]
    usable_from: datetime  # when the citizen comes back with it (aware UTC)


class AutomatYear:
    """One automat's year; :meth:`rows` yields (table, row) in an order the foreign keys take."""

    def __init__(self, automat_id: str, index: int, first: date, days: int,
                 sessions_per_day: list[float], seed: int, ids: Ids, tally: Tally) -> None:
        self.automat = automat_id
        self.rng = random.Random(seed * 1_000_003 + index)
        self.first, self.days, self.per_day = first, days, sessions_per_day
        self.ids, self.tally = ids, tally
        self.now = datetime.combine(first + timedelta(days=days), time(0), LOCAL_TIME)
        self.out: dict[str, list[tuple[object, ...]]] = defaultdict(list)
        self.bons: dict[str, _Bon] = {}
        self.pool: list[_Bon] = []  # bons a citizen may bring, oldest first
        self.codes: set[str] = set()
        self.box: dict[tuple[str, int], int] = defaultdict(int)
        self.event = 0
        self.debtor: list[tuple[datetime, list[object]]] = []  # (settled at, outbox row)

    # -- helpers ------------------------------------------------------------------------------
    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _ref(self) -> str:
        return "K" + f"{self.rng.getrandbits(60):015X}"

    def _audit(self, at: datetime, actor: str, role: str, action: str, details: dict) -> None:
        self.out["audit_log"].append((_utc(at), self.automat, actor, role, action, _json(details)))

    @staticmethod
    def _month(at: datetime) -> tuple[int, int]:
        return (at.year, at.month)  # ``at`` is Danish time (the day's opening plus seconds)

    def _tender(self, sid: str, kind: str, amount: int, at: datetime, *, state: str = "received",
                device: str | None = None, reference: str | None = None,
                receipt: str | None = None) -> None:
        denomination = amount if kind in ("coin", "note") else None
        if kind in ("coin", "note"):
            device = "coin_acceptor" if kind == "coin" else "note_validator"
            self.event += 1
            reference = f"{device}:{self.event}"
            self.box[(device, amount)] += 1
        self.out["tenders"].append((self.ids.take("tenders"), sid, kind, state, amount,
                                    denomination, device, reference, receipt, _utc(at)))
        if state == "received":
            self.tally.tenders[(self._month(at), kind)] += amount

    def _allocate(self, sid: str, kind: str, amount: int, at: datetime, claim: dict | None = None,
                  patron: str | None = None) -> None:
        c = claim or {}
        payable = c.get("payable_in", "none")
        self.out["allocations"].append((
            self.ids.take("allocations"), sid, kind, c.get("id"), c.get("kind"), payable, amount,
            patron, _utc(at)))
        key = payable if kind == "claim" else kind
        self.tally.settled[(self._month(at), key)] += amount

    def _bon(self, amount: int, reason: str, issuer: str, at: datetime, origin: str | None,
             back_after: timedelta | None) -> _Bon:
        code = ""
        while not code or code in self.codes:
            body = "".join(self.rng.choice(CROCKFORD) for _ in range(9))
            code = body + check_char(body)
        self.codes.add(code)
        bon = _Bon([self._uuid(), code, amount, reason, "issued", issuer, _utc(at),
                    _utc(expiry_after(at, timedelta(days=90))), origin, None, None, None, None],
                   at + (back_after or timedelta(0)))
        self.bons[str(bon.row[0])] = bon
        if back_after is not None:
            self._to_pool(bon)
        return bon

    def _to_pool(self, bon: _Bon) -> None:
        bisect.insort(self.pool, bon, key=lambda b: b.usable_from)

    def _take_bon(self, at: datetime) -> _Bon | None:
        """The oldest bon a citizen brings back now; expired ones leave the pool unused."""
        now = _utc(at)
        while self.pool and self.pool[0].row[7] <= now:  # type: ignore[operator]
            self.pool.pop(0)
        if self.pool and self.pool[0].usable_from <= at:
            return self.pool.pop(0)
        return None

    # -- the year -------------------------------------------------------------------------------
    def rows(self) -> Iterator[tuple[str, tuple[object, ...]]]:
        for offset in range(self.days):
            day = self.first + timedelta(days=offset)
            opens = datetime.combine(day, time(DAY_OPEN), LOCAL_TIME)
            if day.weekday() == 0:
                for device in ("coin_acceptor", "note_validator"):
                    self._empty(device, opens - timedelta(minutes=30))
            events: list[tuple[float, str]] = []
            n = int(self.per_day[offset])
            n += self.rng.random() < self.per_day[offset] - n
            events += [(self.rng.uniform(0, DAY_HOURS * 3600), "session") for _ in range(n)]
            events += [(self.rng.uniform(0, DAY_HOURS * 3600), "desk") for _ in range(2)
                       if self.rng.random() < 0.6]
            if self.rng.random() < 1 / 7:
                events.append((self.rng.uniform(0, 3600), "test"))
            for seconds, what in sorted(events):
                at = opens + timedelta(seconds=seconds)
                if what == "session":
                    self._session(at)
                elif what == "desk":
                    self._desk_bon(at)
                else:
                    self._test_coin(at)
        yield from self._finish()

    def _finish(self) -> Iterator[tuple[str, tuple[object, ...]]]:
        self._batches()
        self.out["bons"] = [tuple(b.row) for b in self.bons.values()]
        self.out["cash_inventory"] = [(self.automat, dev, den, n)
                                      for (dev, den), n in sorted(self.box.items())]
        self.out["device_positions"] = [
            (self.automat, dev, f"{dev}:{self.event}", _utc(self.now), True)
            for dev in ("coin_acceptor", "note_validator")]
        for table in COLUMNS:
            for row in self.out.pop(table, []):
                yield table, row

    def _session_row(self, sid: str, state: str, start: datetime, end: datetime, reason: str,
                     plan: dict | None = None, ref: str | None = None,
                     patron: str | None = None) -> None:
        self.out["citizen_sessions"].append((
            sid, self.automat, state, patron, plan is not None,
            _json(plan) if plan is not None else None, ref, _utc(start), _utc(end), reason))
        if reason != TECHNICIAN_TEST:
            self.tally.sessions[(self._month(start), state)] += 1

    def _claims(self, cpr: bool) -> list[dict]:
        claims = []
        for _ in range(self.rng.choices((1, 2, 3), (55, 30, 15))[0]):
            kind = self.rng.choices(("fee", "compensation", "other"), (65, 30, 5))[0]
            if kind == "fee":
                amount = self.rng.choice((1000, 2000, 2500, 3000, 3730, 5000, 7500, 10000))
            elif kind == "compensation":
                amount = self.rng.randrange(4995, 60000, 5)
            else:
                amount = self.rng.choice((500, 1500))
            claims.append({
                "id": str(self.rng.getrandbits(40)), "kind": kind, "amount_ore": amount,
                "payable_in": "debtor" if cpr and self.rng.random() < 0.4 else "fbs",
                "created": (self.first - timedelta(days=self.rng.randrange(1, 400))).isoformat(),
            })
        return claims

    def _cash(self, sid: str, due: int, at: datetime) -> tuple[list[tuple[str, Money]], datetime]:
        """Coins and notes until ``due`` is covered (sometimes a note too many: overpaid)."""
        paid: list[tuple[str, Money]] = []
        while due > 0:
            fits = [d for d in COINS + NOTES if d <= due]
            over = [d for d in COINS + NOTES if d > due and d - due <= MAX_OVERPAY]
            if over and self.rng.random() < 0.25:
                value = self.rng.choice(over)
            else:
                value = max(fits) if fits else COINS[0]
            kind = "coin" if value in COINS else "note"
            at += timedelta(seconds=self.rng.uniform(1.5, 4))
            self._tender(sid, kind, value, at)
            paid.append((kind, Money(value)))
            due -= value
        return paid, at

    def _session(self, start: datetime) -> None:
        r = self.rng.random()
        sid = self._uuid()
        if r < 0.14:  # looked at the claims and left (or walked away)
            state = "cancelled" if r < 0.085 else "timed_out"
            end = start + timedelta(seconds=self.rng.uniform(20, 120))
            self._session_row(sid, state, start, end, "cancel" if state == "cancelled" else
                              "timeout")
            return
        if r < 0.142:  # a coin with no payment under way: credited, the session ended at once
            value = self.rng.choice(COINS)
            self._tender(sid, "coin", value, start)
            self._bon(value, "automat_credit", self.automat, start, sid, timedelta(days=3))
            self._session_row(sid, "cancelled", start, start, "money_outside_payment")
            return
        cpr = self.rng.random() < 0.35
        patron = str(self.rng.randrange(10**7, 10**8))
        name = self.rng.choice(NAMES)
        ref = self._ref()
        claims = self._claims(cpr)
        plan = {"transaction_ref": ref, "patron_id": patron, "claims": claims,
                "patron_label": f"{name} ({patron})"}
        planned = start + timedelta(seconds=self.rng.uniform(25, 90))
        total = sum(c["amount_ore"] for c in claims)
        if r < 0.150:  # paid some cash, then cancelled (or a restart credited it)
            paid, at = self._cash(sid, self.rng.choice(COINS), planned)
            received = sum(m.ore for _, m in paid)
            restart = r >= 0.1485
            self._bon(received, "automat_credit", self.automat, at, sid, timedelta(days=2))
            self._session_row(sid, "recovered" if restart else "cancelled", start,
                              at + timedelta(seconds=5),
                              "credited at restart" if restart else "cancel", plan, ref, patron)
            return
        self._pay(sid, start, planned, plan, claims, total, patron, name, cpr)

    def _pay(self, sid: str, start: datetime, at: datetime, plan: dict, claims: list[dict],
             total: int, patron: str, name: str, cpr: bool) -> None:
        u = self.rng.random()
        tenders: list[tuple[str, Money]] = []
        paying_by = ""
        bon = self._take_bon(at) if 0.87 <= u < 0.95 else None
        if bon is not None:
            at += timedelta(seconds=5)
            amount = int(bon.row[2])  # type: ignore[call-overload]
            bon.row[4:] = ["redeemed", *bon.row[5:9], sid, _utc(at), None, None]
            self._tender(sid, "bon", amount, at, device=self.automat, reference=str(bon.row[0]))
            tenders.append(("bon", Money(amount)))
        rest = total - sum(m.ore for _, m in tenders)
        if rest > 0 and (0.55 <= u < 0.87 or (bon is not None and u >= 0.93)):
            paying_by = "cash"
            due = cash_target(Money(total), Money(total - rest)).ore - (total - rest)
            paid, at = self._cash(sid, due, at)
            tenders += paid
        elif rest > 0:
            if u >= 0.95:  # the first card was declined
                self._tender(sid, "card", rest, at, state="declined", device="card_terminal",
                             reference=f"{plan['transaction_ref']}-C1")
                at += timedelta(seconds=20)
            at += timedelta(seconds=self.rng.uniform(8, 25))
            terminal = f"{self.rng.randrange(10**5, 10**6)}"
            self._tender(sid, "card", rest, at, device="card_terminal", reference=terminal,
                         receipt=f"DANKORT\nKONTAKTLØS\nBELØB DKK {rest / 100:.2f}\nREF {terminal}"
                         f"\nGODKENDT")
            tenders.append(("card", Money(rest)))
        done = settlement(Money(total), tenders, paying_by=paying_by)
        assert done is not None, (total, tenders)
        at += timedelta(seconds=1)
        received = sum(m.ore for _, m in tenders)
        for claim in claims:
            self._allocate(sid, "claim", claim["amount_ore"], at, claim, patron)
        if done.rounding:
            self._allocate(sid, "cash_rounding", done.rounding.ore, at)
        credit = received - total - done.rounding.ore
        if credit > 0:
            self._bon(credit, done.credit_reason, self.automat, at, sid,
                      timedelta(days=self.rng.uniform(1, 30)) if self.rng.random() < 0.6
                      else None)
        fbs = [c for c in claims if c["payable_in"] == "fbs"]
        if fbs:
            self._registration(sid, plan, fbs, f"{name} ({patron})", patron, at)
        for claim in claims:
            if claim["payable_in"] == "debtor":
                self._debtor_item(sid, plan["transaction_ref"], claim, done.method, at, cpr)
        end = at + timedelta(seconds=self.rng.uniform(8, 30))
        self._session_row(sid, "done", start, end, "", plan, plan["transaction_ref"], patron)

    def _registration(self, sid: str, plan: dict, fbs: list[dict], label: str, patron: str,
                      at: datetime) -> None:
        local = at.astimezone(LOCAL_TIME)
        year_end = local.month == 1 and local.day <= 7  # no accounting period yet
        refused = self.rng.random() < (0.3 if year_end else 0.002)
        order = f"{plan['transaction_ref']}-F"
        payload = {"patron_id": patron, "patron": label, "order_id": order,
                   "fee_ids": [c["id"] for c in fbs], "claims": fbs}
        amount = sum(c["amount_ore"] for c in fbs)
        row: list[object] = [self.ids.take("outbox"), sid, "fbs_registration", order, "done",
                             amount, _json(payload), 1, None, None, None, _utc(at), None, None,
                             None, None, None, None, None]
        if self.now - at < timedelta(minutes=2):
            row[4], row[7], row[8] = "pending", 0, _utc(at)
        elif not refused:
            done = at + timedelta(seconds=self.rng.uniform(0.3, 3))
            row[10] = _json({c["id"]: str(self.rng.randrange(10**8, 10**9)) for c in fbs})
            row[12] = _utc(done)
        else:
            row[9] = REFUSAL
            parked_at = at + REFUSED_RETRY
            if parked_at > self.now:
                row[4], row[7], row[8] = "refused", 5, _utc(at + timedelta(days=1))
            elif self.rng.random() < 0.5:
                row[4], row[7] = "parked", 20
            else:
                closed = parked_at + timedelta(days=self.rng.uniform(0.5, 10))
                closed = min(closed, self.now - timedelta(minutes=1))
                outcome = self.rng.choice(tuple(CLOSE_OUTCOMES))
                staff = f"{self.rng.randrange(10, 30)}"
                row[4], row[7] = "closed", 20
                row[14:19] = [_utc(closed), staff, "staff", outcome,
                              "Gebyret var allerede slettet i FBS" if outcome == "other" else ""]
                self._audit(closed, staff, "staff", "follow_up_closed", {
                    "outbox_id": row[0], "order_id": order, "amount_ore": amount,
                    "was": "parked", "outcome": outcome, "note": row[18]})
        self.out["outbox"].append(tuple(row))

    def _debtor_item(self, sid: str, ref: str, claim: dict, method: str, at: datetime,
                     cpr: bool) -> None:
        assert cpr
        payload = {
            "cpr": f"{self.rng.randrange(1, 29):02d}{self.rng.randrange(1, 13):02d}"
                   f"{self.rng.randrange(40, 100):02d}{self.rng.randrange(10**4):04d}",
            "claim_type": CLAIM_TYPES[claim["kind"]], "claim_kind": claim["kind"],
            "claim_ref": claim["id"], "claim_created": claim["created"],
            "amount_ore": claim["amount_ore"], "paid_at": at.isoformat(), "method": method,
            "automat_id": self.automat, "transaction_ref": ref,
        }
        row: list[object] = [self.ids.take("outbox"), sid, "debtor_item",
                             f"{ref}-D-{claim['id']}", "pending", claim["amount_ore"],
                             _json(payload), 0, None, None, None, _utc(at), None, None,
                             None, None, None, None, None]
        self.debtor.append((at, row))

    def _batches(self) -> None:
        """The debtor export every 20 minutes: one delivered file per run that found items;
        what the year's last run has not reached is still pending."""
        runs: dict[int, list[list[object]]] = defaultdict(list)
        for at, row in self.debtor:
            runs[int(at.timestamp()) // EXPORT_EVERY + 1].append(row)
        sequence = 0
        for tick, rows in sorted(runs.items()):
            made = datetime.fromtimestamp(tick * EXPORT_EVERY + 2, UTC)
            if made >= self.now:
                self.out["outbox"] += [tuple(r) for r in rows]
                continue
            sequence += 1
            batch = self.ids.take("export_batches")
            delivered = made + timedelta(seconds=1)
            total = sum(int(r[5]) for r in rows)  # type: ignore[call-overload]
            self.out["export_batches"].append((
                batch, self.automat, sequence, "opus",
                f"BIB_{self.automat}_{sequence:06d}.txt", "delivered", len(rows), total,
                f"{self.rng.getrandbits(256):064x}", _utc(made), _utc(made), _utc(delivered)))
            for r in rows:
                r[4], r[12], r[13] = "exported", _utc(delivered), batch
                self.out["outbox"].append(tuple(r))

    def _desk_bon(self, at: datetime) -> None:
        staff = f"{self.rng.randrange(10, 30)}"
        amount = self.rng.choice((2000, 5000, 10000, 15000, 20000, 30000))
        bon = self._bon(amount, "desk_cash", staff, at, None, None)
        self._audit(at, staff, "staff", "bon_issued",
                    {"bon_id": bon.row[0], "amount_ore": amount, "reason": "desk_cash"})
        if self.rng.random() < 0.03:
            voided = at + timedelta(minutes=self.rng.uniform(1, 60))
            bon.row[4], bon.row[11], bon.row[12] = "voided", _utc(voided), staff
            self._audit(voided, staff, "staff", "bon_voided",
                        {"bon_id": bon.row[0], "amount_ore": amount, "why": "forkert beløb"})
        elif self.rng.random() < 0.9:
            bon.usable_from = at + timedelta(minutes=self.rng.uniform(5, 60 * 24 * 10))
            self._to_pool(bon)

    def _test_coin(self, at: datetime) -> None:
        sid = self._uuid()
        value = self.rng.choice(COINS)
        self._tender(sid, "coin", value, at)
        self._allocate(sid, "technician_test", value, at)
        self._audit(at, "90", "technician", "cash_test_money", {
            "device": "coin_acceptor", "kind": "coin", "amount_ore": value, "session_id": sid})
        self._session_row(sid, "done", at, at, TECHNICIAN_TEST)

    def _empty(self, device: str, at: datetime) -> None:
        held = {den: n for (dev, den), n in sorted(self.box.items()) if dev == device and n}
        if not held:
            return
        counted = dict(held)
        if self.rng.random() < 0.05:  # a coin or note went missing
            den = min(counted)
            counted[den] -= 1
        expected_ore = sum(d * n for d, n in held.items())
        counted_ore = sum(d * n for d, n in counted.items())
        staff = "90"
        self.out["cash_box_emptyings"].append((
            self.automat, device, _json({str(d): n for d, n in held.items()}), expected_ore,
            _json({str(d): n for d, n in counted.items()}), counted_ore,
            counted_ore - expected_ore, staff, "technician", _utc(at)))
        self._audit(at, staff, "technician", "cash_box_emptied", {
            "device": device, "expected_ore": expected_ore, "counted_ore": counted_ore,
            "difference_ore": counted_ore - expected_ore})
        for den in held:
            self.box[(device, den)] = 0
