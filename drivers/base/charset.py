"""Text a receipt printer can print: what its code page lacks is transliterated, never ``?``.

A thermal printer prints one byte per character from a code page (CP865, the Nordic page, by
default). Anything can reach it: our own layouts, operator texts from the configuration, titles
and reasons from FBS, the card terminal's receipt text. python-escpos prints ``?`` for a character
the page lacks, so "Betalt her – registreres i FBS" came out as "Betalt her ? registreres i FBS".

:func:`printable` fits a text to a code page, character by character:

1. what the page has is kept as it is (CP865 has æøåÆØÅ, é, ü, ß, ½, …: never transliterated);
2. line breaks stay; other control characters become a space (a stray ESC or GS from an outside
   text would otherwise reach the printer as a command); invisible format characters (soft
   hyphen, zero-width space, direction marks) and lone combining marks are dropped;
3. a small table: dashes → ``-``, curly quotes → ``'`` and ``"``, € → ``EUR``, ø → ``oe`` (only on
   a page without ø), ß → ``ss`` (likewise), …;
4. Unicode's compatibility decomposition (NFKD) without its accents: ``ő`` → ``o``, ``…`` →
   ``...``, ``ﬁ`` → ``fi``, a full-width ``Ａ`` → ``A``;
5. what is still left (Chinese, Cyrillic, emoji) prints as :data:`MISSING` (``■``), a visible
   "a letter was here" that cannot be mistaken for a question mark.

A card terminal sends its receipt lines one byte per character too: :func:`check_text_encoding`
accepts only an ASCII-compatible one-byte codec for it (the configuration checks it on load).

Operator texts are checked with :func:`unprintable` when the configuration loads, so a library
name that would print as ``■■■`` is refused there; texts from FBS cannot be refused and get the
marks. The screen shows the original text: only the printer's copy is transliterated.
"""

from __future__ import annotations

import codecs
import unicodedata
from functools import cache

#: printed for a character no code page form exists for (CP865 0xFE); ``#`` where a page lacks it
MISSING = "■"
_MISSING_FALLBACK = "#"

#: what a character becomes when the page lacks it, before trying its decomposition (the table
#: comes first: ``å`` must become ``aa`` on a page without it, not ``a``)
TRANSLITERATION: dict[str, str] = {
    # dashes and minus
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2e3a\u2e3b", "-"),
    # quotes (» and « are handled as a pair, see _page_table)
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2035\u02bc\u00b4\u2039\u203a", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u2036", '"'),
    "\u2026": "...",
    "\u2022": "*",
    "\u2027": "-",
    "\u20ac": "EUR",
    "\u00a2": "c",
    "\u00a9": "(c)",
    "\u00ae": "(R)",
    "\u2030": "o/oo",
    "\u2044": "/",
    "\u00d7": "x",
    "\u2192": "->",
    "\u2190": "<-",
    # the screen's icons and check boxes, should a layout quote the screen
    **dict.fromkeys("\u2713\u2714", "v"),
    **dict.fromkeys("\u2715\u2717\u2718", "x"),
    "\u2611": "[x]",
    "\u2612": "[x]",
    "\u2610": "[ ]",
    "\u26a0": "!",
    # letters that do not decompose (and the Danish ones, for a page that lacks them)
    "\u00df": "ss",
    "\u1e9e": "SS",
    "\u00e6": "ae",
    "\u00c6": "AE",
    "\u00f8": "oe",
    "\u00d8": "OE",
    "\u00e5": "aa",
    "\u00c5": "AA",
    "\u0153": "oe",
    "\u0152": "OE",
    "\u00f0": "d",
    "\u00d0": "D",
    "\u0111": "d",
    "\u0110": "D",
    "\u00fe": "th",
    "\u00de": "TH",
    "\u0142": "l",
    "\u0141": "L",
    "\u0131": "i",
    "\u0127": "h",
    "\u0126": "H",
    "\u0167": "t",
    "\u0166": "T",
    "\u014b": "ng",
    "\u014a": "NG",
}
#: Danish quotes »like this«: CP865 has « but not », so on such a page both become ``"``
_GUILLEMETS = "\u00ab\u00bb"


