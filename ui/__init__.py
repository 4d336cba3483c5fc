"""The touch UI (PySide6 only): screens, staff and technician modes, translations, theme."""
