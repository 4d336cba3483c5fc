"""The ledger's own figures for the finance office's reports, taken with SQL written here (not
with the report's queries), and the report's CSV and PDF read back to compare with them."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from pypdf import PdfReader
from sqlalchemy import Engine, bindparam, text

from kiosk.ledger.models import UtcDateTime
from kiosk.money import Money
from kiosk.reports import FLEET, Count, Period, ZReport
from kiosk.reports.csv_file import HEADER
from tests.finance_world import CPRS, World


# -- the ledger's own sums, by plain SQL --------------------------------------------------------
class Truth:
    """Sums taken from the tables with SQL written here, not with the report's queries."""

    def __init__(self, engine: Engine, automats: Iterable[str], period: Period) -> None:
        self.engine = engine
        self.automats = list(automats)
        self.start, self.end = period.bounds()

    def rows(self, sql: str) -> list[Any]:
        kinds = {
            "a": bindparam("a", expanding=True),
            "start": bindparam("start", type_=UtcDateTime()),
            "end": bindparam("end", type_=UtcDateTime()),
        }
        values = {"a": self.automats, "start": self.start, "end": self.end}
        used = [k for k in kinds if f":{k}" in sql]
        stmt = text(sql).bindparams(*(kinds[k] for k in used))
        with self.engine.connect() as conn:
            return list(conn.execute(stmt, {k: values[k] for k in used}))

    def counts(self, sql: str) -> dict[str, Count]:
        return {str(k): Count(int(n), Money(int(s))) for k, n, s in self.rows(sql)}

    SESSIONS = "SELECT id FROM citizen_sessions WHERE automat_id IN :a"

    def tenders(self) -> dict[str, Count]:
        return self.counts(
            f"SELECT kind, COUNT(*), SUM(amount_ore) FROM tenders WHERE state = 'received'"
            f" AND session_id IN ({self.SESSIONS}) AND created_at >= :start"
            " AND created_at < :end GROUP BY kind"
        )

    def cash(self) -> dict[tuple[str, str, int], int]:
        return {
            (d, k, int(o)): int(n)
            for d, k, o, n in self.rows(
                "SELECT device, kind, denomination_ore, COUNT(*) FROM tenders"
                f" WHERE state = 'received' AND kind IN ('coin', 'note') AND session_id IN"
                f" ({self.SESSIONS}) AND created_at >= :start AND created_at < :end"
                " GROUP BY device, kind, denomination_ore"
            )
        }

    def card_refs(self) -> list[str]:
        return sorted(
            r
            for (r,) in self.rows(
                f"SELECT reference FROM tenders WHERE kind = 'card' AND state = 'received'"
                f" AND session_id IN ({self.SESSIONS}) AND created_at >= :start"
                " AND created_at < :end"
            )
        )

    def settled(self) -> dict[str, Money]:
        out: dict[str, Money] = {}
        for kind, payable_in, total in self.rows(
            "SELECT kind, payable_in, SUM(amount_ore) FROM allocations WHERE session_id IN"
            f" ({self.SESSIONS}) AND created_at >= :start AND created_at < :end"
            " GROUP BY kind, payable_in"
        ):
            key = "cash_rounding" if kind == "cash_rounding" else payable_in
            out[key] = Money(int(total))
        return out

    def credited(self) -> Count:
        ((n, total),) = self.rows(
            "SELECT COUNT(*), COALESCE(SUM(amount_ore), 0) FROM bons WHERE origin_session_id IN"
            f" ({self.SESSIONS}) AND issued_at >= :start AND issued_at < :end"
        )
        return Count(int(n), Money(int(total)))

    def outbox(self, kind: str) -> dict[str, Count]:
        found = self.counts(
            "SELECT state, COUNT(*), SUM(amount_ore) FROM outbox WHERE kind = :kind"
            f" AND session_id IN ({self.SESSIONS}) AND created_at >= :start"
            " AND created_at < :end GROUP BY state".replace(":kind", f"'{kind}'")
        )
        if kind == "debtor_item":
            found = {("exported" if k == "exported" else "pending"): c for k, c in found.items()}
        return found

    def refused(self) -> Count:
        ((n, total),) = self.rows(
            "SELECT COUNT(*), COALESCE(SUM(amount_ore), 0) FROM outbox WHERE state = 'refused'"
            f" AND session_id IN ({self.SESSIONS}) AND created_at < :end"
        )
        return Count(int(n), Money(int(total)))

    def debtor_files(self) -> dict[str, str]:
        """Debtor claim ref → the name of the file its item went into ('' if none yet)."""
        out = {}
        for payload, file_name in self.rows(
            "SELECT o.payload, b.file_name FROM outbox o LEFT JOIN export_batches b"
            " ON b.id = o.batch_id WHERE o.kind = 'debtor_item' AND o.session_id IN"
            f" ({self.SESSIONS}) AND o.created_at >= :start AND o.created_at < :end"
        ):
            data = json.loads(payload) if isinstance(payload, str) else payload
            out[data["claim_ref"]] = file_name or ""
        return out

    def audited(self, action: str) -> Count:
        found = Count()
        for (details,) in self.rows(
            f"SELECT details FROM audit_log WHERE action = '{action}' AND automat_id IN :a"
            " AND at >= :start AND at < :end"
        ):
            data = json.loads(details) if isinstance(details, str) else details
            found += Count(1, Money(int(data["amount_ore"])))
        return found

    def redeemed(self) -> Count:
        ((n, total),) = self.rows(
            "SELECT COUNT(*), COALESCE(SUM(amount_ore), 0) FROM bons WHERE redeemed_session_id"
            f" IN ({self.SESSIONS}) AND redeemed_at >= :start AND redeemed_at < :end"
        )
        return Count(int(n), Money(int(total)))

    def outstanding(self) -> Count:
        ((n, total),) = self.rows(
            "SELECT COUNT(*), COALESCE(SUM(amount_ore), 0) FROM bons WHERE issued_at < :end"
            " AND expires_at > :end AND (redeemed_at IS NULL OR redeemed_at >= :end)"
            " AND (voided_at IS NULL OR voided_at >= :end)"
        )
        return Count(int(n), Money(int(total)))

    def expired(self) -> Count:
        ((n, total),) = self.rows(
            "SELECT COUNT(*), COALESCE(SUM(amount_ore), 0) FROM bons WHERE state = 'issued'"
            " AND expires_at > :start AND expires_at <= :end"
        )
        return Count(int(n), Money(int(total)))

    def closed(self) -> list[tuple[str, str, str, Money]]:
        """Refused registrations closed by hand in the period: order, who, outcome, amount."""
        return [
            (order, who, outcome, Money(int(ore)))
            for order, who, outcome, ore in self.rows(
                "SELECT idempotency_key, closed_by, close_outcome, amount_ore FROM outbox"
                f" WHERE state = 'closed' AND session_id IN ({self.SESSIONS})"
                " AND closed_at >= :start AND closed_at < :end ORDER BY closed_at, id"
            )
        ]

    def emptyings(self) -> list[tuple[str, str, Money, Money, Money]]:
        """Each emptying: device, who, expected, counted, difference."""
        return [
            (device, who, Money(int(e)), Money(int(c)), Money(int(d)))
            for device, who, e, c, d in self.rows(
                "SELECT device, emptied_by, expected_ore, counted_ore, difference_ore FROM"
                " cash_box_emptyings WHERE automat_id IN :a AND emptied_at >= :start"
                " AND emptied_at < :end ORDER BY emptied_at, id"
            )
        ]

    def emptied(self) -> Count:
        ((n, total),) = self.rows(
            "SELECT COUNT(*), COALESCE(SUM(expected_ore), 0) FROM cash_box_emptyings WHERE"
            " automat_id IN :a AND emptied_at >= :start AND emptied_at < :end"
        )
        return Count(int(n), Money(int(total)))


