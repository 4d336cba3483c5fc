"""A console page's tables as text, read with the standard library's HTML parser: each table
with the ``h2`` above it, its caption, and its rows as the cells' text (headings and data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class PageTable:
    scope: str  # the h2 above the table
    caption: str
    rows: list[list[str]] = field(default_factory=list)

    def row(self, first: str) -> list[str]:
        """The one row whose first cell is ``first``."""
        (found,) = [r for r in self.rows if r and r[0] == first]
        return found


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[PageTable] = []
        self.scope = ""
        self.text: list[str] | None = None
        self.where = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append(PageTable(self.scope, ""))
        elif tag == "tr" and self.tables:
            self.tables[-1].rows.append([])
        if tag in ("h2", "caption", "th", "td"):
            self.text, self.where = [], tag

    def handle_data(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self.text is None or tag != self.where:
            return
        value = " ".join("".join(self.text).split())
        self.text = None
        if tag == "h2":
            self.scope = value
        elif tag == "caption":
            self.tables[-1].caption = value
        else:
            self.tables[-1].rows[-1].append(value)


def page_tables(html: str) -> list[PageTable]:
    reader = _Reader()
    reader.feed(html)
    return reader.tables


def table(tables: list[PageTable], scope: str, caption: str) -> PageTable:
    (found,) = [t for t in tables if (t.scope, t.caption) == (scope, caption)]
    return found
