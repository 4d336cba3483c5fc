"""ZVT (PA00P015) card payment terminal: codec, transports, driver and emulator."""

from drivers.zvt.errors import ZvtLinkLost, ZvtProtocolError, ZvtTimeout

__all__ = ["ZvtLinkLost", "ZvtProtocolError", "ZvtTimeout"]