def assert_figures_are_the_ledgers(r: ZReport, truth: Truth) -> None:
    assert r.tenders == truth.tenders()
    assert r.cash_by_device == truth.cash()
    if r.details:
        assert sorted(c.terminal_ref for c in r.card_payments) == truth.card_refs()
        assert {d.claim_ref: d.file_name for d in r.debtor_items} == truth.debtor_files()
        assert sum((Count(1, f.amount) for f in r.follow_up), Count()) == r.follow_up_total
    else:  # the figures only: no list, so nothing in the files can look complete and not be
        assert not (r.card_payments or r.fbs_registrations or r.follow_up or r.debtor_items)
        assert not r.debtor_files
    assert r.settled == truth.settled()
    assert r.credited_total == truth.credited()
    assert r.received == r.settled_total + r.credited_total.amount  # and so it balances
    assert r.fbs == truth.outbox("fbs_registration")
    assert r.follow_up_total == truth.refused()
    assert r.debtor == truth.outbox("debtor_item")
    assert r.bons_issued_at_desk == truth.audited("bon_issued")
    assert r.bons_voided == truth.audited("bon_voided")
    assert r.bons_redeemed == truth.redeemed()
    assert r.bons_outstanding == truth.outstanding()
    assert r.bons_expired == truth.expired()
    emptied = Count(len(r.emptyings), sum((e.expected_total for e in r.emptyings), Money(0)))
    assert emptied == truth.emptied()
    assert [
        (e.device, e.emptied_by, e.expected_total, e.counted_total, e.difference)
        for e in r.emptyings
    ] == truth.emptyings()
    assert [
        (c.order_id, c.closed_by, c.outcome, c.amount) for c in r.follow_ups_closed
    ] == truth.closed()
    assert r.unbalanced_sessions == []


