"""Errors of the SIP2 layer. The adapter maps each to an :class:`~kiosk.fbs.port.FbsError` reason.

Only these leave the codec and the transports: a garbled frame is a :class:`Sip2ProtocolError`
(→ ``PROTOCOL``), never an ``IndexError`` or ``UnicodeError`` from deep inside.
"""

from __future__ import annotations


class Sip2Error(Exception):
    """Base of everything the SIP2 layer raises on purpose."""


class ProtocolError(Sip2Error):
    """The peer sent something the protocol does not allow (→ ``FbsErrorReason.PROTOCOL``)."""


class Sip2ProtocolError(ProtocolError):
    """A malformed SIP2 message, or a value that cannot be encoded into one."""


class Sip2ChecksumError(Sip2ProtocolError):
    """A frame whose ``AZ`` checksum does not match its bytes (answered with 96/97, not fatal)."""


class Sip2TransportError(Sip2Error):
    """The line to the SIP2 server failed: refused, dropped, or an HTTP/envelope error.

    ``reason`` is an :class:`~kiosk.fbs.port.FbsErrorReason` value (``unavailable``, ``timeout``,
    ``client_auth``, ``protocol``), kept as text so the transports need not import the port.
    """

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)
