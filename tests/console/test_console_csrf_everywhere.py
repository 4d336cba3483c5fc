"""Every form the console has, posted without its CSRF token by a user who may use it (an
administrator may use them all), is refused with one line and changes nothing in the ledger:
each table's rows are the same before and after (the audit log included)."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from kiosk.ledger.models import Base
from tests.console.rig import ConsoleRig
from tests.console.test_console_security import guarded_rules, methods, url_of


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: int(conn.scalar(select(func.count()).select_from(table)) or 0)
                for name, table in Base.metadata.tables.items()}


def test_no_form_does_anything_without_its_token(sqlite_rig: ConsoleRig) -> None:
    client = sqlite_rig.client("administrator")
    posts = [r for r in guarded_rules(sqlite_rig) if "POST" in methods(r)
             and r.endpoint != "auth.logout"]
    assert len(posts) >= 8, [r.rule for r in posts]
    before = row_counts(sqlite_rig.engine)
    for rule in posts:
        response = client.post(url_of(rule), {"amount": "50,00", "reason": "x", "why": "x"},
                               csrf=False)
        assert response.status_code == 400, rule.rule
        assert "Intet er ændret" in response.get_data(as_text=True), rule.rule
    assert row_counts(sqlite_rig.engine) == before
    assert client.get("/").status_code == 200  # still logged in: the refusal ended nothing
