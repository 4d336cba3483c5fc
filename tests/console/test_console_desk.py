"""The desk's pages on SQLite and PostgreSQL: a bon issued from the browser's form is the core's
bon (``[bons] max_amount``, audit with the request's address) and its printable slip carries a QR
code that verifies; bad amounts are one line and issue nothing; a bon voided twice is refused the
second time in the core's words; what staff typed is shown escaped."""

from __future__ import annotations

import base64
import re
from io import BytesIO

import pytest
from PIL import Image
from pyzbar.pyzbar import decode
from sqlalchemy import select

from kiosk.ledger.models import AuditEntry, Bon
from kiosk.money import Money
from tests.console.rig import ConsoleClient, ConsoleRig

SLIP = re.compile(r"^/desk/bon/([0-9a-f-]{36})$")
QR = re.compile(r'<img class="qr" src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def qr_codes(page: str) -> list[str]:
    """Every QR code on the page, decoded from its PNG by zbar."""
    found = []
    for data in QR.findall(page):
        image = Image.open(BytesIO(base64.b64decode(data)))
        found += [s.data.decode("ascii") for s in decode(image)]
    return found


def bon_rows(rig: ConsoleRig) -> list[tuple]:
    with rig.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(Bon).order_by(Bon.id))]


def audit(rig: ConsoleRig, action: str) -> list[AuditEntry]:
    with rig.engine.connect() as conn:
        return list(conn.execute(select(AuditEntry).where(AuditEntry.action == action)).all())


def issue(client: ConsoleClient, amount: str, note: str = "Kontant i skranken") -> str:
    """The form posted as a browser posts it; the new bon's id."""
    client.get("/desk/bon")
    response = client.post("/desk/bon", {"amount": amount, "note": note})
    assert response.status_code == 303, client.last
    found = SLIP.match(response.headers["Location"])
    assert found is not None
    return found.group(1)


def test_a_bon_issued_at_the_desk_prints_with_a_qr_code_that_verifies(rig: ConsoleRig) -> None:
    client = rig.client("staff")
    bon_id = issue(client, "50,00")
    page = client.get(f"/desk/bon/{bon_id}").get_data(as_text=True)
    book = rig.app.extensions["kiosk_desk"].bons
    (payload,) = qr_codes(page)
    ticket = book.verify(payload)
    assert (ticket.id, ticket.amount, ticket.issuer) == (bon_id, Money.kr(50), "17")
    assert "Bon på 50,00 kr. udstedt, kode " + ticket.short_code_display in page
    # the printer's own words (kiosk.receipts.render_bon), the code in large type
    assert f'large">Kode: {ticket.short_code_display}</p>' in page
    for words in ("Testbiblioteket", "Gyldig til og med", ticket.valid_through.strftime("%d.%m.%Y"),
                  "Udstedt af", "Årsag: Betalt kontant i skranken", "50,00 kr."):
        assert words in page, words
    assert "paper-80mm.css" in page and "data-print" in page
    assert "paper-a4.css" in client.get(f"/desk/bon/{bon_id}?paper=a4").get_data(as_text=True)
    assert "paper-80mm.css" in client.get(f"/desk/bon/{bon_id}?paper=../x").get_data(as_text=True)
    (issued,) = audit(rig, "bon_issued")
    assert (issued.automat_id, issued.actor, issued.role) == ("console", "17", "staff")
    assert issued.details["note"] == "Kontant i skranken"
    assert issued.details["address"] == "127.0.0.1" and issued.details["via"] == "console"
    shown = audit(rig, "bon_slip_shown")
    assert len(shown) == 3 and shown[0].details["address"] == "127.0.0.1"


