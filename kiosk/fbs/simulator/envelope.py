"""FBS's SIP2-over-HTTPS XML envelope, server side: parse a request safely, build a reply.

Request: ``<ns1:sip password="…" login="…" xmlns:ns1="http://axiell.com/Schema/sip.xsd">
<request>MESSAGE</request></ns1:sip>``. Reply (HTTP 200): ``<ns2:sip xmlns:ns2="…">
<response>MESSAGE</response></ns2:sip>``, or the same envelope with ``<error>TEXT</error>``.
DTDs and entity declarations are refused (before parsing, and by defusedxml), and the body size
is capped.
"""

from __future__ import annotations

from xml.etree.ElementTree import ParseError
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

NS = "http://axiell.com/Schema/sip.xsd"
MAX_BODY = 64 * 1024


class EnvelopeError(ValueError):
    """The envelope is not acceptable; the text goes into ``<error>``."""


def parse_request(body: bytes) -> tuple[str, str, str]:
    """→ (login, password, SIP2 message)."""
    if len(body) > MAX_BODY:
        raise EnvelopeError("Request too large")
    if b"<!" in body:
        raise EnvelopeError("DTD and entity declarations are not allowed")
    try:
        root = fromstring(body.decode("utf-8"), forbid_dtd=True)
    except (UnicodeDecodeError, ParseError, DefusedXmlException):
        raise EnvelopeError("Request is not well-formed XML") from None
    if root.tag != f"{{{NS}}}sip":
        raise EnvelopeError("Root element must be sip")
    password = root.get("password")
    login = root.get("login")
    if not password:
        raise EnvelopeError("Required field: LOGIN_PASSWORD must be set!")
    if not login:
        raise EnvelopeError("Required field: LOGIN_USER must be set!")
    request = root.find("request")
    if request is None or not (request.text or "").strip():
        raise EnvelopeError("Required field: REQUEST must be set!")
    return login, password, (request.text or "").rstrip("\r\n")


def reply(message: str) -> bytes:
    return _wrap(f"<response>{escape(message.rstrip(chr(13) + chr(10)))}</response>")


def error(text: str) -> bytes:
    return _wrap(f"<error>{escape(text)}</error>")


def _wrap(inner: str) -> bytes:
    head = f'<?xml version="1.0" encoding="UTF-8"?><ns2:sip xmlns:ns2="{NS}">'
    return (head + inner + "</ns2:sip>").encode("utf-8")
