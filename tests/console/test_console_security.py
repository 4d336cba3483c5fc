"""The console's guard, over every route it has: without a login every page leads to the login;
every role is refused every function its roles do not grant (the table is ``GRANTS``, the same the
automat asks); forms without their CSRF token are refused; the headers forbid inline script and
framing; an error is one line, never a traceback."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from console.access import PERMISSIONS, PUBLIC
from kiosk.staff.roles import Role, StaffUser
from tests.console.rig import ACCOUNTS, ConsoleRig, console_rig

SAMPLE_ARGS = {"int": 1, "default": "x"}


def url_of(rule: Rule) -> str:
    values = {a: SAMPLE_ARGS.get(type(rule._converters[a]).__name__.removesuffix("Converter")
                                 .lower(), "x") for a in rule.arguments}
    path = rule.rule
    for name, value in values.items():
        path = path.replace(f"<{rule._converters[name].__class__.__name__}:{name}>", str(value))
    for name, value in values.items():  # plain <name> and <int:name> alike
        for prefix in ("", "int:", "string:", "path:"):
            path = path.replace(f"<{prefix}{name}>", str(value))
    return path


def guarded_rules(rig: ConsoleRig) -> list[Rule]:
    rules = [r for r in rig.app.url_map.iter_rules() if r.endpoint not in PUBLIC]
    assert rules, "the console has no pages"
    return sorted(rules, key=lambda r: r.endpoint == "auth.logout")  # logging out last


def methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def test_every_route_is_declared_with_what_it_needs(sqlite_rig: ConsoleRig) -> None:
    undeclared = [r.rule for r in guarded_rules(sqlite_rig) if r.endpoint not in PERMISSIONS]
    assert undeclared == []


def test_every_page_without_a_login_leads_to_the_login(sqlite_rig: ConsoleRig) -> None:
    client = sqlite_rig.client()
    for rule in guarded_rules(sqlite_rig):
        for method in methods(rule):
            if method == "POST":
                response = client.post(url_of(rule))
            else:
                response = client.http.open(url_of(rule), method=method)
            assert response.status_code == 302, (method, rule.rule)
            assert response.headers["Location"].startswith("/login"), rule.rule


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_is_refused_every_function_it_does_not_have(
    sqlite_rig: ConsoleRig, role: str
) -> None:
    client = sqlite_rig.client(role)
    user = StaffUser("x", "x", frozenset({Role(role)}))
    refused = allowed = 0
    for rule in guarded_rules(sqlite_rig):
        permission = PERMISSIONS[rule.endpoint]
        may = permission is None or user.may(permission)
        for method in methods(rule):
            if method == "POST":
                response = client.post(url_of(rule))
            else:
                response = client.http.open(url_of(rule), method=method)
            if may:
                allowed += 1
                assert response.status_code != 403, (role, method, rule.rule)
            else:
                refused += 1
                assert response.status_code == 403, (role, method, rule.rule)
                assert "Du har ikke adgang til denne funktion." in response.get_data(as_text=True)
    assert allowed > 0


def test_an_unknown_address_is_a_page_not_found_not_a_traceback(sqlite_rig: ConsoleRig) -> None:
    client = sqlite_rig.client("staff")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "Siden findes ikke." in text and "Traceback" not in text


def test_the_headers_forbid_inline_script_framing_and_caching(sqlite_rig: ConsoleRig) -> None:
    response = sqlite_rig.client().get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "<script>" not in response.get_data(as_text=True).replace(
        '<script src="/static/console.js" defer></script>', ""
    )


def test_a_login_posted_without_its_token_is_refused(sqlite_rig: ConsoleRig) -> None:
    client = sqlite_rig.client()
    staff_no, _, _, pin = ACCOUNTS["administrator"]
    response = client.post("/login", {"staff_no": staff_no, "pin": pin}, csrf=False)
    assert response.status_code == 400
    assert "Intet er ændret" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_the_cookie_is_secure_http_only_and_strict(sqlite_engine, tmp_path) -> None:
    secure = console_rig(sqlite_engine, tmp_path, secure=True)
    client = secure.client()
    client.get("/language/en", base_url="https://localhost")
    cookie = client.http.get_cookie("__Host-kiosk-console", domain="localhost")
    assert cookie is not None
    assert cookie.secure and cookie.http_only and cookie.same_site == "Strict"
    assert "Strict-Transport-Security" in client.get("/login", base_url="https://localhost").headers
