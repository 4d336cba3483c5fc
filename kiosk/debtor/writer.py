"""Render a debtor import file from a layout profile: same items + same batch = same bytes.

The profile is compiled once into small functions per field, so a file of 100,000 items is one
pass of plain string work. Nothing here reads the clock: every date comes from the items or the
batch, which is what makes a re-rendered file byte-identical to the first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kiosk.debtor.profile import FieldSpec, LayoutProfile, RecordSpec


class RenderError(ValueError):
    """The items cannot be written with this profile. Names the record and field, never a value
    (a value may be a CPR)."""


@dataclass(frozen=True, slots=True)
class ExportItem:
    """One debtor outbox item as the writer sees it."""

    id: int
    amount_ore: int
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class BatchInfo:
    automat_id: str
    sequence: int
    created_at: datetime  # aware; the file date


@dataclass(frozen=True, slots=True)
class FileTotals:
    count: int
    total_ore: int
    record_count: int


Getter = Callable[[Any], Any]
Fit = Callable[[Any], str]


def _amount(style: str) -> Callable[[int], str]:
    def ore(v: int) -> str:
        if v < 0:
            raise ValueError("a negative amount")
        return str(v)

    def kr(sep: str) -> Callable[[int], str]:
        def fmt(v: int) -> str:
            if v < 0:
                raise ValueError("a negative amount")
            return f"{v // 100}{sep}{v % 100:02d}"

        return fmt

    return {"ore": ore, "kr_comma": kr(","), "kr_point": kr(".")}[style]


def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class FileRenderer:
    """A profile compiled for rendering. ``render`` returns the encoded file."""

    def __init__(self, profile: LayoutProfile) -> None:
        self.profile = profile
        self._zone = profile.zone
        self._terminator = profile.terminator
        self._joiner = "" if profile.layout == "fixed" else profile.delimiter

    # -- compiling ---------------------------------------------------------------------------
    def _fit(self, spec: FieldSpec) -> Fit:
        """Text → the field's characters in the file (padding, width, quoting)."""
        fixed = self.profile.layout == "fixed"
        width = spec.width
        numeric = spec.kind != "text"
        right = (spec.align or ("right" if numeric else "left")) == "right"
        pad = spec.pad or ("0" if numeric and fixed else " ")
        truncate = spec.truncate and not numeric
        check_printable = not numeric
        delimiter, quote, quoting = (
            self.profile.delimiter,
            self.profile.quote_char,
            self.profile.quoting,
        )

        def fit(value: str) -> str:
            if check_printable and not value.isprintable():
                raise ValueError("a control character (line break, tab …)")
            if width is not None and len(value) > width:
                if not truncate:
                    raise ValueError(f"longer than the width {width}")
                value = value[:width]
            if fixed:
                return value.rjust(width, pad) if right else value.ljust(width, pad)  # type: ignore[arg-type]
            if quoting == "all" or (
                quoting == "minimal" and (delimiter in value or quote in value)
            ):
                return quote + value.replace(quote, quote + quote) + quote
            if delimiter in value or quote in value:
                raise ValueError("contains the delimiter or quote character and quoting is none")
            return value

        return fit

    def _item_getter(self, spec: FieldSpec) -> Getter:
        source = spec.source
        if source == "constant":
            value = spec.value
            return lambda item: value
        if source == "amount":
            amount = _amount(spec.amount)
            return lambda item: amount(item.amount_ore)
        if source == "item_id":
            return lambda item: str(item.id)
        if spec.kind == "date":
            zone, fmt = self._zone, spec.format
            return lambda item: _parse_time(item.payload[source]).astimezone(zone).strftime(fmt)
        mapping = spec.map
        if mapping is not None:

            def mapped(item: ExportItem) -> str:
                raw = str(item.payload[source])
                if raw not in mapping:
                    shown = "the value" if source == "cpr" else f"'{raw}'"
                    raise ValueError(f"{shown} has no entry in the field's map")
                return mapping[raw]

            return mapped
        return lambda item: str(item.payload[source])

    def _file_value(self, spec: FieldSpec, batch: BatchInfo, totals: FileTotals) -> str:
        source = spec.source
        if source == "constant":
            return spec.value or ""
        if source == "count":
            return str(totals.count)
        if source == "record_count":
            return str(totals.record_count)
        if source == "sequence":
            return str(batch.sequence)
        if source == "total":
            return _amount(spec.amount)(totals.total_ore)
        if source == "automat_id":
            return batch.automat_id
        if source == "file_date":
            return batch.created_at.astimezone(self._zone).strftime(spec.format)
        raise AssertionError(source)  # excluded by the profile's validation

    # -- rendering ---------------------------------------------------------------------------
    def _file_record(
        self, part: str, record: RecordSpec, batch: BatchInfo, totals: FileTotals
    ) -> str:
        out = []
        for spec in record.fields:
            try:
                text = self._file_value(spec, batch, totals)
                if spec.map is not None:
                    text = spec.map[text]
                out.append(self._fit(spec)(text))
            except (ValueError, KeyError) as exc:
                raise RenderError(f"{part} field '{spec.name}': {_reason(exc)}") from None
        return self._joiner.join(out)

    def _details(self, items: Sequence[ExportItem]) -> list[str]:
        fields = [
            (spec, self._item_getter(spec), self._fit(spec)) for spec in self.profile.detail.fields
        ]
        pairs = [(get, fit) for _, get, fit in fields]
        joiner = self._joiner
        lines: list[str] = []
        append = lines.append
        for item in items:
            try:
                append(joiner.join([fit(get(item)) for get, fit in pairs]))
            except (ValueError, KeyError, TypeError):
                raise self._detail_error(item, fields) from None
        return lines

    @staticmethod
    def _detail_error(item: ExportItem, fields: list[tuple[FieldSpec, Getter, Fit]]) -> RenderError:
        for spec, get, fit in fields:
            try:
                fit(get(item))
            except (ValueError, KeyError, TypeError) as exc:
                return RenderError(
                    f"outbox item {item.id}, detail field '{spec.name}': {_reason(exc)}"
                )
        return RenderError(f"outbox item {item.id} cannot be rendered")

    def totals(self, items: Sequence[ExportItem]) -> FileTotals:
        extra = (self.profile.header is not None) + (self.profile.trailer is not None)
        return FileTotals(len(items), sum(i.amount_ore for i in items), len(items) + extra)

    def render(self, batch: BatchInfo, items: Sequence[ExportItem]) -> bytes:
        totals = self.totals(items)
        lines = []
        if self.profile.header is not None:
            lines.append(self._file_record("header", self.profile.header, batch, totals))
        lines += self._details(items)
        if self.profile.trailer is not None:
            lines.append(self._file_record("trailer", self.profile.trailer, batch, totals))
        text = self._terminator.join(lines)
        if self.profile.final_terminator and lines:
            text += self._terminator
        try:
            return text.encode(self.profile.encoding)
        except UnicodeEncodeError as exc:
            record = text.count(self._terminator, 0, exc.start) + 1
            raise RenderError(
                f"record {record}: {exc.object[exc.start]!r} cannot be written in"
                f" {self.profile.encoding}"
            ) from None

    def file_name(self, batch: BatchInfo) -> str:
        return self.profile.file_name_for(batch.automat_id, batch.sequence, batch.created_at)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"the item has no {exc.args[0]!r}"
    return str(exc)
