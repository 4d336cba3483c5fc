"""ESC/POS bytes: the paper-status request and reply, and a :class:`Document` encoded for a printer.

Encoding goes through python-escpos (its ``Dummy`` printer collects the bytes), so code-page
selection (``ESC t``), text attributes, native QR (``GS ( k``) and the cut are exactly what the
library sends to a real printer; the driver then writes them in one go after the status check.

Every text is first fitted to the code page (:func:`drivers.base.charset.printable`): this is the
one place where text becomes printer bytes, the only place that knows the configured code page,
and it lays the lines out itself, so a dash or an ellipsis that becomes ``-`` or ``...`` is
wrapped at its printed width. python-escpos would otherwise print ``?`` for what the page lacks.
The document itself keeps the original text for the screen.
"""

from __future__ import annotations

from dataclasses import replace

from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy

from drivers.base.charset import printable
from drivers.base.printer import (
    Blank,
    Block,
    Columns,
    Document,
    PaperStatus,
    QrCode,
    Rule,
    Text,
    layout_lines,
    wrap_text,
)

#: DLE EOT 4: transmit paper-roll sensor status.
PAPER_STATUS_REQUEST = b"\x10\x04\x04"
#: Replies real printers send (and python-escpos decodes): paper OK, near end, out.
PAPER_OK, PAPER_NEAR_END, PAPER_OUT = 0x12, 0x1E, 0x72
_FIXED_MASK, _FIXED_BITS = 0x93, 0x12  # a status byte looks like 0xx1xx10
_NEAR_END_BITS, _OUT_BITS = 0x0C, 0x60


def is_status_byte(value: int) -> bool:
    return value & _FIXED_MASK == _FIXED_BITS


def parse_paper_status(reply: bytes) -> PaperStatus:
    """The paper state from a ``DLE EOT 4`` reply; nothing or a non-status byte is NO_ANSWER."""
    if len(reply) != 1 or not is_status_byte(reply[0]):
        return PaperStatus.NO_ANSWER
    if reply[0] & _OUT_BITS:
        return PaperStatus.OUT
    if reply[0] & _NEAR_END_BITS:
        return PaperStatus.NEAR_END
    return PaperStatus.OK


def printable_block(block: Block, code_page: str) -> Block:
    """``block`` with its texts as the code page prints them (QR data is stored verbatim)."""
    if isinstance(block, Text):
        return replace(block, text=printable(block.text, code_page))
    if isinstance(block, Columns):
        return replace(
            block, left=printable(block.left, code_page), right=printable(block.right, code_page)
        )
    return block


def encode_document(
    document: Document,
    *,
    code_page: str = "CP865",
    width: int = 48,
    profile: str = "default",
    qr_module_size: int = 5,
) -> bytes:
    """Initialise, select the code page, print every block (its text fitted to the code page),
    feed and cut."""
    p = Dummy(profile=profile)
    p.hw("INIT")
    p.charcode(code_page)
    for block in (printable_block(b, code_page) for b in document.blocks):
        if isinstance(block, Text):
            big = block.large
            p.set(
                align=block.align.value,
                bold=block.bold,
                normal_textsize=not big,
                double_width=big,
                double_height=big,
            )
            for line in wrap_text(block, width):
                p.textln(line)
        elif isinstance(block, Columns | Rule | Blank):
            bold = block.bold if isinstance(block, Columns) else False
            p.set(align="left", bold=bold, normal_textsize=True)
            for line in layout_lines(block, width):
                p.textln(line)
        elif isinstance(block, QrCode):
            p.set(align="center", bold=False, normal_textsize=True)
            p.qr(block.data, native=True, size=qr_module_size, ec=QR_ECLEVEL_M)
            p.textln("")
        else:
            raise TypeError(f"cannot print {block!r}")
    p.cut()
    return bytes(p.output)
