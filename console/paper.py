"""Printer documents as printable pages: a :class:`Document` the core built for the receipt
printer (a bon's slip, a receipt's copy) becomes HTML blocks, its QR codes PNG ``data:`` images
(the CSP allows ``img-src data:``), so the browser prints the same text the automat prints, on
80 mm receipt paper or on A4 (``PAPERS``: one stylesheet each, with its ``@page`` size)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from io import BytesIO

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from drivers.base.printer import Blank, Columns, Document, QrCode, Rule, Text

#: the paper sizes a page can be printed on, the first the default (``?paper=``)
PAPERS = ("80mm", "a4")


def paper(chosen: str | None) -> str:
    """The paper asked for, or the default one for anything else."""
    return chosen if chosen in PAPERS else PAPERS[0]


@dataclass(frozen=True, slots=True)
class Line:
    """One block of a printed document as the template draws it."""

    kind: str  # text, columns, rule, blank, qr
    text: str = ""
    right: str = ""
    align: str = "left"
    bold: bool = False
    large: bool = False
    image: str = ""  # a QR code's data: URI


def qr_data_uri(data: str) -> str:
    """A PNG of the QR code for ``data`` (error correction M, as the printer's), as a data URI."""
    qr = qrcode.QRCode(box_size=8, border=4, error_correction=ERROR_CORRECT_M)
    qr.add_data(data)
    qr.make(fit=True)
    buffer = BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def lines(document: Document) -> list[Line]:
    out: list[Line] = []
    for block in document.blocks:
        if isinstance(block, Text):
            out.append(Line("text", block.text, align=block.align.value, bold=block.bold,
                            large=block.large))
        elif isinstance(block, Columns):
            out.append(Line("columns", block.left, block.right, bold=block.bold))
        elif isinstance(block, Rule):
            out.append(Line("rule"))
        elif isinstance(block, Blank):
            out.append(Line("blank"))
        elif isinstance(block, QrCode):
            out.append(Line("qr", block.data, image=qr_data_uri(block.data)))
    return out
