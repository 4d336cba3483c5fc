"""The report as a PDF for the finance office, made with fpdf2 from the same rows as the CSV.

A4 landscape; per scope (a fleet's totals, then each automat) one table per section, headings
repeated on a new page; amounts in Danish form (``1.234,50``), times in Danish time. The text
is set in DejaVu Sans, embedded (subset), so æ, ø, å and any other character of FBS's texts
print as they are; the font comes from the system (Debian: ``fonts-dejavu-core``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from kiosk.reports.entries import Entry, cell_text
from kiosk.reports.figures import FLEET
from kiosk.reports.words import SECTIONS

#: where DejaVu Sans is on Debian and Ubuntu, Fedora, Arch and others
FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FONT = "DejaVu"

# fontTools logs every step of subsetting the font at INFO: noise on the operator's terminal
logging.getLogger("fontTools").setLevel(logging.WARNING)

#: columns whose text may wrap (words); the others (references, file names, amounts) keep
#: their width so a reference is never broken in two
WRAPPING = {"item", "text"}
MIN_WRAPPING = 30.0  # mm: narrower than this a wrapping column is not made
PADDING = 3.0  # mm beside the text in a cell
RIGHT = {"count", "amount", "age_days"}
#: a section's title stays on the page of its heading row and first rows (mm)
KEEP_WITH_TITLE = 25


class FontNotFound(RuntimeError):
    """No DejaVu Sans on this system (one line for the operator)."""


def find_fonts(dirs: Sequence[Path] | None = None) -> dict[str, Path]:
    """DejaVu Sans and its bold face, from the first folder (of ``FONT_DIRS``) that has both."""
    dirs = FONT_DIRS if dirs is None else dirs
    for folder in dirs:
        found = {style: folder / name for style, name in FONT_FILES.items()}
        if all(p.is_file() for p in found.values()):
            return found
    raise FontNotFound(
        "the PDF needs the font DejaVu Sans (Debian: apt install fonts-dejavu-core);"
        f" not found in {', '.join(str(d) for d in dirs)}"
    )


class _Document(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(0, 5, f"{self.footer_text} · side {self.page_no()} af {{nb}}", align="C")


def render_pdf(
    entries: list[Entry],
    *,
    title: str,
    made_at: datetime,
    fonts: dict[str, Path] | None = None,
) -> bytes:
    fonts = fonts or find_fonts()
    pdf = _Document(title)
    for style, path in fonts.items():
        pdf.add_font(FONT, style, str(path))
    pdf.set_title(title)
    pdf.set_lang("da")
    pdf.set_creator("kiosk report")
    pdf.set_creation_date(made_at)
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(auto=True, margin=16)

    scopes: dict[str, list[Entry]] = {}
    for e in entries:
        scopes.setdefault(e.automat, []).append(e)
    for index, (automat, rows) in enumerate(scopes.items()):
        pdf.add_page()
        if index == 0:
            pdf.set_font(FONT, "B", 16)
            pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "B", 13)
        heading = "Alle automater i alt" if automat == FLEET else f"Automat {automat}"
        pdf.cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        for key, spec in SECTIONS.items():
            section = [e for e in rows if e.section == key]
            if section:
                _table(pdf, spec.title, spec.columns, section)
    return bytes(pdf.output())


def column_widths(
    pdf: FPDF, fields: list[str], headings: list[str], body: list[list[str]]
) -> list[float]:
    """Each column as wide as its widest cell (headings bold, body 8 pt); when the table would
    not fit the page, the wrapping columns are narrowed to fit."""
    pdf.set_font(FONT, "B", 8)
    widths = [pdf.get_string_width(h) + PADDING for h in headings]
    pdf.set_font(FONT, "", 8)
    for line in body:
        for i, cell in enumerate(line):
            widths[i] = max(widths[i], pdf.get_string_width(cell) + PADDING)
    excess = sum(widths) - pdf.epw
    wrapping = [i for i, f in enumerate(fields) if f in WRAPPING]
    room = sum(max(0.0, widths[i] - MIN_WRAPPING) for i in wrapping)
    if excess > 0 and room > 0:
        share = min(1.0, excess / room)
        for i in wrapping:
            widths[i] -= max(0.0, widths[i] - MIN_WRAPPING) * share
    return widths


def _table(pdf: FPDF, title: str, columns: tuple[tuple[str, str], ...], rows: list[Entry]) -> None:
    pdf.ln(2)
    if pdf.will_page_break(KEEP_WITH_TITLE):
        pdf.add_page()
    pdf.set_font(FONT, "B", 10)
    pdf.cell(0, 6, title, new_x="LMARGIN", new_y="NEXT")
    fields = [f for f, _ in columns]
    headings = [name for _, name in columns]
    body = [[cell_text(e, f) for f in fields] for e in rows]
    widths = column_widths(pdf, fields, headings, body)
    with pdf.table(
        col_widths=tuple(widths),
        width=min(sum(widths), pdf.epw),
        align="LEFT",
        text_align=tuple("RIGHT" if f in RIGHT else "LEFT" for f in fields),
        headings_style=FontFace(emphasis="BOLD"),
        line_height=4.5,
    ) as table:
        for line in [headings, *body]:
            row = table.row()
            for text in line:
                row.cell(text)