class UnknownCodePage(LookupError):
    """A code page name Python has no codec for."""


@cache
def python_codec(code_page: str) -> str:
    """Python's codec for a printer code page name (``CP865``, ``ISO_8859-15``, ``cp1252``)."""
    for name in (code_page, code_page.replace("-", "_"), code_page.replace("_", "-")):
        try:
            return codecs.lookup(name).name
        except LookupError:
            continue
    raise UnknownCodePage(f"unknown code page {code_page!r}")


@cache
def _page_table(codec: str) -> dict[str, str]:
    table = dict(TRANSLITERATION)
    if not all(_holds(codec, c) for c in _GUILLEMETS):
        table.update(dict.fromkeys(_GUILLEMETS, '"'))
    return table


@cache
def _holds(codec: str, char: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeError:
        return False
    return True


@cache
def _missing(codec: str) -> str:
    return MISSING if _holds(codec, MISSING) else _MISSING_FALLBACK


@cache
def _fit_char(codec: str, char: str) -> str:
    """One character (after NFC) as the page can print it; :data:`MISSING` if nothing fits."""
    if char == "\n":
        return char
    category = unicodedata.category(char)
    if category == "Cc" or category in ("Zl", "Zp"):
        return " "  # also keeps ESC, GS and DLE from reaching the printer as commands
    if category in ("Cf", "Mn", "Me"):
        return ""
    table = _page_table(codec)
    if char in _GUILLEMETS and char in table:
        return table[char]  # a pair: « alone would leave »citat" half transliterated
    if category != "Cs" and _holds(codec, char):
        return char
    if char in table:
        return table[char]
    decomposed = unicodedata.normalize("NFKD", char)
    if decomposed != char:
        # the parts are already decomposed, so this recursion ends after one level
        return "".join(_fit_char(codec, part) for part in decomposed)
    return _missing(codec)


def printable(text: str, code_page: str = "CP865") -> str:
    """``text`` with every character the code page lacks transliterated (see the module)."""
    codec = python_codec(code_page)
    return "".join(_fit_char(codec, c) for c in unicodedata.normalize("NFC", text))


def unprintable(text: str, code_page: str = "CP865") -> list[str]:
    """The characters of ``text`` that have no printable form on the page, not even
    transliterated (they would print as :data:`MISSING`), in order, each once."""
    codec = python_codec(code_page)
    missing = _missing(codec)
    found: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if char != missing and missing in _fit_char(codec, char) and char not in found:
            found.append(char)
    return found


def describe(char: str) -> str:
    """``U+4E09 CJK UNIFIED IDEOGRAPH-4E09``: a character named without printing it."""
    name = unicodedata.name(char, "") or unicodedata.category(char)
    return f"U+{ord(char):04X} {name}"


# -- one-byte text from a device ------------------------------------------------------------------
def check_text_encoding(name: str) -> str:
    """``name`` if it is an ASCII-compatible one-byte text codec (cp437, cp865, latin-1, …),
    else ValueError: ZVT text is one byte per character, so UTF-8 or UTF-16 would garble it."""
    printable = bytes(range(0x20, 0x7F))
    try:
        ascii_ok = printable.decode(name) == printable.decode("ascii")
    except LookupError as exc:
        raise ValueError(f"'{name}' is not a text encoding Python knows") from exc
    except UnicodeDecodeError:
        ascii_ok = False
    if not ascii_ok:
        raise ValueError(f"'{name}' is not ASCII-compatible")
    for byte in range(0x80, 0x100):
        try:  # a multi-byte codec waits for more bytes: it hands back nothing for a lead byte
            out = codecs.getincrementaldecoder(name)().decode(bytes([byte]), final=False)
        except UnicodeDecodeError:
            continue  # a byte the code page leaves undefined
        if len(out) != 1:
            raise ValueError(f"'{name}' is not a one-byte encoding")
    return name
