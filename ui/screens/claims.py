"""The claims: what can be paid here, what the municipality handles, what waits for the
municipality, why the citizen is blocked and what paying now changes."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QScroller,
    QVBoxLayout,
    QWidget,
)

from kiosk.clock import local
from kiosk.domain import Claim, ClaimKind, PayableIn
from kiosk.money import Money
from kiosk.payment.selection import BlockOutlook, ClaimView, Group, Selection
from ui.bridge import SessionBridge, Snapshot
from ui.i18n import translate
from ui.screens.base import Screen
from ui.theme import MIN_TOUCH_PX
from ui.widgets import button, label, money_text, qr_pixmap


def _date(claim: Claim) -> str:
    return claim.created.strftime("%d.%m.%Y")


def titled(kind: str, what: str) -> str:
    """``kind: what``, but only ``what`` when it already starts with the kind's word (FBS reasons
    such as "Gebyr for sen aflevering" would otherwise read "Gebyr: Gebyr for …")."""
    if not what:
        return kind
    first = what.split(maxsplit=1)[0].rstrip(":,.").casefold()
    return what if first == kind.casefold() else f"{kind}: {what}"


def claim_title(claim: Claim) -> str:
    kind = {
        ClaimKind.FEE: translate("Claims", "Fee"),
        ClaimKind.COMPENSATION: translate("Claims", "Compensation"),
    }.get(claim.kind, translate("Claims", "Claim"))
    what = claim.reason or ", ".join(m.title for m in claim.materials if m.title)
    return titled(kind, what.strip())


def why_not_text(why_not: str) -> str:
    return {
        "needs health card or CPR": translate(
            "Claims",
            "Can be paid here with your health card or CPR number (the municipality needs it).",
        ),
        "pay elsewhere": translate("Claims", "Cannot be paid here."),
        "paid here": translate("Claims", "Paid here."),
        "older claim unreadable": translate(
            "Claims",
            "Please ask the library staff first: an older claim could not be read here, and "
            "the municipality settles the oldest claims first.",
        ),
        "unreadable": translate(
            "Claims",
            "The automat could not read the amount of this claim. Please ask the library staff.",
        ),
    }.get(why_not, why_not)


def outlook_text(outlook: BlockOutlook) -> list[str]:
    """The block in plain words: why, and what paying the chosen claims changes."""
    if not outlook.blocked:
        return ["✓ " + translate("Claims", "You are not blocked: you can borrow as usual.")]
    lines = []
    if outlook.blocked_for_debt and not outlook.amounts_known:
        # an amount that could not be read is no amount: say only what is certain
        lines.append(
            "⚠ "
            + translate(
                "Claims",
                "You cannot borrow because you owe more than the library's limit. Some of your "
                "claims could not be read here, so the automat cannot tell what paying changes. "
                "Please ask the library staff.",
            )
        )
    elif outlook.blocked_for_debt:
        owe = money_text(outlook.debt_now)
        if outlook.limit is not None:
            why = translate("Claims", "You cannot borrow because you owe %1 and the limit is %2.")
            why = why.replace("%2", money_text(outlook.limit))
        else:  # neither FBS nor the configuration gives the limit: no made-up number
            why = translate(
                "Claims", "You cannot borrow because you owe %1, more than the library's limit."
            )
        lines.append("⚠ " + why.replace("%1", owe))
        if outlook.below_limit_now:
            lines.append(translate("Claims", "Paying the chosen claims lifts the block at once."))
        elif outlook.below_limit_once_waiting_reported:
            lines.append(
                translate(
                    "Claims",
                    "What you have paid here lifts the block once the municipality has reported "
                    "the payment. This usually takes one to a few working days.",
                )
            )
        elif outlook.below_limit_when_reported:
            lines.append(
                translate(
                    "Claims",
                    "Paying the chosen claims lifts the block once the municipality has told the "
                    "library about the payment. This usually takes one to a few working days.",
                )
            )
        elif outlook.limit is not None:
            lines.append(
                translate(
                    "Claims",
                    "Even after this payment you owe more than the limit, so the block stays. "
                    "After it you would owe %1.",
                ).replace("%1", money_text(outlook.debt_after_reported))
            )
        else:
            lines.append(
                translate(
                    "Claims",
                    "After this payment you would owe %1. The library staff can tell you "
                    "whether that lifts the block.",
                ).replace("%1", money_text(outlook.debt_after_reported))
            )
    if outlook.other_reasons:
        lines.append(
            "⚠ "
            + translate(
                "Claims",
                "You are also blocked for a reason that paying does not change. "
                "Please ask the library staff.",
            )
        )
    return lines


def waiting_block_text(outlook: BlockOutlook | None) -> str:
    """Whether the claims paid here, which FBS still counts until the municipality reports
    them, still block the citizen: the source document's main complaint ("I paid, and I am
    still blocked"), answered on the claims themselves."""
    if outlook is None or not outlook.blocked:
        return translate("Claims", "They do not stop you from borrowing.")
    if not outlook.blocked_for_debt:
        return translate("Claims", "They are not why you are blocked.")
    if outlook.below_limit_once_waiting_reported:
        return translate(
            "Claims",
            "Until then they still count as owed, so they keep the block; it lifts by itself "
            "once the municipality has reported them.",
        )
    rest = money_text(outlook.debt_without_waiting)
    if outlook.limit is not None:
        return translate(
            "Claims",
            "Until then they still count as owed. Even without them you owe %1, more than the "
            "limit, so the block stays until more is paid.",
        ).replace("%1", rest)
    return translate(
        "Claims",
        "Until then they still count as owed. Even without them you owe %1; the library staff "
        "can tell you whether that lifts the block.",
    ).replace("%1", rest)


