"""Finding a payment at the desk by its receipt reference or a bon's code, and its receipt as a
printable page: the same copy the automat's staff mode prints (``kiosk.receipt_copy``); a search
with SQL in it finds nothing and changes nothing."""

from __future__ import annotations

from html import escape

import pytest
from sqlalchemy import func, select

from kiosk.bons import BonBook, BonSigner
from kiosk.ledger.models import AuditEntry, Bon, CitizenSession, Tender
from kiosk.money import Money
from kiosk.payment.states import State
from kiosk.receipt_copy import receipt_copy
from kiosk.receipts import COPY_TEXT, render_receipt
from tests.conftest import BON_KEY
from tests.console.rig import ConsoleRig
from tests.console.test_console_desk import audit, issue, qr_codes
from tests.payment_fakes import CPR, session_rig


def paid_with_a_desk_bon(rig: ConsoleRig) -> tuple[str, str, str]:
    """Staff issue a bon at the console, a citizen pays 97,30 kr. with it at automat a1:
    (session id, transaction reference, the bon's short code)."""
    client = rig.client("staff")
    bon_id = issue(client, "100,00")
    book = BonBook(rig.engine, BonSigner(BON_KEY), rig.clock, "a1")
    automat = session_rig(rig.engine, automat="a1", clock=rig.clock, bons=book)
    with rig.engine.connect() as conn:
        code = conn.scalar(select(Bon.short_code).where(Bon.id == bon_id))
    s = automat.session
    s.start()
    s.identify(CPR)
    s.enter_pin("1234")
    s.pay()
    s.redeem_bon(code)
    assert s.state is State.RECEIPT
    session_id = s.session_id
    s.finish_receipt()
    with rig.engine.connect() as conn:
        ref = conn.scalar(
            select(CitizenSession.transaction_ref).where(CitizenSession.id == session_id)
        )
    return session_id, ref, code


def test_a_payment_found_by_reference_or_bon_code_shows_the_automats_copy(
    rig: ConsoleRig,
) -> None:
    session_id, ref, code = paid_with_a_desk_bon(rig)
    client = rig.client("staff")
    for typed in (ref, ref.lower(), f"{code[:5]}-{code[5:]}", code):
        page = client.get(f"/desk/payments?q={typed}").get_data(as_text=True)
        assert f"Betaling {ref}" in page and "a1" in page and "100,00 kr." in page, typed
    page = client.get(f"/desk/payments/{session_id}/receipt").get_data(as_text=True)
    copy = render_receipt(receipt_copy(rig.engine, session_id, "Testbiblioteket"))
    for block in copy.blocks:  # every text the automat would print, word for word
        for words in (getattr(block, a, "") for a in ("text", "left", "right")):
            assert escape(words, quote=False) in page, words
    assert COPY_TEXT in page and "KVITTERING" in page and "Tilgodebevis (bon)" in page
    assert qr_codes(page) == [ref]
    assert "paper-a4.css" in client.get(
        f"/desk/payments/{session_id}/receipt?paper=a4").get_data(as_text=True)
    looked_up = audit(rig, "session_looked_up")
    shown = audit(rig, "receipt_copy_shown")
    assert len(looked_up) == 4 and len(shown) == 2
    assert {e.details["address"] for e in looked_up + shown} == {"127.0.0.1"}
    assert shown[0].details["session_id"] == session_id and shown[0].automat_id == "console"


def table_counts(rig: ConsoleRig) -> tuple[int, ...]:
    with rig.engine.connect() as conn:
        return tuple(conn.scalar(select(func.count()).select_from(t)) or 0
                     for t in (Bon, Tender, CitizenSession, AuditEntry))


@pytest.mark.parametrize("typed", ["' OR 1=1 --", "K' OR '1'='1", "x'; DROP TABLE bons; --",
                                   "K0000000000000000", "%", "K%"])
def test_a_search_with_sql_in_it_finds_nothing_and_changes_nothing(
    rig: ConsoleRig, typed: str
) -> None:
    paid_with_a_desk_bon(rig)
    client = rig.client("staff")
    before = table_counts(rig)
    response = client.get("/desk/payments", query_string={"q": typed})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Ingen betaling passer til referencen eller bonkoden. Tjek det indtastede." in page
    assert "Betaling K" not in page
    assert table_counts(rig) == before


def test_an_unknown_or_unpaid_session_has_no_receipt(sqlite_rig: ConsoleRig) -> None:
    client = sqlite_rig.client("administrator")
    response = client.get("/desk/payments/no-such-session/receipt")
    assert response.status_code == 404
    assert "Betalingen har ingen kvittering" in response.get_data(as_text=True)
    assert client.get("/desk/payments").status_code == 200  # the empty form


def test_the_receipt_service_prints_the_same_copy(sqlite_rig: ConsoleRig) -> None:
    """One function behind both: the automat's reprint and the console's page."""
    from tests.payment_fakes import FakePrinter

    session_id, _ref, _code = paid_with_a_desk_bon(sqlite_rig)
    printer = FakePrinter()
    automat = session_rig(sqlite_rig.engine, automat="a1", clock=sqlite_rig.clock,
                          printer=printer)
    assert automat.receipts is not None
    issued = automat.receipts.reprint(session_id)
    assert issued.document == render_receipt(
        receipt_copy(sqlite_rig.engine, session_id, automat.receipts.library_name))
    assert Money(9730) and COPY_TEXT in issued.text
