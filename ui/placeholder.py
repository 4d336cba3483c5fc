"""A placeholder main window shown until the citizen screens exist."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class PlaceholderWindow(QWidget):
    def __init__(self, library_name: str, *, demo: bool) -> None:
        super().__init__()
        self.setWindowTitle("Betalingsautomat")
        layout = QVBoxLayout(self)
        title = QLabel(library_name)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title.setStyleSheet("font-size: 40px; font-weight: bold;")
        body = QLabel("Betalingsautomat — demo" if demo else "Betalingsautomat")
        body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body.setStyleSheet("font-size: 28px;")
        layout.addWidget(title)
        layout.addWidget(body)