class BoundedText(QScrollArea):
    """Words that take the height they need, up to a share of the screen, and scroll beyond it:
    a long block explanation must not push the claims list and the buttons off the screen."""

    SHARE = 0.2

    def __init__(self, words: QLabel) -> None:
        super().__init__()
        self.setWidget(words)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(self.viewport(), QScroller.ScrollerGestureType.TouchGesture)

    def fit(self, screen_height: int) -> None:
        width = self.viewport().width() if self.isVisible() else self.width()
        need = self.widget().heightForWidth(max(width, 200))
        self.setFixedHeight(max(1, min(need, int(screen_height * self.SHARE))))


class ClaimsList(QScrollArea):
    """The scrolling list of claims. It asks for no more than its minimum: a box layout with
    wrapped words (height for width) sums its items' preferred heights, and a scroll area prefers
    the height of its whole content, which grew the window past the screen. The stretch gives it
    the room that is left. Its minimum is room for the tallest claim (scroll to the others), not
    a scroll area's own guess, which outgrew 1280×800 with larger text and the longest message."""

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.minimumSizeHint().height())

    def minimumSizeHint(self) -> QSize:
        content = self.widget()
        rows = content.findChildren(QPushButton) if content is not None else []
        tallest = max((b.sizeHint().height() for b in rows), default=0)
        margins = self.contentsMargins()
        least = max(MIN_TOUCH_PX, tallest) + margins.top() + margins.bottom()
        return QSize(super().minimumSizeHint().width(), least)


