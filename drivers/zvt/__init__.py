"""ZVT (PA00P015) card payment terminal: codec, transports, driver and emulator."""

from drivers.zvt.errors import ZvtLinkLost, ZvtProtocolError, ZvtTimeout
from drivers.zvt.terminal import ZvtRefused, ZvtTerminal

__all__ = ["ZvtLinkLost", "ZvtProtocolError", "ZvtRefused", "ZvtTerminal", "ZvtTimeout"]