@pytest.mark.parametrize(
    ("amount", "note", "says"),
    [
        ("", "x", "Skriv beløbet i kroner, f.eks. 50,00"),
        ("abc", "x", "Skriv beløbet i kroner, f.eks. 50,00"),
        ("-5", "x", "Skriv beløbet i kroner, f.eks. 50,00"),
        ("1.000,00", "x", "Skriv beløbet i kroner, f.eks. 50,00"),  # a thousands separator
        ("19,999", "x", "Skriv beløbet i kroner, f.eks. 50,00"),  # a fraction of an øre
        ("9" * 40, "x", "Skriv beløbet i kroner, f.eks. 50,00"),  # too large to be an amount
        ("0", "x", "En bon skal være på mere end 0,00 kr."),
        ("1000,01", "x", "En bon kan højst være på 1.000,00 kr. (1.000,01 kr. er for meget)."),
        ("50", "", "Skriv hvorfor bonen udstedes."),
        ("50", "y" * 201, "Teksten er for lang (højst 200 tegn)."),
    ],
)
def test_a_bad_amount_or_no_reason_is_one_line_and_issues_nothing(
    sqlite_rig: ConsoleRig, amount: str, note: str, says: str
) -> None:
    client = sqlite_rig.client("staff")
    client.get("/desk/bon")
    response = client.post("/desk/bon", {"amount": amount, "note": note})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert page.count('class="flash error"') == 1 and says in page
    assert bon_rows(sqlite_rig) == [] and audit(sqlite_rig, "bon_issued") == []


def test_the_maximum_itself_may_be_issued(sqlite_rig: ConsoleRig) -> None:
    assert issue(sqlite_rig.client("administrator"), "1000")


def test_a_bon_voided_twice_is_refused_the_second_time(rig: ConsoleRig) -> None:
    client = rig.client("staff")
    bon_id = issue(client, "75")
    page = client.get("/desk/bons").get_data(as_text=True)
    (code,) = re.findall(r'name="code" value="([0-9A-Z]{10})"', page)
    assert "1 udestående bon, 75,00 kr. i alt" in page
    response = client.post("/desk/bons/void", {"code": code, "why": ""})
    assert response.status_code == 400 and "Skriv hvorfor bonen annulleres." in client.last
    assert client.post("/desk/bons/void", {"code": code, "why": "Forkert beløb"}).status_code == 303
    page = client.get("/desk/bons").get_data(as_text=True)
    assert " er annulleret og kan ikke bruges mere." in page and "0 udestående bonner" in page
    before = bon_rows(rig)
    response = client.post("/desk/bons/void", {"code": code, "why": "igen"})
    assert response.status_code == 400
    assert "Bonen er annulleret af personalet og kan ikke bruges. Annulleret " in client.last
    assert " af 17." in client.last
    response = client.post("/desk/bons/void", {"code": "ABCDEFGHJK", "why": "x"})
    assert response.status_code == 400 and "Vi kender ikke denne bon. Tjek koden." in client.last
    assert bon_rows(rig) == before
    (voided,) = audit(rig, "bon_voided")
    assert voided.details["why"] == "Forkert beløb" and voided.details["address"] == "127.0.0.1"
    assert client.get(f"/desk/bon/{bon_id}").status_code == 404  # a voided bon's slip: gone
    assert "Bonen er annulleret af personalet" in client.last


def test_what_staff_typed_is_shown_escaped(sqlite_rig: ConsoleRig) -> None:
    client = sqlite_rig.client("staff")
    issue(client, "20", "<script>alert(1)</script> 010190-1234")
    page = client.get("/desk/bons").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert "010190-1234" not in page  # a CPR typed in a note is not shown
    page = client.get("/desk/payments?q=<script>alert(1)</script>").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page


def test_a_finance_worker_may_not_issue_and_nothing_is_written(sqlite_rig: ConsoleRig) -> None:
    client = sqlite_rig.client("finance")
    assert client.post("/desk/bon", {"amount": "50", "note": "x"}).status_code == 403
    assert bon_rows(sqlite_rig) == []
    assert audit(sqlite_rig, "console_not_permitted")[0].details["needs"] == "issue_bon"
