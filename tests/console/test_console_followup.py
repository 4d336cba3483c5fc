"""The console's follow-up list: every automat's refused FBS registrations (made as the core's
tests make them: a citizen pays by card at an automat, FBS refuses), closed with what was done
by desk staff at the console; bad input is one line and changes nothing; the audit entry names
the console and the address. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from console.pages.followup import OUTCOME_LABELS
from kiosk.followup_words import CLOSE_OUTCOMES
from kiosk.ledger.models import AuditEntry, OutboxItem
from tests.console.rig import ConsoleRig
from tests.integration.test_followup import refused_registration
from tests.payment_fakes import AUTOMAT, session_rig


@pytest.fixture
def item(rig: ConsoleRig) -> int:
    """A refused registration of 37,30 kr. at automat test-01, on the console's clock."""
    return refused_registration(session_rig(rig.engine, clock=rig.clock))


def row(rig: ConsoleRig, item_id: int) -> Any:
    with rig.engine.connect() as conn:
        return conn.execute(select(OutboxItem).where(OutboxItem.id == item_id)).one()


def closings(rig: ConsoleRig) -> list[AuditEntry]:
    with rig.engine.connect() as conn:
        return list(conn.execute(
            select(AuditEntry).where(AuditEntry.action == "follow_up_closed")).all())


def test_desk_staff_close_an_item_with_what_was_done(rig: ConsoleRig, item: int) -> None:
    client = rig.client("staff")
    page = client.get("/followup").get_data(as_text=True)
    open_part, closed_part = page.split("Lukkede punkter")
    assert AUTOMAT in open_part and "37,30 kr." in open_part
    assert "Ingen lukkede punkter." in closed_part
    response = client.post(f"/followup/{item}/close", {"outcome": "other",
                                                        "note": "Ringet til borgeren"})
    assert response.status_code == 302
    page = client.get("/followup").get_data(as_text=True)
    assert "Punktet på 37,30 kr. (test-01) er lukket: Andet." in page
    open_part, closed_part = page.split("Lukkede punkter")
    assert "Ingen åbne punkter." in open_part
    assert "Andet: Ringet til borgeren" in closed_part and "17 (staff)" in closed_part
    r = row(rig, item)
    assert (r.state, r.closed_by, r.closed_role, r.close_outcome) == ("closed", "17", "staff",
                                                                      "other")
    (entry,) = closings(rig)
    assert (entry.actor, entry.role, entry.automat_id) == ("17", "staff", "console")
    assert entry.details["address"] == "127.0.0.1" and entry.details["via"] == "console"


def test_the_outcomes_danish_words_are_the_cores(sqlite_rig: ConsoleRig) -> None:
    page = sqlite_rig.client("administrator").get("/followup").get_data(as_text=True)
    assert set(OUTCOME_LABELS) == set(CLOSE_OUTCOMES)
    from console.i18n import translations

    danish = translations("da")
    assert {k: danish.gettext(v) for k, v in OUTCOME_LABELS.items()} == CLOSE_OUTCOMES
    assert "Ingen åbne punkter." in page


@pytest.mark.parametrize(("form", "status", "words"), [
    ({}, 400, "Vælg, hvad der blev gjort. Intet er ændret."),
    ({"outcome": "burnt"}, 400, "Vælg, hvad der blev gjort. Intet er ændret."),
    ({"outcome": "other", "note": "  "}, 400, "Skriv i noten, hvad der blev gjort."),
])
def test_bad_input_is_one_line_and_changes_nothing(
    rig: ConsoleRig, item: int, form: dict[str, str], status: int, words: str
) -> None:
    client = rig.client("staff")
    client.get("/followup")
    before = row(rig, item)
    response = client.post(f"/followup/{item}/close", form)
    assert response.status_code == status
    text = response.get_data(as_text=True)
    assert words in text and "Traceback" not in text
    assert row(rig, item) == before and closings(rig) == []


def test_an_unknown_or_already_closed_item_is_refused(rig: ConsoleRig, item: int) -> None:
    client = rig.client("administrator")
    client.get("/followup")
    response = client.post(f"/followup/{item + 1000}/close", {"outcome": "written_off"})
    assert response.status_code == 404
    assert "ikke længere på opfølgningslisten" in response.get_data(as_text=True)
    assert client.post(f"/followup/{item}/close", {"outcome": "written_off"}).status_code == 302
    client.get("/followup")
    response = client.post(f"/followup/{item}/close", {"outcome": "refunded"})
    assert response.status_code == 400
    assert "allerede lukket" in response.get_data(as_text=True)
    assert row(rig, item).close_outcome == "written_off" and len(closings(rig)) == 1


def test_a_close_without_its_csrf_token_changes_nothing(rig: ConsoleRig, item: int) -> None:
    client = rig.client("staff")
    response = client.post(f"/followup/{item}/close", {"outcome": "refunded"}, csrf=False)
    assert response.status_code == 400
    assert row(rig, item).state == "refused" and closings(rig) == []
