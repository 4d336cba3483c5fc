"""Sip2FbsPort's rules on recorded FBS replies (scripted peer, no network): LN: prefix, blocks, fine
items, cut-off classification, BK derivation, and what is and is not a registration."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kiosk.config.fbs import Sip2Settings
from kiosk.domain import BlockKind, Claim, PayableIn
from kiosk.fbs.port import FbsError, FbsErrorReason, RegistrationStatus
from kiosk.fbs.sip2.adapter import Sip2FbsPort, blocks_from_status, transaction_id
from kiosk.fbs.sip2.codec import decode, encode, make
from kiosk.fbs.sip2.errors import Sip2TransportError
from kiosk.money import Money

FBS_64 = (
    "64              00920161021    145207000000000002000100000004AODK-761500|AALN:3208100032|"
    "AETestlåner Aarhus|BZ9999|CA9999|CB9999|BLY|CQY|BHDKK|BV175.00|CC200.00|AS|AT|AU|"
    "AV%289097%20160920%175.00%%%%%|BU|CD|"
)


class Scripted:
    """A peer that answers each request with the next scripted line (or raises it)."""

    needs_login = False
    generation = 1
    connected = True

    def __init__(self, *replies: str | Exception) -> None:
        self.replies = list(replies)
        self.sent: list[str] = []

    def exchange(self, line: str) -> str:
        self.sent.append(line)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply

    def close(self) -> None:
        pass


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Sip2Settings:
    monkeypatch.setenv("UNIT_SIP2_PASSWORD", "x")
    return Sip2Settings.model_validate(
        {"username": "u", "password": {"env": "UNIT_SIP2_PASSWORD"}, "error_detection": False}
    )


def port(settings: Sip2Settings, *replies: str | Exception, cut_off=date(2020, 9, 1)):
    transport = Scripted(*replies)
    fbs = Sip2FbsPort(
        settings,
        institution="DK-761500",
        cut_off_date=cut_off,
        transport=transport,
        now=lambda: datetime(2026, 1, 2, 3, 4, 5),
    )
    return fbs, transport


def test_recorded_fbs_64_becomes_patron_and_classified_claim(settings: Sip2Settings) -> None:
    fbs, transport = port(settings, FBS_64)
    patron = fbs.authenticate("3208100032", "1234")
    assert patron.id == "3208100032"  # LN: stripped
    assert patron.name == "Testlåner Aarhus"
    assert patron.fee_limit is not None and patron.fee_limit.ore == 20000
    assert patron.blocks == ()
    (claim,) = fbs.claims(patron)  # from the same reply: no second request
    assert len(transport.sent) == 1
    assert (claim.id, claim.amount.ore, claim.created) == ("289097", 17500, date(2016, 9, 20))
    assert claim.payable_in is PayableIn.FBS and claim.materials == ()
    sent = decode(transport.sent[0])
    assert sent.code == "63" and sent.fixed["summary"][3] == "Y"
    assert sent.get("AA") == "3208100032" and sent.get("AD") == "1234"
    assert sent.fixed["transaction_date"] == "20260102    030405"


def test_cut_off_on_the_fee_date_makes_it_a_debtor_claim(settings: Sip2Settings) -> None:
    fbs, _ = port(settings, FBS_64, cut_off=date(2016, 9, 20))
    (claim,) = fbs.claims(fbs.authenticate("3208100032", "1234"))
    assert claim.payable_in is PayableIn.DEBTOR


@pytest.mark.parametrize(
    ("item", "fee_id", "created"),
    [
        ("%%20160920%175.00%%", "unreadable-1", date(2016, 9, 20)),
        ("%1%2016-09-20%175.00%%", "1", None),
        ("%1%20160920%175,5x%%", "1", date(2016, 9, 20)),
        ("%1%20160920%175.005%Titel%", "1", date(2016, 9, 20)),
        ("%1%20160920%-25.00%%", "1", date(2016, 9, 20)),
        ("%1%20160920%1.234,50%%", "1", date(2016, 9, 20)),
        ("%1%20160920%%%", "1", date(2016, 9, 20)),
        ("just text", "unreadable-1", None),
    ],
)
def test_a_fine_item_that_cannot_be_read_is_for_the_staff_and_hides_no_other(
    settings: Sip2Settings, item: str, fee_id: str, created: date | None
) -> None:
    """Issue 13 item 4: each of these blocked the whole login (the 63 carries the fine items)."""
    good = "AV%289097%20160920%175.00%%"
    reply = FBS_64.replace("AV%289097%20160920%175.00%%%%%", f"AV{item}|{good}")
    fbs, _ = port(settings, reply)
    patron = fbs.authenticate("3208100032", "1234")
    unreadable, readable = sorted(fbs.claims(patron), key=lambda c: c.is_readable)
    assert readable.id == "289097" and readable.amount == Money(17500)
    assert unreadable.id == fee_id and unreadable.amount is None
    assert unreadable.created == (created or date.min)
    assert not unreadable.is_selectable


def test_bl_and_cq(settings: Sip2Settings) -> None:
    fbs, _ = port(settings, FBS_64.replace("BLY", "BLN"), FBS_64.replace("CQY", "CQN"))
    with pytest.raises(FbsError) as err:
        fbs.authenticate("1", "1")
    assert err.value.reason is FbsErrorReason.UNKNOWN_PATRON
    with pytest.raises(FbsError) as err:
        fbs.authenticate("1", "1")
    assert err.value.reason is FbsErrorReason.WRONG_PIN


def test_blocks_from_patron_status_positions() -> None:
    def kinds(status: str) -> list[BlockKind]:
        return [b.kind for b in blocks_from_status(status)]

    assert kinds(" " * 14) == []
    assert kinds("YYYYY" + " " * 9) == [BlockKind.CARD_STOLEN]
    assert kinds("YYYY" + " " * 6 + "YY  ") == [BlockKind.DEBT_LIMIT]
    assert kinds("Y" + " " * 13) == [BlockKind.OTHER]  # only "charge denied": blocked, why unknown
    assert kinds(" " * 6 + "Y" + " " * 7) == [BlockKind.OTHER]
    assert kinds("    Y     Y   ") == [BlockKind.CARD_STOLEN, BlockKind.DEBT_LIMIT]


def test_transaction_id_is_deterministic_per_order_and_fee() -> None:
    assert transaction_id("order-1", "289097") == "order-1-289097"
    assert transaction_id("order-1", "289097") != transaction_id("order-1", "289098")
    odd = transaction_id("ordre|æ", "1")
    assert odd == transaction_id("ordre|æ", "1") and "|" not in odd and len(odd) == 32


def _claims(settings: Sip2Settings):
    fbs, _ = port(settings, FBS_64)
    patron = fbs.authenticate("3208100032", "1234")
    return patron, fbs.claims(patron)


REPLY_38 = "38{}20260102    030405AODK-761500|AALN:3208100032|BK{}|"


@pytest.mark.parametrize(
    ("reply", "status"),
    [
        (REPLY_38.format("Y", "o-289097"), RegistrationStatus.REGISTERED),
        (REPLY_38.format("N", "o-289097") + "AFno account period|", RegistrationStatus.REFUSED),
        (REPLY_38.format("Y", "other-1"), RegistrationStatus.NOT_REGISTERED),
        ("38Y2026", RegistrationStatus.NOT_REGISTERED),  # garbled
        ("36Y20260102    030405AOx|AAy|", RegistrationStatus.NOT_REGISTERED),  # wrong reply
        (Sip2TransportError("timeout", "slow"), RegistrationStatus.NOT_REGISTERED),
        (Sip2TransportError("unavailable", "down"), RegistrationStatus.NOT_REGISTERED),
    ],
)
def test_only_38y_for_our_bk_counts_as_registered(
    settings: Sip2Settings, reply: str | Exception, status: RegistrationStatus
) -> None:
    patron, claims = _claims(settings)
    fbs, transport = port(settings, reply)
    (result,) = fbs.register_payment(patron, claims, "o")
    assert result.status is status
    if status is RegistrationStatus.REFUSED:
        assert result.message == "no account period"
    sent = decode(transport.sent[0])
    assert (sent.get("CG"), sent.get("BK"), sent.get("BV")) == ("289097", "o-289097", "175.00")
    assert sent.fixed["currency_type"] == "DKK" and sent.fixed["payment_type"] == "00"


def test_after_a_line_failure_the_remaining_fees_are_not_tried(settings: Sip2Settings) -> None:
    patron, claims = _claims(settings)
    fbs, transport = port(settings, Sip2TransportError("unavailable", "down"))
    results = fbs.register_payment(patron, claims * 3, "o")
    assert len(transport.sent) == 1
    assert {r.status for r in results} == {RegistrationStatus.NOT_REGISTERED}


def test_error_detection_resend_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIT_SIP2_PASSWORD", "x")
    settings = Sip2Settings.model_validate(
        {"username": "u", "password": {"env": "UNIT_SIP2_PASSWORD"}}
    )
    good = encode(decode(FBS_64), sequence=0)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    fbs, transport = port(settings, bad, good)  # bad checksum → 97 → good
    assert fbs.authenticate("1", "1").name == "Testlåner Aarhus"
    assert transport.sent[1].startswith("97AZ")
    fbs, transport = port(settings, "96AZFEF6", encode(decode(FBS_64), sequence=0))
    assert fbs.authenticate("1", "1").name  # 96 → the same request again
    assert transport.sent[0] == transport.sent[1]
    fbs, _ = port(settings, bad, bad)
    with pytest.raises(FbsError) as err:
        fbs.authenticate("1", "1")
    assert err.value.reason is FbsErrorReason.PROTOCOL
    fbs, _ = port(settings, "96AZFEF6", "96AZFEF6")
    with pytest.raises(FbsError) as err:
        fbs.authenticate("1", "1")
    assert err.value.reason is FbsErrorReason.PROTOCOL
    fbs, _ = port(settings, FBS_64, FBS_64)  # no trailer although error detection is on
    with pytest.raises(FbsError) as err:
        fbs.authenticate("1", "1")
    assert err.value.reason is FbsErrorReason.PROTOCOL


def test_sequence_numbers_wrap_0_to_9(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIT_SIP2_PASSWORD", "x")
    settings = Sip2Settings.model_validate(
        {"username": "u", "password": {"env": "UNIT_SIP2_PASSWORD"}}
    )
    replies = [encode(decode(FBS_64), sequence=i % 10) for i in range(12)]
    fbs, transport = port(settings, *replies)
    for _ in range(12):
        fbs.authenticate("1", "1")
    assert [decode(line).sequence for line in transport.sent] == [i % 10 for i in range(12)]


def test_unsendable_input_is_a_typed_error(settings: Sip2Settings) -> None:
    fbs, transport = port(settings)
    with pytest.raises(FbsError) as err:
        fbs.authenticate("12|34", "1")
    assert err.value.reason is FbsErrorReason.PROTOCOL and transport.sent == []
    with pytest.raises(FbsError):
        fbs.authenticate("", "1")


def _checked(settings_kw: dict[str, object], monkeypatch: pytest.MonkeyPatch) -> Sip2Settings:
    monkeypatch.setenv("UNIT_SIP2_PASSWORD", "x")
    return Sip2Settings.model_validate(
        {"username": "u", "password": {"env": "UNIT_SIP2_PASSWORD"}, **settings_kw}
    )


def _with_az_only(line: str) -> str:
    """A valid AZ checksum but no AY sequence number (computed by hand, not by our codec)."""
    body = line + "AZ"
    return f"{body}{-sum(body.encode('cp850')) & 0xFFFF:04X}"


def test_a_reply_with_az_but_no_ay_is_refused_while_error_detection_is_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 13 item 6: such a reply was accepted, so its sequence was never checked."""
    settings = _checked({}, monkeypatch)
    no_ay = _with_az_only(FBS_64)
    fbs, transport = port(settings, no_ay, no_ay)
    with pytest.raises(FbsError) as err:
        fbs.authenticate("1", "1")
    assert err.value.reason is FbsErrorReason.PROTOCOL
    assert transport.sent[1].startswith("97")  # asked once to resend, as for a bad checksum
    fbs, _ = port(settings, no_ay, encode(decode(FBS_64), sequence=0))
    assert fbs.authenticate("1", "1").name == "Testlåner Aarhus"  # the resend had AY: fine
    fbs, _ = port(_checked({"error_detection": False}, monkeypatch), no_ay)
    assert fbs.authenticate("1", "1").name == "Testlåner Aarhus"  # off: trailers are optional


