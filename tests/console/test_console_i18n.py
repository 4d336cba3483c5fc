"""Danish and English: every text the console marks has its Danish in ``da/*.po`` (found the way
``pybabel extract`` finds them, in the Python modules and the templates), and a user switches."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import REPO
from tests.console.rig import ConsoleRig

CONSOLE = REPO / "console"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")]


def marked_texts() -> set[str]:
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(CONSOLE), METHODS, keywords=KEYWORDS,
        options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return {m for m in found if m}


def test_every_marked_text_has_its_danish() -> None:
    danish: dict[str, object] = {}
    for path in sorted((CONSOLE / "translations" / "da").glob("*.po")):
        with path.open("rb") as f:
            catalog = read_po(f)
        for m in catalog:
            if m.id:
                key = m.id if isinstance(m.id, str) else m.id[0]
                assert key not in danish, f"{key!r} is translated twice ({path.name})"
                danish[key] = m.string
    texts = marked_texts()
    assert len(texts) > 20
    missing = sorted(t for t in texts if not danish.get(t))
    assert missing == []


def test_the_pages_are_danish_until_the_user_chooses_english(sqlite_rig: ConsoleRig) -> None:
    client = sqlite_rig.client()
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="da">' in page and "Medarbejdernummer" in page
    response = client.get("/language/en?next=/login")
    assert response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Staff number" in page
    assert client.get("/language/en?next=https://evil.example/").headers["Location"] == "/"


def test_the_default_language_is_the_configured_one(sqlite_engine, tmp_path: Path) -> None:
    from tests.console.rig import console_rig

    rig = console_rig(sqlite_engine, tmp_path, 'language = "en"\n')  # under [console]
    assert "Staff number" in rig.client().get("/login").get_data(as_text=True)
