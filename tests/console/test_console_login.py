"""Logging in to the console with the automats' staff accounts: the same PINs and lockout, a
login that ends after quiet, a removed account out at once, and the audit log naming the address."""

from __future__ import annotations

from sqlalchemy import select

from console.auth import SEEN_STEP
from kiosk.ledger.models import AuditEntry
from kiosk.staff.rules import Actor
from tests.console.rig import ACCOUNTS, ConsoleRig


def audit_rows(rig: ConsoleRig, action: str) -> list[AuditEntry]:
    with rig.engine.connect() as conn:
        return list(conn.execute(select(AuditEntry).where(AuditEntry.action == action)).all())


def test_a_member_of_staff_logs_in_and_the_audit_names_where_from(rig: ConsoleRig) -> None:
    client = rig.client()
    response = client.login("17", "4711")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Sofie Skranke" in page
    (entry,) = audit_rows(rig, "staff_login")
    assert entry.details["address"] == "127.0.0.1"
    assert entry.details["via"] == "console"
    assert entry.automat_id == "console"


def test_a_wrong_pin_is_one_line_and_six_lock_the_account(rig: ConsoleRig) -> None:
    """The automat's rule (``MAX_FAILED_TRIES``): the fifth wrong PIN in a row locks."""
    client = rig.client()
    for attempt in range(1, 7):
        assert client.login("17", "0000").status_code == 401
        expected = "Forkert medarbejdernummer" if attempt < 5 else "Kontoen er låst"
        assert expected in client.last, attempt
    assert client.login("17", "4711").status_code == 401  # the right PIN, locked out
    assert "Kontoen er låst" in client.last
    assert client.get("/").status_code == 302  # still not logged in
    assert audit_rows(rig, "staff_login") == []
    assert len(audit_rows(rig, "staff_locked")) == 1


def test_an_unknown_number_reads_as_a_wrong_pin(rig: ConsoleRig) -> None:
    client = rig.client()
    assert client.login("999", "1234").status_code == 401
    assert "Forkert medarbejdernummer eller PIN-kode." in client.last
    assert client.login("<script>", "1234").status_code == 401
    assert "<script>" not in client.last and "&lt;script&gt;" in client.last


def test_a_quiet_login_ends_and_a_busy_one_goes_on(rig: ConsoleRig) -> None:
    client = rig.client("staff")
    rig.clock.advance(29 * 60)
    assert client.get("/").status_code == 200
    rig.clock.advance(29 * 60)
    assert client.get("/").status_code == 200
    rig.clock.advance(31 * 60)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_cookie_is_signed_again_only_when_last_seen_has_gone_stale(rig: ConsoleRig) -> None:
    client = rig.client("staff")
    assert client.get("/").status_code == 200
    rig.clock.advance(SEEN_STEP.total_seconds())
    assert "Set-Cookie" in client.get("/").headers  # last seen moves on
    rig.clock.advance(SEEN_STEP.total_seconds() / 2)
    response = client.get("/")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


def test_a_removed_account_is_logged_out_at_its_next_request(rig: ConsoleRig) -> None:
    client = rig.client("staff")
    assert client.get("/").status_code == 200
    rig.fleet.staff.remove("17", by=Actor("os:test", "system"))
    assert client.get("/").status_code == 302


def test_logging_out_needs_the_form_and_ends_the_login(rig: ConsoleRig) -> None:
    client = rig.client("technician")
    assert client.http.get("/logout").status_code == 405
    assert client.post("/logout", csrf=False).status_code == 400
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302
    assert len(audit_rows(rig, "console_logout")) == 1


def test_after_login_the_user_goes_where_they_were_going_but_never_off_site(
    rig: ConsoleRig,
) -> None:
    staff_no, _, _, pin = ACCOUNTS["staff"]
    client = rig.client()
    client.get("/login?next=/")
    response = client.post("/login", {"staff_no": staff_no, "pin": pin, "next": "//evil.example/"})
    assert response.headers["Location"] == "/"