def test_a_96_without_az_makes_the_adapter_send_the_fee_paid_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 13 item 6: a bare 96 counted as a garbled reply, and the 37 ended not registered."""
    settings = _checked({}, monkeypatch)
    patron, claims = _claims(_checked({"error_detection": False}, monkeypatch))
    accepted = encode(
        make("38", payment_accepted="Y", transaction_date="20260102    030405",
             AO="DK-761500", AA="LN:3208100032", BK="o-289097"),
        sequence=0,
    )  # fmt: skip
    fbs, transport = port(settings, "96", accepted)
    (result,) = fbs.register_payment(patron, claims[:1], "o")
    assert result.status is RegistrationStatus.REGISTERED
    assert transport.sent == [transport.sent[0]] * 2  # the same 37, same sequence and BK


def test_an_unreadable_claim_is_never_sent_in_a_fee_paid(settings: Sip2Settings) -> None:
    patron, claims = _claims(settings)
    fbs, transport = port(settings, REPLY_38.format("Y", "o-289097"))
    odd = Claim.unreadable("5", created=date(2016, 1, 1), payable_in=PayableIn.FBS)
    results = fbs.register_payment(patron, [odd, *claims], "o")
    assert [r.status for r in results] == [
        RegistrationStatus.REFUSED,
        RegistrationStatus.REGISTERED,  # the line was not taken for down
    ]
    assert len(transport.sent) == 1
