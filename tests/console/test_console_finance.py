"""The finance office's pages on the scripted period of ``tests/finance_world.py`` (two automats
on one ledger, SQLite and PostgreSQL): the Z-report on screen, as CSV and as PDF, each compared
with sums the test takes from the tables itself (``tests/finance_truth.py``, plain SQL); bad
periods refused in one line; the viewing audited; the debtor files listed and one delivered
again only when asked twice."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import Engine, select, text

from console.pages.finance import word
from kiosk.ledger.models import AuditEntry
from kiosk.money import Money
from kiosk.reports import FLEET, Count, fleet_automats
from kiosk.reports import words as report_words
from kiosk.reports.words import SECTIONS
from tests.conftest import REPO
from tests.console.page_tables import page_tables, table
from tests.console.rig import ConsoleRig, console_rig
from tests.finance_truth import (
    Truth,
    assert_csv_is_the_ledgers,
    assert_pdf_is_the_ledgers,
    csv_rows,
    no_personal_data,
    pdf_scope,
    pdf_text,
)
from tests.finance_world import PERIOD, A, B, World, build_world

QUERY = "from=2026-11-24&to=2026-11-26"
DEBTOR = """
[debtor]
profile = "opus"
output_dir = "outgoing"
"""


@pytest.fixture
def world(rig: ConsoleRig, tmp_path: Path) -> World:
    return build_world(rig.engine, tmp_path)


def audit_rows(engine: Engine, action: str) -> list[AuditEntry]:
    with engine.connect() as conn:
        return list(conn.execute(select(AuditEntry).where(AuditEntry.action == action)).all())


def shown(c: Count) -> list[str]:
    return [str(c.count), c.amount.format_da(suffix="")]


def assert_page_is_the_ledgers(html: str, scope: str, truth: Truth) -> None:
    tables = page_tables(html)
    received = table(tables, scope, "Modtaget pr. betalingsmiddel")
    tenders = truth.tenders()
    for kind, post in (("coin", "mønter"), ("note", "sedler"), ("card", "kort"), ("bon", "bon")):
        assert received.row(post)[1:] == shown(tenders.get(kind, Count())), (scope, post)
    total = sum(tenders.values(), Count())
    assert received.row("i alt")[1:] == shown(total)
    settled = table(tables, scope, "Afregnet")
    for key, post in (("fbs", "FBS (gamle krav)"), ("debtor", "debitorsystemet (nye krav)")):
        assert settled.row(post)[1:] == [truth.settled().get(key, Money(0)).format_da(suffix="")]
    fbs = table(tables, scope, "FBS-registreringer")
    for state, post in (("done", "registreret"), ("refused", "afvist")):
        assert fbs.row(post)[1:] == shown(truth.outbox("fbs_registration").get(state, Count()))
    debtor = table(tables, scope, "Debitorposter")
    exported = truth.outbox("debtor_item").get("exported", Count())
    assert debtor.row("eksporteret")[1:] == shown(exported)
    bons = table(tables, scope, "Bons")
    assert bons.row("indløst")[1:] == shown(truth.redeemed())
    assert bons.row("udstedt i skranken")[1:] == shown(truth.audited("bon_issued"))
    assert table(tables, scope, "Krediteret som bon (fra sessioner)").row("i alt")[1:] == shown(
        truth.credited()
    )


def test_the_report_on_screen_is_the_ledgers_per_automat_and_for_the_fleet(
    rig: ConsoleRig, world: World
) -> None:
    client = rig.client("finance")
    response = client.get(f"/finance/report?{QUERY}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    everyone = fleet_automats(rig.engine)  # the console's own desk is one (its audit entries)
    assert set(everyone) == {A, B, "console"}
    assert_page_is_the_ledgers(html, "Alle automater i alt", Truth(rig.engine, everyone, PERIOD))
    for automat in (A, B):
        assert_page_is_the_ledgers(html, f"Automat {automat}", Truth(rig.engine, [automat], PERIOD))
    no_personal_data(html, world)
    # the figures only: the lists behind them are the files' (a fleet's month has ~70,000 rows)
    captions = {t.caption for t in page_tables(html)}
    assert not captions & {"Kortbetalinger", "FBS-registreringer pr. gebyr",
                           "Debitorposter og deres fil"}
    assert 'id="details-hint"' in html
    # one automat alone: only its scope, and the same figures
    html = client.get(f"/finance/report?automat={A}&{QUERY}").get_data(as_text=True)
    assert {t.scope for t in page_tables(html)} == {f"Automat {A}"}
    assert_page_is_the_ledgers(html, f"Automat {A}", Truth(rig.engine, [A], PERIOD))
    (viewed, _fleet_view) = audit_rows(rig.engine, "z_report_viewed")[::-1]
    assert viewed.actor == "21" and viewed.role == "finance"
    assert viewed.details["automat"] == A and viewed.details["first"] == "2026-11-24"
    assert viewed.details["address"] == "127.0.0.1"


def test_the_csv_and_pdf_downloads_are_the_ledgers(rig: ConsoleRig, world: World) -> None:
    client = rig.client("finance")
    everyone = fleet_automats(rig.engine)
    response = client.get(f"/finance/report.csv?{QUERY}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="z-rapport_alle_2026-11-24_2026-11-26.csv"'
    )
    rows = csv_rows(response.data)
    for automat, automats in ((A, [A]), (B, [B]), (FLEET, everyone)):
        assert_csv_is_the_ledgers(rows, automat, Truth(rig.engine, automats, PERIOD))

    response = client.get(f"/finance/report.pdf?automat={B}&day=2026-11-25")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="z-rapport_{B}_2026-11-25.pdf"'
    )
    pdf = pdf_text(response.data)
    assert "Z-rapport 25.11.2026, automat test-02, Testbiblioteket" in pdf
    day = type(PERIOD).day(PERIOD.first.replace(day=25))
    assert_pdf_is_the_ledgers(pdf_scope(pdf, B), Truth(rig.engine, [B], day))
    no_personal_data(pdf + response.data.decode("latin-1"), world)
    downloads = audit_rows(rig.engine, "z_report_downloaded")
    assert [(d.details["format"], d.details["automat"]) for d in downloads] == [
        ("csv", FLEET), ("pdf", B)]


@pytest.mark.parametrize(
    ("query", "line"),
    [
        ("day=24-11-2026", "»Én dag« skal være en dato skrevet som ÅÅÅÅ-MM-DD"),
        ("from=igår", "»Fra dag« skal være en dato skrevet som ÅÅÅÅ-MM-DD"),
        ("from=2026-11-26&to=2026-11-24", "Perioden begynder, efter den slutter."),
        ("from=2025-01-01&to=2026-11-24", "En rapport dækker højst 366 dage."),
        ("day=2026-11-24&from=2026-11-01", "Angiv enten én dag eller en periode"),
        ("to=2026-11-24", "En periode skal have sin første dag (fra)."),
        ("automat=<script>&day=2026-11-24", "Der er ingen automat &lt;script&gt; i databasen."),
    ],
)
def test_a_period_that_is_not_one_is_one_line_and_no_report(
    sqlite_rig: ConsoleRig, query: str, line: str
) -> None:
    client = sqlite_rig.client("finance")
    for path in ("/finance/report", "/finance/report.csv", "/finance/report.pdf"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, path
        assert response.mimetype == "text/html"
        html = response.get_data(as_text=True)
        assert html.count('role="alert"') == 1 and line in html, html
        assert "<table" not in html and "Traceback" not in html
    assert audit_rows(sqlite_rig.engine, "z_report_viewed") == []
    assert audit_rows(sqlite_rig.engine, "z_report_downloaded") == []


def test_today_is_the_default_and_the_page_is_english_on_request(sqlite_rig: ConsoleRig) -> None:
    client = sqlite_rig.client("staff")  # the desk reads Z-reports too
    html = client.get("/finance/report").get_data(as_text=True)
    assert "Rapport for alle automater, 2026-11-24" in html  # the rig's clock: 24 Nov
    client.get("/language/en")
    html = client.get("/finance/report").get_data(as_text=True)
    captions = {t.caption for t in page_tables(html)}
    assert {"Received by means of payment", "Sessions", "Balance"} <= captions
    received = table(page_tables(html), "Automat console", "Received by means of payment")
    assert received.rows[0] == ["Item", "Count", "Amount (DKK)"]
    assert received.row("coins")[1:] == ["0", "0,00"]


def fixed_report_words() -> set[str]:
    """Every word the finance office's rows can hold that is not data: the sections, columns and
    states of ``words.py`` and the items ``entries.py`` writes as literals."""
    found = {report_words.TOTAL}
    for spec in SECTIONS.values():
        found.add(spec.title)
        found.update(heading for _f, heading in spec.columns)
    for table_ in ("SESSION_STATES", "METHODS", "CASH_KINDS", "SETTLED", "CREDITED", "FBS_STATES",
                   "DEBTOR_STATES", "FILE_STATES", "OUTCOMES"):
        found.update(getattr(report_words, table_).values())
    tree = ast.parse((REPO / "kiosk" / "reports" / "entries.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in ("e", "counted") and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    # the items entries.py makes in a loop or an f-string, and an unknown session state's word
    total = report_words.TOTAL
    return found | {"forventet", "optalt", "difference", f"{total} forventet",
                    f"{total} difference", "åben"}


def test_every_fixed_word_of_the_report_has_its_english() -> None:
    with (REPO / "console" / "translations" / "en" / "finance_report.po").open("rb") as f:
        english = {m.id: m.string for m in read_po(f) if m.id}
    words = fixed_report_words()
    assert len(words) > 80
    assert sorted(w for w in words if not english.get(w)) == []
    assert sorted(set(english) - words) == []  # nothing the report never says


def test_a_word_not_in_the_catalogue_keeps_its_danish_or_its_first_word_is_translated(
    sqlite_rig: ConsoleRig,
) -> None:
    with sqlite_rig.app.test_request_context():
        from flask import g

        g.lang = "en"
        assert word("mønt 0,50 kr.") == "coin 0,50 kr."
        assert word("gebyr 111") == "gebyr 111"
        g.lang = "da"
        assert word("mønt 0,50 kr.") == "mønt 0,50 kr."


# -- debtor files ----------------------------------------------------------------------------------
def the_batch(engine: Engine) -> tuple[int, int, str, int, int, str]:
    with engine.connect() as conn:
        ((batch_id, sequence, name, items, total, sha),) = conn.execute(text(
            "SELECT id, sequence, file_name, item_count, total_ore, sha256 FROM export_batches"
            " WHERE automat_id = 'test-01'"
        )).all()
        (summed,) = conn.execute(text(
            "SELECT COALESCE(SUM(amount_ore), 0) FROM outbox WHERE batch_id = :b"
        ), {"b": batch_id}).one()
    assert int(summed) == int(total)
    return int(batch_id), int(sequence), str(name), int(items), int(total), str(sha)


def test_the_debtor_files_are_listed_without_a_debtor_section_and_not_sent(
    rig: ConsoleRig, world: World
) -> None:
    batch_id, sequence, name, items, total, _sha = the_batch(rig.engine)
    client = rig.client("finance")
    html = client.get("/finance/debtor").get_data(as_text=True)
    (files,) = [t for t in page_tables(html) if t.scope == f"Automat {A}"]
    assert files.row(str(sequence))[1:5] == [name, str(items), Money(total).format_da(suffix=""),
                                             "leveret"]
    assert "ingen [debtor]-sektion" in html
    assert [t.scope for t in page_tables(html)] == [f"Automat {A}"]  # B made no file
    (world.outgoing / name).unlink()
    url = f"/finance/debtor/{A}/{batch_id}/again"
    assert client.get(url).status_code == 409
    assert client.post(url, {"confirm": "yes"}).status_code == 409
    assert "ingen [debtor]-sektion" in client.last
    assert not (world.outgoing / name).exists()
    assert audit_rows(rig.engine, "debtor_redeliver") == []
    assert client.get(f"/finance/debtor/{B}/{batch_id}/again").status_code == 404
    assert client.get("/finance/debtor?automat=nowhere").status_code == 400


def test_a_file_is_delivered_again_only_when_asked_twice(
    engine: Engine, tmp_path: Path
) -> None:
    world = build_world(engine, tmp_path)
    rig = console_rig(engine, tmp_path, DEBTOR)  # [debtor] output_dir: the world's folder
    batch_id, sequence, name, _items, _total, sha = the_batch(engine)
    (world.outgoing / name).unlink()  # the debtor system lost it
    client = rig.client("technician")
    url = f"/finance/debtor/{A}/{batch_id}/again"
    page = client.get(url).get_data(as_text=True)
    assert 'type="checkbox"' in page and "bogfører den en gang til" in page
    response = client.post(url, {})  # the box not ticked
    assert response.status_code == 400 and "Sæt kryds" in client.last
    assert not (world.outgoing / name).exists()
    assert client.post(url, {"confirm": "yes"}, csrf=False).status_code == 400
    assert not (world.outgoing / name).exists()
    client.get(url)
    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 200 and f"{name} blev leveret igen." in client.last
    assert hashlib.sha256((world.outgoing / name).read_bytes()).hexdigest() == sha
    (entry,) = audit_rows(engine, "debtor_redeliver")
    assert (entry.automat_id, entry.actor, entry.role) == (A, "30", "technician")
    assert entry.details["sequence"] == sequence and entry.details["address"] == "127.0.0.1"
    # a file not yet delivered cannot be: the refusal is one line
    with engine.begin() as conn:
        conn.execute(text("UPDATE export_batches SET state = 'written' WHERE id = :b"),
                     {"b": batch_id})
    assert client.post(url, {"confirm": "yes"}).status_code == 409
    assert "Kun en leveret fil" in client.last
