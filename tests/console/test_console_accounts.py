"""The console's staff accounts, for an administrator: add (roles as boxes, the PIN twice), a
new PIN, unlock, close (asked twice; never one's own account); everything through
``StaffBook``, which audits with the console's address; bad input is one line and changes
nothing; no page shows a PIN or a hash. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from kiosk.ledger.models import AuditEntry, StaffAccount
from tests.console.rig import ConsoleRig

NEW = {"staff_no": "60", "name": "Nina Ny", "roles": ["staff", "finance"], "pin": "258013",
       "pin_again": "258013"}


def accounts(rig: ConsoleRig) -> list[Any]:
    with rig.engine.connect() as conn:
        return list(conn.execute(select(StaffAccount).order_by(StaffAccount.id)).all())


def audited(rig: ConsoleRig, action: str) -> list[AuditEntry]:
    with rig.engine.connect() as conn:
        return list(conn.execute(select(AuditEntry).where(AuditEntry.action == action)).all())


def no_secret(rig: ConsoleRig, text: str, *pins: str) -> None:
    for pin in pins:
        assert f'value="{pin}"' not in text and f">{pin}<" not in text
    for row in accounts(rig):
        assert row.pin_hash not in text
    assert "$argon2" not in text


def test_an_administrator_adds_an_account_that_can_log_in(rig: ConsoleRig) -> None:
    admin = rig.client("administrator")
    admin.get("/accounts")
    response = admin.post("/accounts/add", NEW)
    assert response.status_code == 302
    page = admin.get("/accounts").get_data(as_text=True)
    assert "Kontoen 60 (Nina Ny) er oprettet." in page
    assert "Personale ved skranken, Økonomiafdeling" in page
    no_secret(rig, page, "258013")
    (entry,) = audited(rig, "staff_added")[-1:]
    assert (entry.actor, entry.role, entry.automat_id) == ("50", "administrator", "console")
    assert entry.details["staff_no"] == "60" and entry.details["address"] == "127.0.0.1"
    assert "258013" not in str(entry.details)
    nina = rig.client()
    assert nina.login("60", "258013").status_code == 302
    assert "Nina Ny" in nina.get("/").get_data(as_text=True)


@pytest.mark.parametrize(("change", "words"), [
    ({"pin_again": "258014"}, "De to PIN-koder er forskellige. Intet er ændret."),
    ({"pin": "25ab", "pin_again": "25ab"}, "PIN-koden må kun bestå af cifre."),
    ({"pin": "12", "pin_again": "12"}, "PIN-koden skal være 4 til 12 cifre."),
    ({"staff_no": "6o"}, "Medarbejdernummeret skal være 1 til 12 cifre."),
    ({"staff_no": "17"}, "Medarbejdernummeret er eller har været i brug"),
    ({"roles": []}, "Vælg mindst én rolle."),
    ({"roles": ["root"]}, "Vælg mindst én rolle."),  # a forged value: the same line
    ({"name": ""}, "Navnet skal være 1 til 64 tegn."),
])
def test_a_bad_new_account_is_one_line_and_changes_nothing(
    rig: ConsoleRig, change: dict[str, Any], words: str
) -> None:
    admin = rig.client("administrator")
    admin.get("/accounts")
    before, added = accounts(rig), audited(rig, "staff_added")
    response = admin.post("/accounts/add", {**NEW, **change})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert words in text and "Traceback" not in text
    no_secret(rig, text, "258013", "25ab")
    assert accounts(rig) == before and audited(rig, "staff_added") == added


def test_a_new_pin_and_unlocking(rig: ConsoleRig) -> None:
    staff = rig.client()
    for _ in range(5):
        staff.login("17", "0000")
    assert "Kontoen er låst" in staff.last
    admin = rig.client("administrator")
    assert "Låst til kl." in admin.get("/accounts/17").get_data(as_text=True)
    assert admin.post("/accounts/17/unlock").status_code == 302
    assert "Kontoen 17 er låst op." in admin.get("/accounts/17").get_data(as_text=True)
    assert staff.login("17", "4711").status_code == 302

    before = accounts(rig)
    response = admin.post("/accounts/17/pin", {"pin": "97531", "pin_again": "97532"})
    assert response.status_code == 400 and accounts(rig) == before
    assert "De to PIN-koder er forskellige." in response.get_data(as_text=True)
    assert admin.post("/accounts/17/pin", {"pin": "97531", "pin_again": "97531"}).status_code == 302
    page = admin.get("/accounts/17").get_data(as_text=True)
    assert "Kontoen 17 har fået en ny PIN-kode" in page
    no_secret(rig, page, "97531")
    assert rig.client().login("17", "97531").status_code == 302
    for action in ("staff_unlocked", "staff_pin_reset"):
        (entry,) = audited(rig, action)
        assert entry.actor == "50" and entry.details["address"] == "127.0.0.1"
        assert entry.details["staff_no"] == "17"


def test_closing_an_account_is_asked_twice(rig: ConsoleRig) -> None:
    staff = rig.client("staff")
    admin = rig.client("administrator")
    page = admin.get("/accounts/17/remove").get_data(as_text=True)
    assert "Ja, luk kontoen for Sofie Skranke" in page
    before = accounts(rig)
    response = admin.post("/accounts/17/remove", {})
    assert response.status_code == 400
    assert "Sæt flueben for at bekræfte. Intet er ændret." in response.get_data(as_text=True)
    assert accounts(rig) == before and staff.get("/").status_code == 200
    assert admin.post("/accounts/17/remove", {"confirm": "17"}).status_code == 302
    assert "Kontoen 17 (Sofie Skranke) er lukket" in admin.get("/accounts").get_data(as_text=True)
    assert staff.get("/").status_code == 302  # logged out at once
    (entry,) = audited(rig, "staff_removed")
    assert entry.actor == "50" and entry.details["address"] == "127.0.0.1"
    response = admin.post("/accounts/17/remove", {"confirm": "17"})
    assert response.status_code == 400 and "Kontoen er lukket." in response.get_data(as_text=True)


def test_an_administrator_cannot_close_their_own_account_nor_the_last(rig: ConsoleRig) -> None:
    admin = rig.client("administrator")
    admin.get("/accounts/50/remove")
    before = accounts(rig)
    response = admin.post("/accounts/50/remove", {"confirm": "50"})
    assert response.status_code == 400
    assert "Det er den sidste administrator" in response.get_data(as_text=True)
    admin.get("/accounts")
    assert admin.post("/accounts/add", {**NEW, "roles": ["administrator"]}).status_code == 302
    before = accounts(rig)
    admin.get("/accounts/50/remove")
    response = admin.post("/accounts/50/remove", {"confirm": "50"})
    assert response.status_code == 400
    assert "Du kan ikke lukke din egen konto" in response.get_data(as_text=True)
    assert accounts(rig) == before and audited(rig, "staff_removed") == []


def test_an_unknown_account_is_not_found(sqlite_rig: ConsoleRig) -> None:
    admin = sqlite_rig.client("administrator")
    assert admin.get("/accounts/999").status_code == 404
    admin.get("/accounts")
    assert admin.post("/accounts/999/unlock").status_code == 404
    assert sqlite_rig.client("technician").get("/accounts").status_code == 403
