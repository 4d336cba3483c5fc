"""Serial barcode/magstripe scanners: line codec, device and pty emulator."""

from drivers.scanner.device import SerialScanner

__all__ = ["SerialScanner"]
