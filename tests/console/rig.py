"""The console under test: the Flask application on a test ledger (SQLite or PostgreSQL), a fake
clock, and one account per role; :class:`ConsoleClient` logs in and posts forms with their CSRF
token as a browser would (read from the page, never switched off)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from werkzeug.test import TestResponse

from console.app import create_app
from console.context import Fleet
from kiosk.clock import FakeClock
from kiosk.config import load_config
from kiosk.staff.rules import Actor
from tests.conftest import BON_KEY, MINIMAL_CONFIG

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
CONSOLE_ID = "console"

#: one account per role (staff number, name, roles, PIN)
ACCOUNTS = {
    "staff": ("17", "Sofie Skranke", "staff", "4711"),
    "finance": ("21", "Frida Finans", "finance", "2468"),
    "technician": ("30", "Tom Tekniker", "technician", "1357"),
    "administrator": ("50", "Anne Admin", "administrator", "9182"),
}
CONSOLE_SECTION = """
[console]
secure_cookies = {secure}
proxy_hops = 0
"""


def console_config(tmp_path: Path, extra: str = "", *, secure: bool = False) -> Path:
    (tmp_path / "fbs-password").write_text("s3cret-fbs\n")
    (tmp_path / "bon-key").write_text(BON_KEY + "\n")
    path = tmp_path / "console.toml"
    section = CONSOLE_SECTION.format(secure=str(secure).lower())
    text = MINIMAL_CONFIG.format(extra=section + extra)
    path.write_text(text.replace('id = "test-01"', f'id = "{CONSOLE_ID}"'))
    return path


@dataclass
class ConsoleRig:
    app: Flask
    engine: Engine
    clock: FakeClock
    fleet: Fleet = field(init=False)

    def __post_init__(self) -> None:
        self.fleet = self.app.extensions["kiosk_fleet"]

    def client(self, role: str | None = None) -> ConsoleClient:
        c = ConsoleClient(self.app.test_client())
        if role is not None:
            staff_no, _, _, pin = ACCOUNTS[role]
            c.login(staff_no, pin)
        return c


def console_rig(
    engine: Engine, tmp_path: Path, extra: str = "", *, secure: bool = False,
    clock: FakeClock | None = None,
) -> ConsoleRig:
    config = load_config(console_config(tmp_path, extra, secure=secure))
    clock = clock or FakeClock()
    app = create_app(config, engine, clock)
    app.config["TESTING"] = False  # errors as the server shows them, never re-raised
    fleet: Fleet = app.extensions["kiosk_fleet"]
    fleet.staff.hasher = FAST
    system = Actor("os:test", "system")
    existing = {a.staff_no for a in fleet.staff.accounts(include_removed=True)}
    for staff_no, name, roles, pin in ACCOUNTS.values():
        if staff_no not in existing:
            fleet.staff.add(staff_no, name, roles, pin, by=system)
    return ConsoleRig(app, engine, clock)


TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class ConsoleClient:
    def __init__(self, client: FlaskClient) -> None:
        self.http = client
        self.last = ""

    def get(self, url: str, **kw: Any) -> TestResponse:
        response = self.http.get(url, **kw)
        if response.mimetype == "text/html":
            self.last = response.get_data(as_text=True)
        return response

    def token(self) -> str:
        found = TOKEN.search(self.last)
        if found is None:
            found = TOKEN.search(self.get("/login").get_data(as_text=True))
        assert found is not None, "no form with a CSRF token on the page"
        return found.group(1)

    def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True,
             **kw: Any) -> TestResponse:
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.token())
        response = self.http.post(url, data=form, **kw)
        if response.mimetype == "text/html":
            self.last = response.get_data(as_text=True)
        return response

    def login(self, staff_no: str, pin: str) -> TestResponse:
        self.get("/login")
        response = self.post("/login", {"staff_no": staff_no, "pin": pin})
        if response.status_code == 302:
            self.get(response.headers["Location"])
        return response
