"""The FBS follow-up list: registrations FBS refused, each closed by hand with what was done
(``kiosk.followup.CLOSE_OUTCOMES``; "other" with one of ``OTHER_NOTES``, there being no
keyboard). The outcomes, notes and states are the core's Danish words, as the report prints
them; the desk checks the role and the core refuses what cannot be closed (``ui.staff.words``)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QButtonGroup, QGridLayout, QPushButton

from kiosk.clock import local
from kiosk.followup_words import CLOSE_OUTCOMES, OTHER_NOTES
from ui.i18n import translate
from ui.staff.base import StaffHost, StaffScreen
from ui.staff.bons import clear_choice
from ui.widgets import button, label, money_text


def item_text(item: Any) -> str:
    """One item as staff read it: claims, amount, age and state; who paid; FBS's reason; for a
    closed one who closed it and how."""
    days = translate("StaffFollowUp", "%1 days").replace("%1", str(item.age_days))
    head = translate("StaffFollowUp", "Claims %1").replace("%1", ", ".join(item.fee_ids) or "–")
    lines = [f"{head} · {money_text(item.amount)} · {days} · {item.state_text}", item.patron]
    lines.append(translate("StaffFollowUp", "FBS: %1").replace("%1", item.reason or "–"))
    if item.closed:
        when = f"{local(item.closed_at):%d.%m.%Y %H:%M}" if item.closed_at else ""
        lines.append(
            translate("StaffFollowUp", "Closed %1 by staff number %2: %3")
            .replace("%1", when).replace("%2", item.closed_by).replace("%3", item.outcome_text)
        )
    return "\n".join(lines)


def choice_buttons(texts: dict[str, str], into: QGridLayout, columns: int) -> QButtonGroup:
    """Checkable buttons, one chosen at a time; each keeps its key in ``key``."""
    group = QButtonGroup(into)
    group.setExclusive(True)
    for i, (key, text) in enumerate(texts.items()):
        b = button(text, wrap=True)
        b.setCheckable(True)
        b.setProperty("key", key)
        group.addButton(b)
        into.addWidget(b, i // columns, i % columns)
    return group


def chosen_key(group: QButtonGroup) -> str:
    b = group.checkedButton()
    return "" if b is None else str(b.property("key"))


class FollowUpScreen(StaffScreen):
    def __init__(self, mode: StaffHost) -> None:
        super().__init__(mode)
        self.summary = label()
        self.body.addWidget(self.summary)
        self.list_layout = self.add_list()
        self.item_group = QButtonGroup(self)
        self.item_buttons: dict[int, QPushButton] = {}
        self.what = label()
        self.body.addWidget(self.what)
        grid = QGridLayout()
        self.body.addLayout(grid)
        self.outcomes = choice_buttons(CLOSE_OUTCOMES, grid, 2)
        self.outcomes.buttonToggled.connect(lambda *_: self._notes_shown())
        self.note_hint = label()
        self.body.addWidget(self.note_hint)
        notes = QGridLayout()
        self.body.addLayout(notes)
        self.notes = choice_buttons({n: n for n in OTHER_NOTES}, notes, len(OTHER_NOTES))
        self.close_item = button(role="primary", on_click=self.close_chosen)
        self.buttons.addWidget(self.close_item)
        self.items: list[Any] = []
        self.retranslate()
        self._notes_shown()

    def opened(self) -> None:
        super().opened()
        self._clear_choices()
        self.load()

    def load(self) -> None:
        self.run(lambda desk, user: desk.follow_up_items(user), self._listed)

    def _listed(self, items: list[Any]) -> None:
        for b in self.item_buttons.values():
            self.item_group.removeButton(b)
            b.deleteLater()
        self.item_buttons.clear()
        self.items = list(items)
        for item in self.items:
            b = button(item_text(item), role="claim", wrap=True)
            b.setCheckable(not item.closed)
            b.setEnabled(not item.closed)
            self.item_group.addButton(b)
            self.item_buttons[item.item_id] = b
            self.list_layout.addWidget(b)
            b.show()  # at once: a layout shows a new child only on the next event-loop turn
        open_items = sum(1 for i in self.items if not i.closed)
        self.summary.setText(
            translate("StaffFollowUp", "Open items: %1").replace("%1", str(open_items))
            if self.items else translate("StaffFollowUp", "No refused FBS registrations.")
        )

    def _notes_shown(self) -> None:
        other = chosen_key(self.outcomes) == "other"
        self.note_hint.setVisible(other)
        for b in self.notes.buttons():
            b.setVisible(other)

    def _clear_choices(self) -> None:
        clear_choice(self.outcomes)
        clear_choice(self.notes)
        self._notes_shown()

    def close_chosen(self) -> None:
        chosen = next((i for i, b in self.item_buttons.items() if b.isChecked()), None)
        outcome = chosen_key(self.outcomes)
        note = chosen_key(self.notes) if outcome == "other" else ""
        if chosen is None:
            return self.say("warn", translate("StaffFollowUp", "Choose the item to close."))
        if not outcome:
            return self.say("warn", translate("StaffFollowUp", "Choose what was done."))
        if outcome == "other" and not note:
            return self.say("warn", translate("StaffFollowUp", "Choose a note saying what."))
        self.run(
            lambda desk, user: desk.close_follow_up(user, chosen, outcome, note), self._closed
        )

    def _closed(self, item: Any) -> None:
        self._clear_choices()
        self.say("ok", translate("StaffFollowUp", "Closed: %1. FBS is not asked again.")
                 .replace("%1", item.outcome_text))
        self.run(lambda desk, user: desk.follow_up_items(user), self._listed)

    def refused(self, error: BaseException) -> None:
        """The list may be stale (closed elsewhere, registered meanwhile): load it again; the
        refusal stays on the banner."""
        from kiosk.followup import FollowUpError

        if isinstance(error, FollowUpError) and error.reason != "invalid":
            self.load()

    def retranslate(self) -> None:
        self.title.setText(translate("StaffFollowUp", "Follow-up list"))
        self.what.setText(translate("StaffFollowUp", "What was done:"))
        self.note_hint.setText(translate("StaffFollowUp", "Note:"))
        self.close_item.setText("✓ " + translate("StaffFollowUp", "Close the chosen item"))
        for item, b in zip(self.items, self.item_buttons.values(), strict=False):
            b.setText(item_text(item))
        super().retranslate()

    def forget(self) -> None:
        super().forget()
        self._listed([])
        self.summary.clear()
        self._clear_choices()
