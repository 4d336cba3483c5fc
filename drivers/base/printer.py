"""The receipt printer interface and the neutral document the core builds and a driver renders.

The core (``kiosk.receipts``) turns domain data into a :class:`Document` of simple blocks; a
driver renders it for its hardware (ESC/POS) and :func:`render_text` renders it for the screen
when the printer cannot print. Printing never raises into the payment: it returns a
:class:`PrintResult`, and a refused print leaves the document with the caller for a reprint.
"""

from __future__ import annotations

import textwrap
from abc import abstractmethod
from dataclasses import dataclass
from enum import StrEnum

from drivers.base.events import Device


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True, slots=True)
class Text:
    """A paragraph; wrapped at the paper width. ``large`` is double width and height."""

    text: str
    align: Align = Align.LEFT
    bold: bool = False
    large: bool = False


@dataclass(frozen=True, slots=True)
class Columns:
    """Text on the left, a value (an amount) right-aligned on the same line."""

    left: str
    right: str
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    """A separator line across the paper."""


@dataclass(frozen=True, slots=True)
class Blank:
    """An empty line."""


@dataclass(frozen=True, slots=True)
class QrCode:
    """A QR code printed natively by the printer (``GS ( k``); ``data`` is stored verbatim."""

    data: str


Block = Text | Columns | Rule | Blank | QrCode


@dataclass(frozen=True, slots=True)
class Document:
    """What to print, top to bottom. ``kind`` is ``receipt`` or ``bon`` (for logs and reprint)."""

    kind: str
    blocks: tuple[Block, ...]

    @property
    def qr_codes(self) -> tuple[str, ...]:
        return tuple(b.data for b in self.blocks if isinstance(b, QrCode))


def wrap_text(block: Text, width: int) -> list[str]:
    """The paragraph's lines, unaligned (a printer aligns them itself)."""
    cols = width // 2 if block.large else width
    lines: list[str] = []
    for paragraph in block.text.split("\n"):
        lines.extend(textwrap.wrap(paragraph, cols) or [""])
    return lines


def layout_lines(block: Block, width: int) -> list[str]:
    """The lines of one non-QR block at ``width`` characters (large text uses half the width)."""
    if isinstance(block, Rule):
        return ["-" * width]
    if isinstance(block, Blank):
        return [""]
    if isinstance(block, Columns):
        room = width - len(block.right) - 1
        if room < 1:
            return [block.left, block.right.rjust(width)]
        wrapped = textwrap.wrap(block.left, room) or [""]
        return [*wrapped[:-1], wrapped[-1].ljust(room) + " " + block.right]
    if isinstance(block, Text):
        cols = width // 2 if block.large else width
        lines = wrap_text(block, width)
        if block.align is Align.CENTER:
            return [line.center(cols).rstrip() for line in lines]
        if block.align is Align.RIGHT:
            return [line.rjust(cols) for line in lines]
        return lines
    raise TypeError(f"not a layout block: {block!r}")


def render_text(document: Document, width: int = 42) -> str:
    """The document as plain text for the screen; a QR code shows as ``[QR: data]``."""
    out: list[str] = []
    for block in document.blocks:
        if isinstance(block, QrCode):
            out.append(f"[QR: {block.data}]".center(width).rstrip())
        else:
            out.extend(layout_lines(block, width))
    return "\n".join(out) + "\n"


class PaperStatus(StrEnum):
    OK = "ok"
    NEAR_END = "near_end"
    OUT = "out"
    NO_ANSWER = "no_answer"  # no reply, or a reply that is not a status byte


class PrintOutcome(StrEnum):
    PRINTED = "printed"
    PRINTED_PAPER_LOW = "printed_paper_low"  # printed; paper near end: maintenance alert raised
    PAPER_OUT = "paper_out"  # refused: nothing was sent
    NOT_ANSWERING = "not_answering"  # refused: the printer did not answer the status request
    FAILED = "failed"  # the device could not be opened or the write failed


@dataclass(frozen=True, slots=True)
class PrintResult:
    outcome: PrintOutcome
    detail: str = ""

    @property
    def printed(self) -> bool:
        return self.outcome in (PrintOutcome.PRINTED, PrintOutcome.PRINTED_PAPER_LOW)


@dataclass(frozen=True, slots=True)
class PaperAlert:
    """Event: the paper is near its end or out — a technician should refill it."""

    device: str
    status: PaperStatus


class ReceiptPrinter(Device):
    """Checks the paper before every print; never raises from :meth:`print_document`."""

    @abstractmethod
    def paper_status(self) -> PaperStatus: ...

    @property
    def last_paper(self) -> PaperStatus | None:
        """The paper as the last check found it, without asking the printer (None: not yet)."""
        return None

    @abstractmethod
    def print_document(self, document: Document) -> PrintResult:
        """Blocking (call from a worker thread): a status check, then the document and a cut."""
