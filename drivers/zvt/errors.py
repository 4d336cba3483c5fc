"""Errors of the ZVT driver."""

from __future__ import annotations


class ZvtProtocolError(ValueError):
    """Bytes that are not valid ZVT: a broken frame, a bad checksum, a malformed APDU or BMP."""


class ZvtLinkLost(ConnectionError):
    """The serial or TCP link failed (unplugged, closed, I/O error)."""


class ZvtTimeout(TimeoutError):
    """The terminal did not answer in time."""
