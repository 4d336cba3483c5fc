"""Issue 13 item 5: FBS's HTTPS envelope is UTF-8 XML, so a reply may hold characters cp850 has
no byte for (–, ’, Ł: common in titles). The checksum is checked over the reply's bytes as
received, in ``fbs.sip2.envelope_checksum_encoding`` (default UTF-8); a title's characters
never fail a login. The checksums here are computed by hand, not with our codec."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

import pytest

from kiosk.config.fbs import Sip2Settings
from kiosk.fbs.port import FbsError, FbsErrorReason
from kiosk.fbs.simulator.envelope import EnvelopeError, parse_request
from kiosk.fbs.sip2.adapter import Sip2FbsPort
from kiosk.fbs.sip2.errors import Sip2ProtocolError
from kiosk.fbs.sip2.transport import HttpsEnvelopeTransport, parse_envelope_reply

TITLE = "Ørkenens sønner – ’Łódź’ og æøå"
BODY = (
    "64              00920261021    145207000000000001000000000000AODK-761500|AALN:3208100032|"
    "AETestlåner Aarhus|BLY|CQY|BHDKK|BV175.00|CC200.00|"
    f"AV5012345678%289097%20160920%175.00%{TITLE}%Forfatter%%%%|AY0AZ"
)


def with_checksum(body: str, encoding: str) -> str:
    data = body.encode(encoding, errors="replace")  # what a Java server's getBytes writes
    return f"{body}{-sum(data) & 0xFFFF:04X}"


def envelope(line: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<ns2:sip xmlns:ns2="http://axiell.com/Schema/sip.xsd">'
        f"<response>{escape(line)}</response></ns2:sip>"
    ).encode()


class Reply:
    status_code = 200

    def __init__(self, content: bytes) -> None:
        self.content = content


class FakeHttp:
    """Answers each POST with the next scripted envelope."""

    def __init__(self, *replies: bytes) -> None:
        self.replies = list(replies)
        self.sent: list[bytes] = []

    def post(self, url: str, data: bytes, **kw: Any) -> Reply:
        self.sent.append(data)
        return Reply(self.replies.pop(0))

    def close(self) -> None:
        pass


def port(monkeypatch: pytest.MonkeyPatch, *replies: bytes, **transport_kw: Any):
    monkeypatch.setenv("UNIT_ENVELOPE_PASSWORD", "x")
    settings = Sip2Settings.model_validate(
        {
            "transport": "https",
            "url": "https://fbs.example/rest/sip2/DK-761500",
            "username": "u",
            "password": {"env": "UNIT_ENVELOPE_PASSWORD"},
        }
    )
    http = FakeHttp(*replies)
    transport = HttpsEnvelopeTransport(
        settings.url, "u", "x", session=http, **transport_kw  # type: ignore[arg-type]
    )
    fbs = Sip2FbsPort(
        settings,
        institution="DK-761500",
        cut_off_date=datetime(2020, 9, 1).date(),
        transport=transport,
        now=lambda: datetime(2026, 1, 2, 3, 4, 5),
    )
    return fbs, http


def test_a_title_outside_cp850_does_not_fail_the_login(monkeypatch: pytest.MonkeyPatch) -> None:
    fbs, http = port(monkeypatch, envelope(with_checksum(BODY, "utf-8")))
    patron = fbs.authenticate("3208100032", "1234")
    (claim,) = fbs.claims(patron)
    assert claim.reason == TITLE and claim.amount is not None
    assert len(http.sent) == 1  # accepted at once: no 97 resend


@pytest.mark.parametrize("fbs_uses", ["cp850", "latin-1"])
def test_fbs_using_another_character_set_is_accepted_and_named_in_the_log(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, fbs_uses: str
) -> None:
    """Which character set FBS sums over is not public: a reply that checks out in another
    plausible one is FBS's answer, and the log says which to configure."""
    fbs, _ = port(monkeypatch, envelope(with_checksum(BODY, fbs_uses)))
    with caplog.at_level(logging.WARNING):
        assert fbs.claims(fbs.authenticate("3208100032", "1234"))[0].reason == TITLE
    assert "envelope_checksum_encoding" in caplog.text and fbs_uses in caplog.text


def test_the_configured_character_set_is_used_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    fbs, http = port(
        monkeypatch, envelope(with_checksum(BODY, "cp850")), checksum_encoding="cp850"
    )
    assert fbs.authenticate("3208100032", "1234").name == "Testlåner Aarhus"
    request = http.sent[0].decode("utf-8")
    line = request.split("<request>")[1].split("</request>")[0]
    assert line == with_checksum(line[:-4], "cp850")


def test_a_garbled_reply_is_still_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    good = with_checksum(BODY, "utf-8")
    bad = envelope(good.replace("175.00%", "175.01%"))
    fbs, http = port(monkeypatch, bad, bad)
    with pytest.raises(FbsError) as err:
        fbs.authenticate("3208100032", "1234")
    assert err.value.reason is FbsErrorReason.PROTOCOL
    assert b"<request>97AZ" in http.sent[1]  # asked once to resend, then gave up


# -- XML from the network goes through defusedxml (issue 13 item 6) ----------------------------
ENTITY_REPLY = (
    b'<?xml version="1.0"?><!DOCTYPE sip [<!ENTITY id "LN:3208100032">]>'
    b'<ns2:sip xmlns:ns2="http://axiell.com/Schema/sip.xsd"><response>'
    b"24              00920170619    125151AODK-775100|AA&id;|AETest|BLY|CQY|"
    b"</response></ns2:sip>"
)
EXTERNAL_REPLY = (
    b'<?xml version="1.0"?><!DOCTYPE sip [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
    b'<ns2:sip xmlns:ns2="http://axiell.com/Schema/sip.xsd"><response>&x;</response></ns2:sip>'
)


@pytest.mark.parametrize("content", [ENTITY_REPLY, EXTERNAL_REPLY])
def test_an_envelope_reply_with_a_dtd_is_refused_not_expanded(content: bytes) -> None:
    with pytest.raises(Sip2ProtocolError, match="DTD"):
        parse_envelope_reply(content)


def test_the_simulator_refuses_a_request_with_a_dtd_through_defusedxml() -> None:
    request = ENTITY_REPLY.replace(b"ns2:sip", b"ns1:sip").replace(
        b"<ns1:sip ", b'<ns1:sip login="sip2" password="sip2" '
    )
    with pytest.raises(EnvelopeError):
        parse_request(request)