# -- reading the files back ---------------------------------------------------------------------
def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads æøå
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows and list(rows[0]) == list(HEADER)
    for row in rows:  # the two amounts agree: kroner with a decimal comma, øre exact
        if row["beløb_øre"]:
            ore = int(row["beløb_øre"])
            sign = "-" if ore < 0 else ""
            assert row["beløb_kr"] == f"{sign}{abs(ore) // 100},{abs(ore) % 100:02d}"
    return rows


def csv_count(rows: list[dict[str, str]], section: str, automat: str, post: str) -> Count:
    (row,) = [
        r for r in rows if (r["sektion"], r["automat"], r["post"]) == (section, automat, post)
    ]
    return Count(int(row["antal"] or 0), Money(int(row["beløb_øre"] or 0)))


def assert_csv_is_the_ledgers(rows: list[dict[str, str]], automat: str, truth: Truth) -> None:
    tenders = truth.tenders()
    for kind, post in (("coin", "mønter"), ("note", "sedler"), ("card", "kort"), ("bon", "bon")):
        assert csv_count(rows, "modtaget", automat, post) == tenders.get(kind, Count())
    settled = truth.settled()
    for key, post in (("fbs", "FBS (gamle krav)"), ("debtor", "debitorsystemet (nye krav)")):
        assert csv_count(rows, "afregnet", automat, post).amount == settled.get(key, Money(0))
    assert csv_count(rows, "krediteret", automat, "i alt") == truth.credited()
    fbs = truth.outbox("fbs_registration")
    for state, post in (("done", "registreret"), ("refused", "afvist"), ("pending", "afventer")):
        assert csv_count(rows, "fbs", automat, post) == fbs.get(state, Count())
    assert csv_count(rows, "opfølgning", automat, "i alt") == truth.refused()
    debtor = truth.outbox("debtor_item")
    assert csv_count(rows, "debitor", automat, "eksporteret") == debtor.get("exported", Count())
    assert csv_count(rows, "bons", automat, "udstedt i skranken") == truth.audited("bon_issued")
    assert csv_count(rows, "bons", automat, "annulleret") == truth.audited("bon_voided")
    assert csv_count(rows, "bons", automat, "indløst") == truth.redeemed()
    assert csv_count(rows, "tømninger", automat, "i alt forventet") == truth.emptied()
    cash = truth.cash()
    for (device, kind, ore), pieces in cash.items():
        label = f"{'mønt' if kind == 'coin' else 'seddel'} {Money(ore).format_da()}"
        (row,) = [
            r
            for r in rows
            if (r["sektion"], r["automat"], r["post"], r["reference"])
            == ("kontanter", automat, label, device)
        ]
        assert (int(row["antal"]), int(row["beløb_øre"])) == (pieces, pieces * ore)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pdf_scope(text_: str, automat: str) -> str:
    """The part of the PDF's text about one automat (or the fleet's totals)."""
    heading = "Alle automater i alt" if automat == FLEET else f"Automat {automat}"
    start = text_.index(heading)
    ends = [i for i in (text_.find("Automat ", start + len(heading)),) if i > 0]
    return text_[start : min(ends) if ends else len(text_)]


def pdf_has_row(scope: str, *cells: str) -> bool:
    """A line of the PDF that begins with these cells in this order (words apart)."""
    words = " ".join(cells).split()
    return any(line.split()[: len(words)] == words for line in scope.splitlines())


def assert_pdf_is_the_ledgers(scope: str, truth: Truth) -> None:
    def row(label: str, c: Count) -> None:
        cells = (label, str(c.count), c.amount.format_da(suffix=""))
        assert pdf_has_row(scope, *cells), (cells, scope)

    tenders = truth.tenders()
    for kind, post in (("coin", "mønter"), ("note", "sedler"), ("card", "kort"), ("bon", "bon")):
        row(post, tenders.get(kind, Count()))
    total = Count(
        sum(c.count for c in tenders.values()), sum((c.amount for c in tenders.values()), Money(0))
    )
    row("i alt", total)
    fbs = truth.outbox("fbs_registration")
    for state, post in (("done", "registreret"), ("refused", "afvist")):
        row(post, fbs.get(state, Count()))
    row("eksporteret", truth.outbox("debtor_item").get("exported", Count()))
    row("udstedt i skranken", truth.audited("bon_issued"))
    row("indløst", truth.redeemed())
    row("annulleret", truth.audited("bon_voided"))
    settled = truth.settled()
    assert pdf_has_row(scope, "FBS", "(gamle", "krav)", settled["fbs"].format_da(suffix=""))


def no_personal_data(text_: str, world: World) -> None:
    for cpr in CPRS:
        assert cpr not in text_ and cpr.replace("-", "") not in text_
    for _, patron, _ in world.fbs.patrons.values():
        if patron.id[0].isdigit():
            assert patron.id not in text_
