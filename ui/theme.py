"""The look, in one stylesheet with two palettes and a text size.

Touch rules: every button is at least 60 px high and wide, nothing depends on hover, and no state
is shown by colour alone (every state also has a text or an icon: ✓, ⚠, ✕ …). A chosen claim's
thicker border takes its room from the padding: choosing never changes a button's size, so a
list never moves under the finger (nor waits for a layout to give it the room).
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_TOUCH_PX = 60

STANDARD = {
    "bg": "#f4f1ea",
    "fg": "#1b1b1b",
    "panel": "#ffffff",
    "border": "#5a5a5a",
    "primary": "#0b4f8a",
    "primary_fg": "#ffffff",
    "warn_bg": "#fff1c2",
    "error_bg": "#fde0dc",
    "ok_bg": "#dff3e2",
    "muted": "#4a4a4a",
}
HIGH_CONTRAST = {
    "bg": "#000000",
    "fg": "#ffffff",
    "panel": "#000000",
    "border": "#ffffff",
    "primary": "#ffff00",
    "primary_fg": "#000000",
    "warn_bg": "#000000",
    "error_bg": "#000000",
    "ok_bg": "#000000",
    "muted": "#ffffff",
}

STYLESHEET = """
QWidget {{ background: {bg}; color: {fg}; font-size: {base}px; }}
QLabel#title {{ font-size: {title}px; font-weight: bold; }}
QLabel#amount {{ font-size: {title}px; font-weight: bold; }}
QLabel#muted {{ color: {muted}; }}
QLabel#banner {{ border: 3px solid {border}; padding: 12px; border-radius: 8px; }}
QLabel#banner[tone="warn"] {{ background: {warn_bg}; }}
QLabel#banner[tone="error"] {{ background: {error_bg}; }}
QLabel#banner[tone="ok"] {{ background: {ok_bg}; }}
QLabel#entry {{ font-size: {title}px; border: 3px solid {border}; padding: 8px;
    background: {panel}; letter-spacing: 4px; }}
QFrame#group {{ border: 2px solid {border}; border-radius: 8px; background: {panel}; }}
QFrame#group QLabel {{ background: {panel}; }}
QPushButton {{ min-height: {touch}px; min-width: {touch}px; padding: 6px 18px;
    border: 3px solid {border}; border-radius: 10px; background: {panel}; color: {fg};
    font-size: {base}px; font-weight: bold; }}
QPushButton:pressed {{ background: {fg}; color: {bg}; }}
QPushButton:disabled {{ border-style: dashed; color: {muted}; }}
QPushButton[role="primary"] {{ background: {primary}; color: {primary_fg};
    border-color: {primary}; }}
QPushButton[role="claim"] {{ text-align: left; padding: 8px 14px; font-weight: normal; }}
QPushButton[role="claim"]:checked {{ border-width: 6px; padding: 5px 11px; }}
QPushButton[role="key"] {{ font-size: {title}px; min-height: {key}px; min-width: {key}px;
    padding: 0px; }}
QScrollArea {{ border: none; }}
QScrollBar:vertical {{ width: 40px; background: {bg}; border: 2px solid {border}; }}
QScrollBar::handle:vertical {{ background: {fg}; min-height: 60px; border-radius: 6px; }}
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0px; }}
"""


@dataclass
class Theme:
    high_contrast: bool = False
    large_text: bool = False

    @property
    def base_px(self) -> int:
        return 30 if self.large_text else 22

    def stylesheet(self) -> str:
        palette = HIGH_CONTRAST if self.high_contrast else STANDARD
        base = self.base_px
        return STYLESHEET.format(
            base=base,
            title=int(base * 1.5),
            touch=MIN_TOUCH_PX if not self.large_text else 76,
            # keys keep their size with larger text (68 + a 3 px border = 74 px, above the touch
            # minimum): twelve of them fit a 1080 px wide portrait screen, four rows 1280×800
            key=68,
            **palette,
        )
