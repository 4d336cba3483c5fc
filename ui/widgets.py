"""Touch widgets shared by the screens: big buttons, an own numeric keypad (no system keyboard),
a message banner (icon + words, not colour alone), a QR code and money formatting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QScroller,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QWidget,
)

from kiosk.money import Money
from ui.i18n import translate
from ui.messages import Message
from ui.theme import MIN_TOUCH_PX


def money_text(amount: Money | None) -> str:
    """Danish amounts stay Danish in every language: ``1.234,50 kr.``; an amount that could
    not be read is a dash, never a number."""
    return "–" if amount is None else amount.format_da(suffix=" kr")


class WrapButton(QPushButton):
    """A button whose words go onto more lines when its place is narrower than they are (a
    grid of staff functions at 1280×800, larger text, Danish), instead of being cut.
    ``text()`` is the words as given; the button shows them wrapped."""

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self._words = ""
        self.setText(text)

    def setText(self, text: str) -> None:
        self._words = text
        self._wrap(self.width())

    def text(self) -> str:
        return self._words

    def _size_for(self, text: str) -> QSize:
        """What QPushButton asks for to show ``text`` (the stylesheet's padding and minimum in)."""
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.text = text
        inner = self.fontMetrics().size(Qt.TextFlag.TextShowMnemonic, text)
        return self.style().sizeFromContents(QStyle.ContentsType.CT_PushButton, option, inner, self)

    def _lines(self, width: int) -> str:
        lines: list[str] = []
        for paragraph in self._words.split("\n"):
            line = ""
            for word in paragraph.split(" "):
                longer = f"{line} {word}" if line else word
                if line and self._size_for(longer).width() > width:
                    lines.append(line)
                    line = word
                else:
                    line = longer
            lines.append(line)
        return "\n".join(lines)

    def _wrap(self, width: int) -> None:
        shown = self._lines(width) if width > 0 else self._words
        if shown != super().text():
            super().setText(shown)
            self.updateGeometry()

    def sizeHint(self) -> QSize:
        """As wide as its longest word: the layout's stretch shares out the rest (a grid's
        columns come out equal), and the height is that of the lines at the width it got."""
        shown = self._size_for(super().text())
        words = (self._size_for(word).width() for word in self._words.split())
        return QSize(max(words, default=shown.width()), shown.height())

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._wrap(event.size().width())


def button(
    text: str = "",
    role: str = "",
    on_click: Callable[[], Any] | None = None,
    *,
    wrap: bool = False,
) -> QPushButton:
    """A touch button; with ``wrap`` its words may take more lines (:class:`WrapButton`)."""
    b = WrapButton(text) if wrap else QPushButton(text)
    if role:
        b.setProperty("role", role)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    if on_click is not None:
        b.clicked.connect(lambda _checked=False: on_click())
    return b


def label(text: str = "", name: str = "", wrap: bool = True) -> QLabel:
    lab = QLabel(text)
    if name:
        lab.setObjectName(name)
    lab.setWordWrap(wrap)
    lab.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    return lab


class Banner(QScrollArea):
    """A message with its icon and words; hidden when there is nothing to say.

    The words wrap, and the banner asks for the height they need at its width but can make do
    with two lines and scroll: on a 1280×800 screen with larger text the longest message would
    otherwise grow the window past the screen (a wrapped label's height-for-width reaches the
    window's minimum; a scroll area's does not)."""

    MIN_LINES = 2

    def __init__(self) -> None:
        super().__init__()
        self.words = label(name="banner")
        self.setWidget(self.words)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        QScroller.grabGesture(self.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.hide()

    def text(self) -> str:
        return self.words.text()

    def show_message(self, message: Message | None) -> None:
        if message is None:
            self.words.clear()
            self.hide()
            return
        self.words.setProperty("tone", message.tone)
        self.words.setText(message.shown())
        self.words.style().unpolish(self.words)
        self.words.style().polish(self.words)
        self.updateGeometry()
        self.show()

    def _need(self) -> int:
        """The height of all the words at the banner's width."""
        return self.words.heightForWidth(max(self.width(), 200))

    def _chrome(self) -> int:
        """Border and padding around the words (from the stylesheet)."""
        m = self.words.contentsMargins()
        return m.top() + m.bottom()

    def sizeHint(self) -> QSize:
        return QSize(self.words.sizeHint().width(), self._need())

    def minimumSizeHint(self) -> QSize:
        least = self._chrome() + self.MIN_LINES * self.words.fontMetrics().lineSpacing()
        return QSize(MIN_TOUCH_PX, min(self._need(), least))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # the words' height depends on the width


DIGITS = "0123456789"
KEY_MAX_PX = 96
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # bon short codes (no I, L, O, U)


class Keypad(QWidget):
    """Digits, erase and OK. Emits the typed digits; shows nothing itself (the screen masks)."""

    changed = Signal(str)
    submitted = Signal(str)

    def __init__(self, max_length: int = 10, alphabet: str = DIGITS, columns: int = 3) -> None:
        super().__init__()
        self.max_length = max_length
        self.value = ""
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        # keys may shrink to the touch minimum where the screen is short (1280×800 with larger
        # text and a message) and grow up to KEY_MAX_PX where there is room; the theme's 3 px
        # border is outside min-height
        self.setStyleSheet(
            f'QPushButton[role="key"] {{ min-height: {MIN_TOUCH_PX - 6}px; '
            f"min-width: {MIN_TOUCH_PX - 6}px; }}"
        )
        self.keys: dict[str, QPushButton] = {}
        if alphabet == DIGITS:  # the telephone layout everyone knows
            for i, digit in enumerate("123456789"):
                self._add(grid, digit, i // 3, i % 3)
            self._add(grid, "0", 3, 1)
            last_row, erase_col, ok_col = 3, 0, 2
        else:
            for i, char in enumerate(alphabet):
                self._add(grid, char, i // columns, i % columns)
            # erase and OK (two cells each) close the last row when it has room for them: one
            # row less keeps the pad on a 1280×800 screen with larger text
            free = -len(alphabet) % columns
            if free >= 4:
                last_row = len(alphabet) // columns
                erase_col, ok_col = columns - 4, columns - 2
            else:
                last_row, erase_col, ok_col = (len(alphabet) - 1) // columns + 1, 0, columns - 2
        self.erase = button("⌫", "key", self._erase)
        self.ok = button("OK", "key", self._submit)
        grid.addWidget(self.erase, last_row, erase_col, 1, 1 if alphabet == DIGITS else 2)
        grid.addWidget(self.ok, last_row, ok_col, 1, 1 if alphabet == DIGITS else 2)
        self._sized()
        rows = grid.rowCount()
        self.setMaximumHeight(rows * KEY_MAX_PX + (rows - 1) * grid.spacing())
        self.retranslate()

    def _add(self, grid: QGridLayout, digit: str, row: int, col: int) -> None:
        key = button(digit, "key", lambda d=digit: self.press(d))
        self.keys[digit] = key
        grid.addWidget(key, row, col)

    def _sized(self) -> None:
        for key in (*self.keys.values(), self.erase, self.ok):
            key.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            key.setMaximumHeight(KEY_MAX_PX)

    def retranslate(self) -> None:
        self.erase.setAccessibleName(translate("Keypad", "Erase"))
        self.ok.setText(translate("Keypad", "OK"))

    def press(self, digit: str) -> None:
        if len(self.value) < self.max_length:
            self.value += digit
            self.changed.emit(self.value)

    def _erase(self) -> None:
        self.value = self.value[:-1]
        self.changed.emit(self.value)

    def _submit(self) -> None:
        if self.value:
            self.submitted.emit(self.value)

    def clear(self) -> None:
        self.value = ""
        self.changed.emit("")


class StaffCorner(QWidget):
    """The discreet way into staff mode: an unmarked square in a screen's upper right corner
    that calls ``on_held`` when pressed for :attr:`HOLD_MS` (a tap does nothing, so a citizen
    who touches it by chance sees nothing happen). It keeps to its corner as the screen
    resizes; the session decides whether staff mode may open."""

    HOLD_MS = 3000
    SIZE_PX = 80

    def __init__(self, screen: QWidget, on_held: Callable[[], Any]) -> None:
        super().__init__(screen)
        self.setObjectName("staff_corner")
        self.setAccessibleName("staff")
        self.setFixedSize(self.SIZE_PX, self.SIZE_PX)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.hold = QTimer(self)
        self.hold.setSingleShot(True)
        self.hold.setInterval(self.HOLD_MS)
        self.hold.timeout.connect(on_held)
        screen.installEventFilter(self)
        self._place()

    def paintEvent(self, event: Any) -> None:  # nothing to see
        return

    def _place(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.move(parent.width() - self.width(), 0)
            self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self._place()
        return False

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.hold.start()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.hold.stop()


def mask_identifier(digits: str) -> str:
    """Card number or CPR as typed: the first six digits (a birth date) show, the rest are dots,
    the way a CPR is masked everywhere else (``DDMMYY-****``)."""
    head, tail = digits[:6], digits[6:]
    return head + ("-" + "•" * len(tail) if tail else "")


def qr_pixmap(data: str, size: int = 220) -> QPixmap:
    import qrcode  # only when a claim payable elsewhere is shown (it pulls in PIL)

    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    n = len(matrix)
    image = QImage(n, n, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setPen(QColor("black"))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.drawPoint(x, y)
    painter.end()
    return QPixmap.fromImage(image.scaled(QSize(size, size), Qt.AspectRatioMode.KeepAspectRatio))


def ticket_amount(ticket: Any) -> Money | None:
    """The amount of a credit bon ticket (a ``BonTicket`` or a plain mapping)."""
    if ticket is None:
        return None
    amount = ticket.get("amount") if isinstance(ticket, dict) else getattr(ticket, "amount", None)
    return amount if isinstance(amount, Money) else None


def ticket_code(ticket: Any) -> str:
    if ticket is None:
        return ""
    if isinstance(ticket, dict):
        return str(ticket.get("short_code") or ticket.get("id", ""))[:12]
    return str(getattr(ticket, "short_code", "") or getattr(ticket, "id", ""))[:12]
