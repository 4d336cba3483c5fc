"""Both palettes meet WCAG 2.1 contrast: text at least 7:1 (AAA, 1.4.6) on every background it
can stand on, borders and the scroll bar's handle at least 3:1 (1.4.11). The pairs come from the
stylesheet itself, so a new rule or colour is checked without editing this test."""

from __future__ import annotations

import re
from itertools import product

import pytest

from ui.theme import HIGH_CONTRAST, STANDARD, STYLESHEET

TEXT, NON_TEXT = 7.0, 3.0
_RULE = re.compile(r"([^{}]+)\{\{(.*?)\}\}", re.S)
_DECL = re.compile(r"([a-z-]+)\s*:\s*[^;{}]*\{(\w+)\}")


def luminance(colour: str) -> float:
    """WCAG's relative luminance of ``#rrggbb``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def rules() -> list[tuple[str, dict[str, str]]]:
    """Each rule's selector and the palette keys of its colour properties."""
    return [
        (selector.strip(), dict(_DECL.findall(body)))
        for selector, body in _RULE.findall(STYLESHEET)
    ]


def surfaces() -> tuple[str, set[str]]:
    """The base text colour, and the backgrounds a text in that colour (or one set alone, like
    QLabel#muted or a disabled button, which replace it) can stand on: every background set
    alone, and those of the rules that pair a background with the base colour (the window, a
    button). A pressed button's, a primary button's or a scroll bar's is not among them."""
    base = next(p["color"] for s, p in rules() if s == "QWidget")
    found = set()
    for selector, props in rules():
        part = "::" in selector  # a scroll bar's handle or groove: no text stands on it
        if "background" in props and props.get("color", base) == base and not part:
            found.add(props["background"])
    return base, found


def text_pairs() -> set[tuple[str, str]]:
    """(text, background) keys: a rule's own pair where it sets both, and every colour set alone
    on every surface (see :func:`surfaces`)."""
    both = [p for _s, p in rules() if {"color", "background"} <= set(p)]
    pairs = {(p["color"], p["background"]) for p in both}
    base, on = surfaces()
    loose = {p["color"] for _s, p in rules() if "color" in p and "background" not in p}
    return pairs | set(product(loose | {base}, on))


def non_text_pairs() -> set[tuple[str, str]]:
    """(border or handle, background) keys: every border on every surface, the scroll bar's
    handle on its groove. A border in its own button's colour (primary) draws no edge of its
    own: the button's background against the window does, and that is checked too."""
    _base, on = surfaces()
    edges = {p["border"] for _s, p in rules() if "border" in p}
    pairs = set(product(edges, on))
    for _selector, props in rules():
        if props.get("border-color") not in (None, props.get("background")):
            pairs |= set(product([props["border-color"]], on))
        if props.get("background") == "primary":
            pairs |= set(product(["primary"], on))
    groove = next(p["background"] for s, p in rules() if s == "QScrollBar:vertical")
    handle = next(p["background"] for s, p in rules() if s.startswith("QScrollBar::handle"))
    return pairs | {(handle, groove)}


def test_the_stylesheet_gives_pairs_to_check() -> None:
    pairs = text_pairs()
    assert ("fg", "bg") in pairs and ("primary_fg", "primary") in pairs
    assert ("muted", "panel") in pairs and ("fg", "warn_bg") in pairs and ("bg", "fg") in pairs
    assert ("muted", "fg") not in pairs  # a disabled button is never pressed
    edges = non_text_pairs()
    assert ("border", "bg") in edges and ("fg", "bg") in edges and ("primary", "bg") in edges


@pytest.mark.parametrize("palette", [STANDARD, HIGH_CONTRAST], ids=["standard", "high-contrast"])
def test_every_text_and_border_stands_out(palette: dict[str, str]) -> None:
    weak = [
        f"{a} on {b}: {contrast(palette[a], palette[b]):.2f}:1 (< {need}:1)"
        for pairs, need in ((text_pairs(), TEXT), (non_text_pairs(), NON_TEXT))
        for a, b in sorted(pairs)
        if contrast(palette[a], palette[b]) < need
    ]
    assert not weak, weak


def test_contrast_is_computed_as_wcag_defines_it() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # WebAIM's example
    assert contrast("#ffffff", "#ffffff") == 1.0
