"""What a serial barcode/magstripe scanner sends: lines, and magnetic-stripe tracks.

Lines end with CR, LF or CRLF. A line that starts with a track sentinel (``%`` track 1, ``;``
track 2) is a magstripe swipe; anything else is a barcode.

The Danish health card (sundhedskort) stripe: no public description of its layout was found
(searched in Danish and English), so this parser assumes the ISO 7811 forms and takes **the
10-digit field** as the CPR number: track 2 ``;<digits>=<digits>?`` (fields split at ``=``) and
track 1 ``%B<digits>^<NAME>^<data>?`` (fields split at ``^``). A swipe may carry both tracks on one
line; track 2 is preferred. Where no field has 10 digits, the primary field is returned (a library
card with a stripe). The core, not this module, decides whether 10 digits are a valid CPR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drivers.base.reader import IdSource

MAX_LINE = 200
_TRACK1 = re.compile(r"%([A-Z])([^^?]{1,79})\^([^^?]{0,26})\^([^?]*)\?")
_TRACK2 = re.compile(r";([0-9]{1,37})(?:=([0-9]*))?\?")
_TEN_DIGITS = re.compile(r"^[0-9]{10}$")


class ScanError(ValueError):
    """A line that is not a readable code: garbled, partial or too long."""


@dataclass(frozen=True, slots=True)
class ScannedLine:
    source: IdSource
    value: str

    def __repr__(self) -> str:
        return f"ScannedLine({self.source.value}, <{len(self.value)} chars>)"


def split_lines(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Complete lines (CR, LF or CRLF terminated; empty lines dropped) and the unfinished rest."""
    parts = re.split(rb"\r\n|\r|\n", buffer)
    rest = parts.pop()
    return [p for p in parts if p], rest


def strip_affixes(text: str, prefix: str = "", suffix: str = "") -> str:
    if prefix and text.startswith(prefix):
        text = text[len(prefix) :]
    if suffix and text.endswith(suffix):
        text = text[: -len(suffix)]
    return text


def parse_magstripe(text: str) -> str:
    """The identifying number of a swipe (see module docstring); ScanError if unreadable."""
    track2 = _TRACK2.search(text)
    track1 = _TRACK1.search(text)
    if track2 is None and track1 is None:
        raise ScanError("magstripe: no complete track")
    if track2 is not None:
        fields = [f for f in track2.groups() if f]
    else:
        assert track1 is not None
        primary = track1.group(2).strip()
        fields = [primary, *track1.group(4).split("^")]
    for candidate in fields:
        if _TEN_DIGITS.match(candidate):
            return candidate
    return fields[0]


def parse_line(raw: bytes, prefix: str = "", suffix: str = "") -> ScannedLine:
    """One received line → a barcode or a magstripe number; ScanError for anything garbled."""
    if len(raw) > MAX_LINE:
        raise ScanError(f"line too long ({len(raw)} bytes)")
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise ScanError("line has non-ASCII bytes") from exc
    if any(not ch.isprintable() for ch in text):
        raise ScanError("line has control characters")
    text = strip_affixes(text.strip(), prefix, suffix).strip()
    if not text:
        raise ScanError("empty line")
    if text[0] in "%;":
        return ScannedLine(IdSource.MAGSTRIPE, parse_magstripe(text))
    return ScannedLine(IdSource.BARCODE, text)
