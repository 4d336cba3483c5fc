"""Layout profiles: what a debtor import file looks like, as a validated TOML file.

No public specification exists for the import formats of KMD Opus Debitor, EG ØS Indsigt or
Prisme, so the layout is data: fixed width or delimited, encoding, header/detail/trailer records
and their fields, file naming. A municipality adjusts a profile to what its supplier specifies.
Errors name the file and the key (``opus.toml: detail.fields[2].width: ...``).
"""

from __future__ import annotations

import string
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kiosk.config.base import codec_keeping
from kiosk.config.tomlfile import FileProblem, first_problem, read_toml
from kiosk.debtor.item import DATE_FIELDS, TEXT_FIELDS

#: the fields of a debtor item (:class:`kiosk.debtor.item.DebtorItem`) a record can lay out
ITEM_TEXT_SOURCES = TEXT_FIELDS
ITEM_DATE_SOURCES = DATE_FIELDS
ITEM_SOURCES = (*ITEM_TEXT_SOURCES, *ITEM_DATE_SOURCES, "amount", "item_id")
#: values of the whole file, usable in any record
FILE_SOURCES = ("count", "total", "sequence", "file_date", "record_count", "automat_id")
SOURCES = tuple(dict.fromkeys((*ITEM_SOURCES, *FILE_SOURCES, "constant")))

NUMBER_SOURCES = ("count", "sequence", "record_count", "item_id")
AMOUNT_SOURCES = ("amount", "total")
DATE_SOURCES = (*ITEM_DATE_SOURCES, "file_date")

FILE_NAME_KEYS = ("automat_id", "sequence", "date", "profile")
DANISH_LETTERS = "æøåÆØÅ"
TERMINATORS = {"CRLF": "\r\n", "LF": "\n", "CR": "\r"}


class ProfileError(FileProblem):
    """A layout profile problem, worded for an operator: ``FILE: key: what is wrong``."""


