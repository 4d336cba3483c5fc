"""SIP2 codec: text line ⇄ :class:`Sip2Message`, driven by the table in :mod:`.messages`.

A line here is one message without its CR terminator. Error detection appends ``AY`` (sequence
digit) and ``AZ`` + 4 hex digits: the 16-bit two's complement of the byte sum of everything up to
and including ``AZ``, in the line's character set (a character the set has no byte for counts as
``?``, as a Java server's ``getBytes`` writes it). A received line is checked over its bytes as
received when the transport hands them over (``raw``). Decoding never raises anything but
:class:`Sip2ProtocolError` (or its subclass :class:`Sip2ChecksumError`).

Speed matters (the codec is benchmarked against pysip2): specs are prebuilt, variable fields are
split with one ``str.split`` and dispatched through a dict; no regular expression runs per field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.fbs.sip2.errors import Sip2ChecksumError, Sip2ProtocolError
from kiosk.fbs.sip2.messages import RESEND_CODES, SPECS, MessageSpec

_HEX = frozenset("0123456789ABCDEFabcdef")
_FORBIDDEN = ("|", "\r", "\n", "\x00")
FieldValue = str | tuple[str, ...]


@dataclass(slots=True)
class Sip2Message:
    """One SIP2 message: its 2-digit code, fixed fields by name, variable fields by 2-letter code.

    Repeatable fields (``AV``, ``AF``, …) and unknown codes hold a tuple of values in wire order;
    the others hold one string. ``sequence``/``checksum`` are the ``AY``/``AZ`` values a decoded
    message carried (None when absent); they are ignored by equality.
    """

    code: str
    fixed: dict[str, str]
    fields: dict[str, FieldValue] = field(default_factory=dict)
    sequence: int | None = field(default=None, compare=False)
    checksum: str | None = field(default=None, compare=False)

    def get(self, code: str, default: str | None = None) -> str | None:
        value = self.fields.get(code)
        if value is None:
            return default
        if isinstance(value, tuple):
            return value[0] if value else default
        return value

    def all(self, code: str) -> tuple[str, ...]:
        value = self.fields.get(code)
        if value is None:
            return ()
        return value if isinstance(value, tuple) else (value,)

    def __repr__(self) -> str:  # fields may hold a PIN (AD) or password (CO): never show them
        shown = {k: v for k, v in self.fields.items() if k not in ("AD", "CO", "AC")}
        return f"Sip2Message({self.code}, {self.fixed}, {shown}, seq={self.sequence})"


def make(code: str, /, **values: str | Iterable[str]) -> Sip2Message:
    """Build a message: lower-case keywords are fixed fields, 2-letter upper-case ones are codes.

    ``make("63", language="009", transaction_date=d, summary="   Y      ", AO="DK-1", AA="12")``.
    Repeatable fields take an iterable of strings. Validation happens in :func:`encode`.
    """
    spec = _spec(code)
    repeatable = _REPEATABLE[code]
    fixed: dict[str, str] = {}
    fields: dict[str, FieldValue] = {}
    for key, value in values.items():
        if key.islower():
            fixed[key] = value  # type: ignore[assignment]
        elif key in repeatable or not isinstance(value, str):
            fields[key] = tuple(value)
        else:
            fields[key] = value
    missing = [f.name for f in spec.fixed if f.name not in fixed]
    if missing:
        raise Sip2ProtocolError(f"{code}: missing fixed field(s) {', '.join(missing)}")
    return Sip2Message(code, fixed, fields)


def checksum(text: str | bytes, encoding: str = "cp850") -> str:
    """The 4 hex digits for ``text`` (everything up to and including ``AZ``): bytes as they are,
    text in ``encoding`` with ``?`` for a character it cannot hold."""
    if isinstance(text, bytes):
        data = text
    else:
        try:
            data = text.encode(encoding, errors="replace")
        except LookupError:
            raise Sip2ProtocolError(f"unknown character set {encoding!r}") from None
    return f"{-sum(data) & 0xFFFF:04X}"


def encode(
    message: Sip2Message,
    *,
    sequence: int | None = None,
    error_detection: bool = True,
    encoding: str = "cp850",
) -> str:
    """One line (no CR). With error detection, ordinary messages need ``sequence`` 0–9."""
    spec = _spec(message.code)
    parts = [message.code]
    fixed = message.fixed
    for f in spec.fixed:
        value = fixed.get(f.name)
        if value is None or len(value) != f.width or not f.valid(value):
            raise Sip2ProtocolError(f"{spec.code} {f.name}: {value!r} is not valid")
        parts.append(value)
    unknown = set(fixed) - _FIXED_NAMES[spec.code]
    if unknown:
        raise Sip2ProtocolError(f"{spec.code}: unknown fixed field(s) {sorted(unknown)}")
    fields = message.fields
    for var in spec.fields:
        value = fields.get(var.code)
        if value is None:
            if var.required:
                raise Sip2ProtocolError(f"{spec.code}: required field {var.code} missing")
            continue
        if isinstance(value, tuple):
            if not var.repeatable and len(value) != 1:
                raise Sip2ProtocolError(f"{spec.code}: field {var.code} is not repeatable")
            for item in value:
                parts.append(_field(var.code, item))
        else:
            parts.append(_field(var.code, value))
    known = _CODES[spec.code]
    for code, value in fields.items():  # unknown codes are carried through, in order
        if code not in known:
            if len(code) != 2 or code in ("AY", "AZ"):
                raise Sip2ProtocolError(f"{spec.code}: {code!r} is not a field code")
            for item in value if isinstance(value, tuple) else (value,):
                parts.append(_field(code, item))
    line = "".join(parts)
    if not error_detection:
        return line
    if spec.code in RESEND_CODES:
        line += "AZ"
    else:
        if type(sequence) is not int or not 0 <= sequence <= 9:
            raise Sip2ProtocolError(f"sequence number must be 0-9, got {sequence!r}")
        line = f"{line}AY{sequence}AZ"
    return line + checksum(line, encoding)


def _field(code: str, value: str) -> str:
    if type(value) is not str:
        raise Sip2ProtocolError(f"field {code}: value must be text, got {type(value).__name__}")
    for bad in _FORBIDDEN:
        if bad in value:
            raise Sip2ProtocolError(f"field {code}: value contains {bad!r}")
    return f"{code}{value}|"


def decode(
    line: str, *, encoding: str = "cp850", verify: bool = True, raw: bytes | None = None
) -> Sip2Message:
    """Parse one line (a trailing CR/LF is tolerated). A trailer's checksum is verified: over
    ``raw``, the line's bytes as received, when given; else over the line in ``encoding``."""
    if not isinstance(line, str):
        raise Sip2ProtocolError(f"a SIP2 line is text, got {type(line).__name__}")
    line = line.rstrip("\r\n")
    if "\r" in line or "\x00" in line or "\n" in line:
        raise Sip2ProtocolError("line contains CR, LF or NUL inside the message")
    spec = SPECS.get(line[:2])
    if spec is None:
        raise Sip2ProtocolError(f"unknown or missing message code {line[:2]!r}")
    body, sequence, check = line, None, None
    if len(line) >= 8 and line[-6:-4] == "AZ" and all(c in _HEX for c in line[-4:]):
        check = line[-4:].upper()
        if verify:
            covered: str | bytes = line[:-4]
            if raw is not None:
                raw = raw.rstrip(b"\r\n")
                if raw[-4:].decode("ascii", "replace").upper() != check:
                    raise Sip2ProtocolError("the received bytes do not end in the line's AZ")
                covered = raw[:-4]
            if checksum(covered, encoding) != check:
                raise Sip2ChecksumError(f"checksum {check} does not match message {spec.code}")
        body = line[:-6]
        if body[-3:-1] == "AY" and body[-1:].isascii() and body[-1:].isdigit():
            sequence = int(body[-1])
            body = body[:-3]
    fixed: dict[str, str] = {}
    pos = 2
    for f in spec.fixed:
        end = pos + f.width
        value = body[pos:end]
        if len(value) != f.width or not f.valid(value):
            raise Sip2ProtocolError(f"{spec.code} {f.name}: {value!r} is not valid")
        fixed[f.name] = value
        pos = end
    fields: dict[str, FieldValue] = {}
    if pos < len(body):
        repeatable = _REPEATABLE[spec.code]
        pieces = body[pos:].split("|")
        if pieces[-1] == "":
            pieces.pop()
        for piece in pieces:
            if not piece:
                continue  # "||": an empty field; tolerated
            code = piece[:2]
            if len(code) != 2 or not code.isascii() or not code.isalnum():
                raise Sip2ProtocolError(f"{spec.code}: {piece[:10]!r} is not a field")
            if code in repeatable or code not in _CODES[spec.code]:
                previous = fields.get(code, ())
                fields[code] = (*previous, piece[2:])  # type: ignore[misc]
            elif code in fields:
                raise Sip2ProtocolError(f"{spec.code}: field {code} appears twice")
            else:
                fields[code] = piece[2:]
    for code in _REQUIRED[spec.code]:
        if code not in fields:
            raise Sip2ProtocolError(f"{spec.code}: required field {code} missing")
    return Sip2Message(spec.code, fixed, fields, sequence, check)


def sip2_date(moment: datetime) -> str:
    """``YYYYMMDDZZZZHHMMSS`` in local time (ZZZZ = four blanks)."""
    return f"{moment:%Y%m%d}    {moment:%H%M%S}"


def parse_sip2_date(text: str) -> datetime:
    """The naive local date-time of a ``YYYYMMDDZZZZHHMMSS`` field (the zone is not applied)."""
    try:
        return datetime.strptime(text[:8] + text[12:], "%Y%m%d%H%M%S")
    except (ValueError, TypeError):
        raise Sip2ProtocolError(f"not a SIP2 date: {text!r}") from None


def _spec(code: str) -> MessageSpec:
    try:
        return SPECS[code]
    except (KeyError, TypeError):
        raise Sip2ProtocolError(f"unknown message code {code!r}") from None


_REPEATABLE = {c: frozenset(v.code for v in s.fields if v.repeatable) for c, s in SPECS.items()}
_CODES = {c: frozenset(v.code for v in s.fields) for c, s in SPECS.items()}
_REQUIRED = {c: tuple(v.code for v in s.fields if v.required) for c, s in SPECS.items()}
_FIXED_NAMES = {c: frozenset(f.name for f in s.fixed) for c, s in SPECS.items()}
