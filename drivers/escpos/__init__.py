"""ESC/POS receipt printers: codec, driver (python-escpos) and a pty emulator."""

from drivers.escpos.printer import EscposPrinter

__all__ = ["EscposPrinter"]
