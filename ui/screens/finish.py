"""The receipt, and the end of a session (paid, cancelled, timed out) with any credit bon.

The core prints (its ``ReceiptService``, after settlement) and :class:`PrintStatusRelay` carries
each printer answer to both screens: the receipt screen then says it is printed, or shows the
receipt's own text (with its reference) for staff to reprint; a credit bon that did not print is
shown as its code in large type, so the citizen never loses a credit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QLabel,
    QScrollArea,
    QScroller,
    QVBoxLayout,
    QWidget,
)

from kiosk.payment.states import State
from ui.bridge import SessionBridge, Snapshot
from ui.i18n import translate
from ui.messages import message_for
from ui.screens.base import Screen
from ui.theme import MIN_TOUCH_PX
from ui.widgets import button, label, money_text, ticket_amount, ticket_code

if TYPE_CHECKING:
    from kiosk.payment.view import SessionView


def credit_bon_text(ticket: object) -> str:
    amount = ticket_amount(ticket)
    if amount is None:
        return ""
    text = translate(
        "Finish",
        "You get a credit bon of %1: the automat gives no change. Use it here next time, or "
        "take it to the library desk.",
    ).replace("%1", money_text(amount))
    code = ticket_code(ticket)
    if code:
        text += "\n" + translate("Finish", "Bon code: %1").replace("%1", code)
    return text


@dataclass(frozen=True, slots=True)
class PrintStatus:
    """One document the core handed to the printer: ``kind`` is ``receipt``, ``bon`` or
    ``fault_slip``."""

    kind: str
    printed: bool
    text: str

    def is_receipt_of(self, transaction_ref: str) -> bool:
        return self.kind == "receipt" and bool(transaction_ref) and transaction_ref in self.text

    def is_bon(self, code: str) -> bool:
        return self.kind == "bon" and bool(code) and code in self.text.replace("-", "")

    def is_fault_slip_of(self, reference: str) -> bool:
        return self.kind == "fault_slip" and bool(reference) and reference in self.text


class PrintLog:
    """The recent printer answers (GUI thread only); screens look theirs up by reference."""

    def __init__(self, keep: int = 20) -> None:
        self.keep = keep
        self.entries: list[PrintStatus] = []

    def add(self, status: PrintStatus) -> None:
        self.entries.append(status)
        del self.entries[: -self.keep]

    def receipt(self, transaction_ref: str) -> PrintStatus | None:
        return next((e for e in reversed(self.entries) if e.is_receipt_of(transaction_ref)), None)

    def bon(self, ticket: object) -> PrintStatus | None:
        code = ticket_code(ticket).replace("-", "")
        return next((e for e in reversed(self.entries) if e.is_bon(code)), None)

    def fault_slip(self, reference: str) -> PrintStatus | None:
        """The newest slip of this fault (a later one, after more money, is the complete one)."""
        return next((e for e in reversed(self.entries) if e.is_fault_slip_of(reference)), None)

    def clear(self) -> None:
        self.entries.clear()


def bon_code_display(ticket: object) -> str:
    shown = getattr(ticket, "short_code_display", None)
    if isinstance(shown, str) and shown:
        return shown
    code = ticket_code(ticket)
    return f"{code[:5]}-{code[5:]}" if len(code) == 10 else code


class BonNotice:
    """The credit bon on a screen: its amount and code, whether its slip printed, and — when it
    did not — the code in large type to keep (a photo or a note is enough at the desk). The
    words go into ``words_into`` (the screen's body unless given), the code always the body."""

    def __init__(self, screen: Screen, words_into: QBoxLayout | None = None) -> None:
        self.text = label(name="banner")
        self.text.setProperty("tone", "ok")
        self.code = QLabel()
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.code.setStyleSheet(
            "font-family: monospace; font-size: 56px; font-weight: bold; letter-spacing: 6px;"
        )
        (screen.body if words_into is None else words_into).addWidget(self.text)
        screen.body.addWidget(self.code)
        self.code.hide()

    def show(self, ticket: object, status: PrintStatus | None) -> None:
        text = credit_bon_text(ticket)
        if text and status is not None:
            if status.printed:
                text += "\n✓ " + translate("Finish", "Your credit bon is printed: take it too.")
            else:
                text += "\n⚠ " + translate(
                    "Finish",
                    "The credit bon could not be printed. Keep this code: use it here, or show "
                    "it at the library desk.",
                )
        self.text.setText(text)
        self.text.setVisible(bool(text))
        big = bool(text) and status is not None and not status.printed
        self.code.setText(bon_code_display(ticket) if big else "")
        self.code.setVisible(big)

    def clear(self) -> None:
        self.text.clear()
        self.code.clear()
        self.code.hide()


class WordsArea(QScrollArea):
    """Words that take the height they need and scroll when the screen is shorter: it asks for
    its words' height at its width (a scroll area otherwise prefers a guess, and its words'
    height-for-width would set the window's minimum), and makes do with a few lines."""

    MIN_LINES = 4

    def __init__(self) -> None:
        super().__init__()
        self.words = QWidget()
        self.column = QVBoxLayout(self.words)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(10)
        self.setWidget(self.words)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(self.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        #: asks for the height once the words are laid out (a child: it dies with the area,
        #: where a bare single shot could call a deleted area after its window closed)
        self._relayout = QTimer(self)
        self._relayout.setSingleShot(True)
        self._relayout.setInterval(0)
        self._relayout.timeout.connect(self.updateGeometry)

    def _need(self) -> int:
        return self.words.heightForWidth(max(self.width(), 200))

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._need())

    def minimumSizeHint(self) -> QSize:
        least = self.MIN_LINES * self.fontMetrics().lineSpacing()
        return QSize(MIN_TOUCH_PX, min(self._need(), least))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # the words' height depends on the width

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """New words (the printer's answer after the screen is up) ask for a new height once
        their layout is done. Asked at once, while the screen's layout is itself being laid out,
        the request is lost and the area keeps the height of the words it first had."""
        if watched is self.words and event.type() == QEvent.Type.LayoutRequest:
            self._relayout.start()
        return super().eventFilter(watched, event)


class ReceiptScreen(Screen):
    """Paid. The receipt is printed, or shown here when the printer cannot print.

    The summary, the credit bon's words and a shown receipt scroll together (with larger text
    they are taller than a 1280×800 screen); the credit bon's code and the button stay in view."""

    def __init__(self, bridge: SessionBridge) -> None:
        super().__init__()
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.summary = label()
        self.receipt = label()
        self.receipt.setStyleSheet("font-family: monospace;")
        self.words_area = WordsArea()
        self.body.addWidget(self.words_area)
        self.words_area.column.addWidget(self.summary)
        self.bon_notice = BonNotice(self, words_into=self.words_area.column)
        self.bon, self.bon_code = self.bon_notice.text, self.bon_notice.code
        self.words_area.column.addWidget(self.receipt)
        self.words_area.column.addStretch(1)
        self.body.addStretch(1)  # the room the words do not need, below the code
        self.done = button(role="primary", on_click=bridge.finish_receipt)
        self.buttons.addWidget(self.done)
        self.printed: bool | None = None  # None: the printer has not answered yet
        self.print_log = PrintLog()  # the core's printer answers (see PrintStatusRelay)
        self.retranslate()

    def render(self, snap: Snapshot) -> None:
        super().render(snap)
        view = snap.view
        lines = [
            "✓ " + translate("Finish", "Paid: %1").replace("%1", money_text(view.received)),
            translate("Finish", "Reference: %1").replace("%1", view.transaction_ref),
        ]
        status = self.print_log.receipt(view.transaction_ref)
        self.printed = status.printed if status is not None else None
        if self.printed is True:
            lines.append(
                "✓ "
                + translate("Finish", "Receipt printed.")
                + " "
                + translate("Finish", "Please take your receipt.")
            )
        elif self.printed is False:
            lines.append(
                "⚠ "
                + translate(
                    "Finish",
                    "The receipt could not be printed. It is shown below; the staff can print "
                    "it for you.",
                )
            )
        self.summary.setText("\n".join(lines))
        self.bon_notice.show(view.credit_bon, self.print_log.bon(view.credit_bon))
        if status is not None and not status.printed:
            self.receipt.setText(status.text)  # the receipt's own text, for staff to reprint
        else:
            self.receipt.clear()
        self.receipt.setVisible(bool(self.receipt.text()))  # an empty one still takes a line

    def retranslate(self) -> None:
        self.title.setText(translate("Finish", "Thank you"))
        self.done.setText("✓ " + translate("Finish", "Done"))
        super().retranslate()

    def forget(self) -> None:
        super().forget()
        self.printed = None
        self.receipt.clear()
        self.summary.clear()
        self.bon_notice.clear()
        self.print_log.clear()


def ledger_fault_text(view: SessionView) -> str:
    """The ledger could not record the money: out of order, the amount noted, call the staff
    (amount, time and reference only; no personal data)."""
    received = view.received
    if not received:
        return translate(
            "Finish", "The automat is out of order. Nothing was paid. Please contact the staff."
        )
    text = translate(
        "Finish",
        "The automat is out of order. The amount you paid, %1, is noted. Please contact the staff.",
    ).replace("%1", money_text(received))
    if view.fault_ref:
        text += "\n" + translate("Finish", "Reference: %1").replace("%1", view.fault_ref)
    return text


class EndedScreen(Screen):
    """The end of a session, or out of order. Out of order with money in, the fault slip the
    core printed is the citizen's proof: "take it to the staff"; when the printer refused, its
    text is shown here (scrolling; the reference stays in view above it) to photograph."""

    def __init__(self, bridge: SessionBridge) -> None:
        super().__init__()
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = label()
        self.body.addStretch(1)
        self.body.addWidget(self.text)
        self.slip = label()
        self.slip.setStyleSheet("font-family: monospace;")
        self.slip_area = WordsArea()
        self.slip_area.column.addWidget(self.slip)
        self.slip_area.column.addStretch(1)
        self.body.addWidget(self.slip_area)
        self.slip_area.hide()
        self.bon_notice = BonNotice(self)
        self.bon, self.bon_code = self.bon_notice.text, self.bon_notice.code
        self.body.addStretch(1)
        self.print_log = PrintLog()
        self.finish = button(role="primary", on_click=bridge.reset)
        self.buttons.addWidget(self.finish)
        self.retranslate()

    def render(self, snap: Snapshot) -> None:
        super().render(snap)
        view = snap.view
        self.finish.setVisible(view.state is not State.LEDGER_FAULT)
        if view.state is State.LEDGER_FAULT:
            self.title.setText("✕ " + translate("Finish", "Out of order"))
            self.show_fault_slip(view)
            self.bon_notice.show(None, None)
            return
        self.show_fault_slip(None)
        if view.state is State.DONE:
            self.title.setText("✓ " + translate("Finish", "Thank you"))
            self.text.setText(translate("Finish", "Your payment is complete. Goodbye!"))
        elif view.state is State.TIMED_OUT:
            self.title.setText("◷ " + translate("Finish", "Session ended"))
            self.text.setText(
                translate(
                    "Finish",
                    "The session ended because nothing happened for a while. "
                    "Your details have been cleared.",
                )
            )
        else:
            self.title.setText("✕ " + translate("Finish", "Session ended"))
            quiet = message_for(view.message) or view.credit_bon is not None
            self.text.setText("" if quiet else translate("Finish", "Nothing was paid."))
        self.bon_notice.show(view.credit_bon, self.print_log.bon(view.credit_bon))

    def show_fault_slip(self, view: SessionView | None) -> None:
        """The out-of-order words, with what became of the fault slip (``None``: not a fault)."""
        status = self.print_log.fault_slip(view.fault_ref) if view is not None else None
        shown = status is not None and not status.printed
        self.slip.setText(status.text if shown and status is not None else "")
        self.slip_area.setVisible(shown)
        if view is None:
            return
        text = ledger_fault_text(view)
        if status is not None and status.printed:
            text += "\n✓ " + translate("Finish", "Take the slip to the staff.")
        elif status is not None:
            text += "\n⚠ " + translate(
                "Finish",
                "The slip could not be printed. Take a picture of the screen and show it to the "
                "staff.",
            )
        self.text.setText(text)

    def retranslate(self) -> None:
        self.finish.setText(translate("Finish", "Finish"))
        super().retranslate()


class PrintStatusRelay(QObject):
    """Give its ``__call__`` to the core's ``ReceiptService.on_issued`` (called on a worker
    thread): only plain types cross to the GUI thread, where both screens learn the answer."""

    _issued = Signal(str, bool, str)

    def __init__(self, receipt: ReceiptScreen, ended: EndedScreen) -> None:
        super().__init__(receipt)
        self.receipt = receipt
        self.ended = ended
        self._issued.connect(self._deliver)

    def __call__(self, issued: object) -> None:
        document = getattr(issued, "document", None)
        self._issued.emit(
            str(getattr(document, "kind", "")),
            bool(getattr(issued, "printed", False)),
            str(getattr(issued, "text", "")),
        )

    @Slot(str, bool, str)
    def _deliver(self, kind: str, printed: bool, text: str) -> None:
        status = PrintStatus(kind, printed, text)
        for screen in (self.receipt, self.ended):
            screen.print_log.add(status)
            if screen.last is not None:
                screen.render(screen.last)
