"""What a keyboard and a screen reader need, on every page each role can open: the language of
the page, a skip link to the main content, one first-level heading, a label for every field, a
header cell for every table's columns, no positive tabindex (focus follows the page's order),
and no inline script or style (the CSP forbids them; a page that used one would break)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from console.access import PERMISSIONS
from kiosk.staff.roles import Role, StaffUser
from tests.console.rig import ConsoleRig
from tests.console.test_console_security import guarded_rules, methods, url_of


class PageFacts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang = ""
        self.h1 = 0
        self.skip_link = False
        self.labels: set[str] = set()
        self.fields: list[tuple[str, str]] = []  # (tag, id or name)
        self.tables = 0
        self.header_cells = 0
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang", "")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "a" and a.get("href") == "#main":
            self.skip_link = True
        elif tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        elif tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            if "aria-label" not in a:
                self.fields.append((tag, a.get("id", "") or f"(no id: {a.get('name', '?')})"))
        elif tag == "table":
            self.tables += 1
        elif tag == "th":
            self.header_cells += 1
        if tag == "script" and "src" not in a:
            self.problems.append("inline script")
        if "style" in a or tag == "style":
            self.problems.append(f"inline style on <{tag}>")
        if a.get("tabindex", "0").lstrip("-").isdigit() and int(a.get("tabindex", "0")) > 0:
            self.problems.append(f"positive tabindex on <{tag}>")
        if any(k.startswith("on") for k in a):
            self.problems.append(f"event handler attribute on <{tag}>")


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_page_a_role_opens_is_usable_with_keyboard_and_screen_reader(
    sqlite_rig: ConsoleRig, role: str
) -> None:
    client = sqlite_rig.client(role)
    user = StaffUser("x", "x", frozenset({Role(role)}))
    pages = 0
    for rule in guarded_rules(sqlite_rig):
        permission = PERMISSIONS[rule.endpoint]
        if "GET" not in methods(rule) or rule.arguments or rule.endpoint == "auth.logout":
            continue
        if permission is not None and not user.may(permission):
            continue
        response = client.get(url_of(rule))
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages += 1
        facts = PageFacts()
        facts.feed(response.get_data(as_text=True))
        where = f"{role} {rule.rule}"
        assert facts.lang in ("da", "en"), where
        assert facts.skip_link, where
        assert facts.h1 == 1, where
        unlabelled = [f for f in facts.fields if f[1] not in facts.labels]
        assert unlabelled == [], where
        assert facts.tables == 0 or facts.header_cells > 0, where
        assert facts.problems == [], where
    assert pages >= 2
