"""Staff on the command line and citizens on the screen read the same words about a bon."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from kiosk.bon_words import LANGUAGES, REASON, SCREEN_SENTENCE
from kiosk.bons import REASON_TEXT, BonReason
from ui.i18n import TRANSLATIONS
from ui.messages import MESSAGES


def danish(source: str) -> str:
    for context in ET.parse(TRANSLATIONS / "da.ts").iter("context"):
        if context.findtext("name") == "Messages":
            for message in context.iter("message"):
                if message.findtext("source") == source:
                    return message.findtext("translation") or ""
    raise AssertionError(f"not in da.ts: {source}")


def test_each_refusal_on_the_command_line_starts_with_the_screens_sentence() -> None:
    for reason in BonReason:
        screen = MESSAGES[reason.value].text
        assert screen.startswith(SCREEN_SENTENCE[reason]["en"]), reason
        assert danish(screen).startswith(SCREEN_SENTENCE[reason]["da"]), reason


def test_every_bon_reason_has_words_in_each_language_and_danish_is_the_slips() -> None:
    assert set(REASON) == set(REASON_TEXT)
    for key, words in REASON.items():
        assert set(words) == set(LANGUAGES)
        assert words["da"] == REASON_TEXT[key]