class _KeyedError(ValueError):
    """A whole-profile check that knows which key is wrong."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        super().__init__(problem)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    """One field of a record."""

    name: str = Field(min_length=1)
    source: Literal[SOURCES]  # type: ignore[valid-type]
    value: str | None = None  # the text of a constant
    width: int | None = Field(None, ge=1, le=1000)
    #: default by kind (Nets/LeverandørService): text left + blanks, numbers right + zeros
    align: Literal["left", "right"] | None = None
    pad: str | None = Field(None, min_length=1, max_length=1)
    #: dates: a strftime pattern in the profile's time zone
    format: str = "%Y%m%d"
    #: amounts: øre as an integer, or kroner with a decimal comma or point
    amount: Literal["ore", "kr_comma", "kr_point"] = "ore"
    #: text: replace a value by the supplier's code (e.g. method card → "K"); unknown = error
    map: dict[str, str] | None = None
    #: text: cut a too-long value to the width instead of failing
    truncate: bool = False

    @property
    def kind(self) -> str:
        if self.source in NUMBER_SOURCES:
            return "number"
        if self.source in AMOUNT_SOURCES:
            return "amount"
        if self.source in DATE_SOURCES:
            return "date"
        return "text"

    @model_validator(mode="after")
    def _consistent(self) -> FieldSpec:
        if (self.source == "constant") != (self.value is not None):
            raise ValueError("'value' is given exactly when source = \"constant\"")
        if self.map is not None and self.kind != "text":
            raise ValueError("'map' applies to text fields only")
        if self.kind == "date":
            try:
                datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC).strftime(self.format)
            except ValueError as exc:
                raise ValueError(f"not a strftime pattern: {exc}") from None
        return self


class RecordSpec(_Strict):
    fields: list[FieldSpec] = Field(min_length=1)
    #: fixed width: the record's length, checked against the sum of the field widths
    length: int | None = Field(None, ge=1)


class LayoutProfile(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")
    description: str = ""
    layout: Literal["fixed", "delimited"]
    encoding: str = "cp1252"
    record_terminator: Literal["CRLF", "LF", "CR"] = "CRLF"
    #: a terminator after the last record too (most importers expect it)
    final_terminator: bool = True
    delimiter: str = Field(";", min_length=1, max_length=1)
    quoting: Literal["minimal", "all", "none"] = "minimal"
    quote_char: str = Field('"', min_length=1, max_length=1)
    #: dates in file names and records are local to this zone
    timezone: str = "Europe/Copenhagen"
    #: Python format fields: {automat_id}, {sequence:06d}, {date:%Y%m%d}, {profile}
    file_name: str
    header: RecordSpec | None = None
    detail: RecordSpec
    trailer: RecordSpec | None = None

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        return codec_keeping(value, DANISH_LETTERS, "æ, ø and å")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}'") from None
        return value

    @field_validator("file_name")
    @classmethod
    def _file_name(cls, value: str) -> str:
        names = set()
        try:
            for _, field, _, _ in string.Formatter().parse(value):
                if field is not None:
                    if field not in FILE_NAME_KEYS:
                        raise ValueError(
                            f"unknown field {{{field}}}: use {', '.join(FILE_NAME_KEYS)}"
                        )
                    names.add(field)
        except ValueError as exc:
            raise ValueError(str(exc)) from None
        if "sequence" not in names:
            raise ValueError("the file name must contain {sequence} so every file is unique")
        sample = format_file_name(value, "automat-01", 1, datetime(2026, 1, 2, tzinfo=UTC), "p")
        if "/" in sample or "\\" in sample or sample.startswith("."):
            raise ValueError("the file name must not contain a folder or start with '.'")
        return value

    @model_validator(mode="after")
    def _records(self) -> LayoutProfile:
        if self.layout == "fixed" and len(self.encode_probe()) != len(DANISH_LETTERS):
            raise _KeyedError(
                "encoding",
                f"a fixed-width file needs a one-byte-per-letter encoding, not '{self.encoding}'",
            )
        for part in ("header", "detail", "trailer"):
            record: RecordSpec | None = getattr(self, part)
            if record is None:
                continue
            for i, field in enumerate(record.fields):
                where = f"{part}.fields[{i}]"
                if (
                    part != "detail"
                    and field.source in ITEM_SOURCES
                    and (field.source not in FILE_SOURCES)
                ):
                    raise _KeyedError(
                        f"{where}.source",
                        f"'{field.source}' is a per-item value; a {part} can use "
                        f"constant or {', '.join(FILE_SOURCES)}",
                    )
                if self.layout == "fixed" and field.width is None:
                    raise _KeyedError(f"{where}.width", "every field of a fixed-width file has one")
                if self.layout == "fixed" and field.source == "constant":
                    assert field.value is not None and field.width is not None
                    if len(field.value) > field.width:
                        raise _KeyedError(f"{where}.value", f"longer than the width {field.width}")
            if record.length is not None:
                if self.layout != "fixed":
                    raise _KeyedError(f"{part}.length", "only fixed-width records have a length")
                total = sum(f.width or 0 for f in record.fields)
                if total != record.length:
                    raise _KeyedError(
                        f"{part}.length",
                        f"is {record.length} but the field widths add up to {total}",
                    )
        return self

    def encode_probe(self) -> bytes:
        return DANISH_LETTERS.encode(self.encoding)

    @property
    def terminator(self) -> str:
        return TERMINATORS[self.record_terminator]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def file_name_for(self, automat_id: str, sequence: int, created_at: datetime) -> str:
        return format_file_name(
            self.file_name, automat_id, sequence, created_at.astimezone(self.zone), self.name
        )


def format_file_name(
    pattern: str, automat_id: str, sequence: int, date: datetime, profile: str
) -> str:
    return pattern.format(automat_id=automat_id, sequence=sequence, date=date, profile=profile)


def parse_profile(data: dict[str, Any], path: Path | str = "<profile>") -> LayoutProfile:
    try:
        return LayoutProfile.model_validate(data)
    except ValidationError as exc:
        key, problem, first = first_problem(exc)
        cause = (first.get("ctx") or {}).get("error")
        if isinstance(cause, _KeyedError):
            key = ".".join(k for k in (key, cause.key) if k)
        raise ProfileError(path, key, problem) from None


def load_profile(path: str | Path) -> LayoutProfile:
    """Read and validate one profile file; raise :class:`ProfileError` for the first problem."""
    path = Path(path)
    data = read_toml(path, ProfileError)
    return parse_profile(data, path)