class ClaimsScreen(Screen):
    def __init__(
        self, bridge: SessionBridge, pay_elsewhere_text: str, pay_elsewhere_url: str
    ) -> None:
        super().__init__()
        self.bridge = bridge
        self.pay_elsewhere_text = pay_elsewhere_text
        self.pay_elsewhere_url = pay_elsewhere_url
        self.who = label(name="muted")
        self.body.addWidget(self.who)
        self.outlook = label(name="banner")
        self.outlook.setProperty("tone", "warn")
        self.outlook_box = BoundedText(self.outlook)
        self.body.addWidget(self.outlook_box)
        self.scroll = ClaimsList()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(self.scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.body.addWidget(self.scroll, 1)
        self.covers = label()
        self.body.addWidget(self.covers)
        self.add_cancel(bridge.cancel)
        self.pay = button(role="primary", on_click=bridge.pay)
        self.buttons.addWidget(self.pay)
        self.claim_buttons: dict[str, object] = {}
        self.retranslate()

    # -- drawing ---------------------------------------------------------------------------------
    def render(self, snap: Snapshot) -> None:
        super().render(snap)
        view = snap.view
        self.who.setText(view.patron_name)  # the name is enough; no part of the CPR on screen
        self.outlook.setText("\n".join(outlook_text(view.outlook)) if view.outlook else "")
        tone = "warn" if view.outlook is not None and view.outlook.blocked else "ok"
        if self.outlook.property("tone") != tone:
            self.outlook.setProperty("tone", tone)
            self.outlook.style().unpolish(self.outlook)
            self.outlook.style().polish(self.outlook)
        self.outlook_box.setVisible(view.outlook is not None)
        self.outlook_box.fit(self.height())
        selection = view.selection
        content = QWidget()
        column = QVBoxLayout(content)
        column.setSpacing(14)
        self.claim_buttons = {}
        if selection is not None:
            self._groups(column, selection, view.outlook)
        column.addStretch(1)
        self.scroll.setWidget(content)
        self._summary(selection, view.total)
        self.title.setText(translate("Claims", "Your claims"))

    def _groups(
        self, column: QVBoxLayout, selection: Selection, outlook: BlockOutlook | None
    ) -> None:
        views = selection.views
        covers = [c.id for c in selection.covers()]
        debtor_order = [c.id for c in selection.covers() if c.payable_in is PayableIn.DEBTOR]
        groups = [
            (Group.PAY_HERE, translate("Claims", "Pay here")),
            (Group.MUNICIPALITY, translate("Claims", "Handled by the municipality")),
            (Group.WAITING, translate("Claims", "Paid here, waiting for the municipality")),
            (Group.ASK_STAFF, translate("Claims", "Ask the library staff")),
        ]
        for group, heading in groups:
            members = [v for v in views if v.group is group]
            if not members:
                continue
            frame = QFrame()
            frame.setObjectName("group")
            box = QVBoxLayout(frame)
            box.addWidget(label(f"<b>{heading}</b>"))
            if group is Group.PAY_HERE and any(
                v.claim.payable_in is PayableIn.DEBTOR for v in members
            ):
                box.addWidget(
                    label(
                        translate(
                            "Claims",
                            "Municipality claims are paid oldest first: choosing one chooses "
                            "the older ones too.",
                        ),
                        name="muted",
                    )
                )
            for v in sorted(members, key=lambda v: (v.claim.created, v.claim.id)):
                if group is Group.PAY_HERE:
                    box.addWidget(self._pay_here_row(v, v.claim.id in covers, debtor_order))
                elif group is Group.ASK_STAFF:
                    box.addWidget(self._ask_staff_row(v))
                else:
                    box.addWidget(self._info_row(v))
            if group is Group.MUNICIPALITY:
                self._pay_elsewhere(box)
            if group is Group.WAITING:
                box.addWidget(
                    label(
                        translate(
                            "Claims",
                            "You paid these here. The library system shows them until the "
                            "municipality reports the payment, usually within a few working days.",
                        )
                        + " "
                        + waiting_block_text(outlook),
                        name="muted",
                    )
                )
            column.addWidget(frame)

    def _pay_here_row(self, v: ClaimView, chosen: bool, debtor_order: list[str]) -> QWidget:
        claim = v.claim
        mark = "☑" if chosen else "☐"
        state = translate("Claims", "Chosen") if chosen else translate("Claims", "Not chosen")
        lines = [f"{mark}  {claim_title(claim)}  —  {money_text(claim.amount)}"]
        detail = translate("Claims", "From %1").replace("%1", _date(claim))
        if claim.payable_in is PayableIn.DEBTOR:
            detail += " · " + translate("Claims", "municipality claim")
            if claim.id in debtor_order:
                detail += " · " + translate("Claims", "paid as number %1").replace(
                    "%1", str(debtor_order.index(claim.id) + 1)
                )
        lines.append(f"{state} · {detail}")
        if not v.selectable:
            lines.append(why_not_text(v.why_not))
        b = button("\n".join(lines), "claim", lambda cid=claim.id: self.bridge.toggle(cid))
        b.setCheckable(True)
        b.setChecked(chosen)
        b.setEnabled(v.selectable)
        b.setSizePolicy(b.sizePolicy().horizontalPolicy(), b.sizePolicy().verticalPolicy())
        self.claim_buttons[claim.id] = b
        return b

    def _ask_staff_row(self, v: ClaimView) -> QWidget:
        """A claim FBS sent that could not be read: what is known of it, never an amount."""
        claim = v.claim
        text = f"⚠ {claim_title(claim)}"
        if claim.created != date.min:
            text += "\n" + translate("Claims", "From %1").replace("%1", _date(claim))
        return label(f"{text}\n{why_not_text(v.why_not)}")

    def _info_row(self, v: ClaimView) -> QWidget:
        claim = v.claim
        text = f"{claim_title(claim)}  —  {money_text(claim.amount)}\n" + translate(
            "Claims", "From %1"
        ).replace("%1", _date(claim))
        if v.group is Group.WAITING and claim.paid_here_at is not None:
            text += " · " + translate("Claims", "paid here %1").replace(
                "%1", local(claim.paid_here_at).strftime("%d.%m.%Y")  # the ledger keeps UTC
            )
        return label(text)

    def _pay_elsewhere(self, box: QVBoxLayout) -> None:
        row = QHBoxLayout()
        words = translate(
            "Claims",
            "These claims cannot be paid at this automat. You will get a letter from the "
            "municipality, or you can pay them this way:",
        )
        row.addWidget(label(f"{words}\n{self.pay_elsewhere_text}\n{self.pay_elsewhere_url}"), 1)
        if self.pay_elsewhere_url:
            qr = label()
            qr.setPixmap(qr_pixmap(self.pay_elsewhere_url, 180))
            qr.setAccessibleName(translate("Claims", "QR code for paying the municipality"))
            row.addWidget(qr)
        box.addLayout(row)

    def _summary(self, selection: Selection | None, total: Money) -> None:
        covered = selection.covers() if selection else []
        if covered:
            names = claim_title(covered[0])
            if len(covered) == 1:
                text = translate("Claims", "This payment covers 1 claim: %1").replace("%1", names)
            else:  # the list marks each one (☑, and the order of municipality claims)
                text = translate("Claims", "This payment covers the %1 claims marked ☑ above.")
                text = text.replace("%1", str(len(covered)))
            self.covers.setText(text)
        else:
            self.covers.setText(translate("Claims", "No claims chosen."))
        self.pay.setText(translate("Claims", "Pay %1").replace("%1", money_text(total)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.outlook_box.fit(self.height())

    def retranslate(self) -> None:
        self.title.setText(translate("Claims", "Your claims"))
        self.pay.setText(translate("Claims", "Pay %1").replace("%1", money_text(Money(0))))
        super().retranslate()

    def forget(self) -> None:
        super().forget()
        self.who.clear()
        self.outlook.clear()
        self.covers.clear()
        self.scroll.setWidget(QWidget())
        self.claim_buttons = {}
