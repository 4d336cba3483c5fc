"""Shared base for configuration sections: unknown keys are errors, values are immutable."""

from __future__ import annotations

import codecs

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def codec_keeping(value: str, sample: str, what: str, *, as_ascii: bool = False) -> str:
    """``value`` if it names a character set that writes ``sample`` and reads it back the same
    (``as_ascii``: as the very ASCII bytes), else ValueError saying it cannot write ``what``
    (SIP2 needs ASCII kept as ASCII, a debtor file æ, ø and å)."""
    try:
        codecs.lookup(value)
    except LookupError:
        raise ValueError(f"unknown character set {value!r}") from None
    try:
        written = sample.encode(value)
        kept = written == sample.encode("ascii") if as_ascii else written.decode(value) == sample
    except (UnicodeEncodeError, UnicodeDecodeError):
        kept = False
    if not kept:
        raise ValueError(f"{value!r} cannot write {what}")
    return value
