"""The SIP2 codec: every message the automat uses, both ways, the checksum vector, FBS's replies."""

from __future__ import annotations

from datetime import datetime

import pytest

from kiosk.fbs.sip2.codec import (
    Sip2Message,
    checksum,
    decode,
    encode,
    make,
    parse_sip2_date,
    sip2_date,
)
from kiosk.fbs.sip2.errors import Sip2ChecksumError, Sip2ProtocolError
from kiosk.fbs.sip2.messages import SPECS

DATE = "20170619    125151"

#: Recorded FBS replies (fbs.md), verbatim.
FBS_98 = (
    "98YYYYYY60099920170619    1307082.00AODK-775100|AMAarhus Kommunes Biblioteker|"
    "BXYYYYYYYYYYYNNYYY|"
)
FBS_24 = (
    "24              00920170619    125151AODK-775100|AALN:3210519784|"
    "AETestkort Mickey Mouse|BLY|CQY|"
)
FBS_64 = (
    "64              00920161021    145207000000000002000100000004AODK-761500|AALN:3208100032|"
    "AETestlåner Aarhus|BZ9999|CA9999|CB9999|BLY|CQY|BHDKK|BV175.00|CC200.00|AS|AT|AU…|"
    "AV%289097%20160920%175.00%%%%%|BU|CD…|"
)
#: The same without the page's elisions ("…" is not in code page 850).
FBS_64_WIRE = FBS_64.replace("…", "")


def test_checksum_vector_from_the_standard() -> None:
    text = "09N20160419    12200820160419    122008APReading Room 1|AO830|AB830$28170815|AC|AY2AZ"
    assert checksum(text) == "EB80"


def test_recorded_fbs_acs_status() -> None:
    m = decode(FBS_98)
    assert m.code == "98"
    assert m.fixed["online_status"] == "Y"
    assert m.fixed["timeout_period"] == "600"  # 60.0 s
    assert m.fixed["retries_allowed"] == "999"
    assert m.fixed["protocol_version"] == "2.00"
    assert parse_sip2_date(m.fixed["date_time_sync"]) == datetime(2017, 6, 19, 13, 7, 8)
    assert m.get("AO") == "DK-775100"
    assert m.get("AM") == "Aarhus Kommunes Biblioteker"
    assert m.get("BX")[9] == "Y"  # Fee Paid supported
    assert m.sequence is None and m.checksum is None


def test_recorded_fbs_patron_status() -> None:
    m = decode(FBS_24)
    assert m.fixed["patron_status"] == " " * 14
    assert m.fixed["language"] == "009"
    assert m.get("AA") == "LN:3210519784"
    assert m.get("AE") == "Testkort Mickey Mouse"
    assert (m.get("BL"), m.get("CQ")) == ("Y", "Y")


def test_recorded_fbs_patron_information_with_fine_item() -> None:
    m = decode(FBS_64)
    assert m.fixed["fine_items_count"] == "0001"
    assert m.fixed["charged_items_count"] == "0002"
    assert m.fixed["unavailable_holds_count"] == "0004"
    assert m.get("AE") == "Testlåner Aarhus"
    assert m.get("BV") == "175.00" and m.get("BH") == "DKK" and m.get("CC") == "200.00"
    assert m.all("AV") == ("%289097%20160920%175.00%%%%%",)
    assert m.all("AS") == ("",)  # empty repeatable fields are sent, and kept
    assert m.all("AU") == ("…",)


@pytest.mark.parametrize("line", [FBS_98, FBS_24, FBS_64])
def test_recorded_replies_encode_back_byte_for_byte(line: str) -> None:
    assert encode(decode(line), error_detection=False) == line


# One message of each type, as the client or the simulator sends it.
MESSAGES = [
    make("93", uid_algorithm="0", pwd_algorithm="0", CN="sip", CO="secret", CP="Filial 1"),
    make("94", ok="1"),
    make("99", status_code="0", max_print_width="080", protocol_version="2.00"),
    decode(FBS_98),
    make("23", language="009", transaction_date=DATE, AO="DK-775100", AA="123", AC="", AD="1234"),
    decode(FBS_24),
    make(
        "63",
        language="009",
        transaction_date=DATE,
        summary="   Y      ",
        AO="DK-775100",
        AA="3210519784",
        AC="",
        AD="1234",
    ),
    decode(FBS_64_WIRE),
    make(
        "37",
        transaction_date=DATE,
        fee_type="01",
        payment_type="00",
        currency_type="DKK",
        BV="175.00",
        AO="DK-775100",
        AA="3208100032",
        CG="289097",
        BK="order-1-289097",
    ),
    make(
        "38",
        payment_accepted="N",
        transaction_date=DATE,
        AO="DK-775100",
        AA="LN:3208100032",
        BK="order-1-289097",
        AF=["no account period for the current year"],
    ),
    make("35", transaction_date=DATE, AO="DK-775100", AA="3208100032"),
    make("36", end_session="Y", transaction_date=DATE, AO="DK-775100", AA="LN:3208100032"),
    make("97"),
    make("96"),
]


def test_every_message_type_is_covered() -> None:
    assert {m.code for m in MESSAGES} == set(SPECS)


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: m.code)
@pytest.mark.parametrize("seq", [0, 7, 9])
def test_round_trip_with_error_detection(message: Sip2Message, seq: int) -> None:
    line = encode(message, sequence=seq)
    back = decode(line)
    assert back == message
    assert back.checksum == line[-4:]
    if message.code in ("96", "97"):
        assert back.sequence is None and "AY" not in line
    else:
        assert back.sequence == seq and line[-9:-6] == f"AY{seq}"


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: m.code)
def test_round_trip_without_error_detection(message: Sip2Message) -> None:
    line = encode(message, error_detection=False)
    assert "AZ" not in line[-6:]
    assert decode(line) == message


def test_login_wire_form() -> None:
    line = encode(MESSAGES[0], sequence=1)
    assert line.startswith("9300CNsip|COsecret|CPFilial 1|AY1AZ")
    assert checksum(line[:-4]) == line[-4:]


def test_fee_paid_wire_form_puts_fixed_fields_at_their_offsets() -> None:
    line = encode(MESSAGES[8], error_detection=False)
    assert line[2:20] == DATE and line[20:22] == "01" and line[22:24] == "00"
    assert line[24:27] == "DKK"
    assert "|CG289097|BKorder-1-289097|" in line and line[27:].startswith("BV175.00|")


def test_resend_messages_carry_only_a_checksum() -> None:
    # values cross-checked with pysip2's encoder
    assert encode(make("97")) == "97AZFEF5"
    assert encode(make("96")) == "96AZFEF6"


def test_a_flipped_character_fails_the_checksum() -> None:
    line = encode(MESSAGES[7], sequence=3)
    bad = line.replace("175.00", "176.00")
    with pytest.raises(Sip2ChecksumError):
        decode(bad)
    assert isinstance(Sip2ChecksumError("x"), Sip2ProtocolError)
    assert decode(bad, verify=False).get("BV") == "176.00"


def test_checksum_uses_the_line_character_set() -> None:
    line = encode(decode(FBS_24.replace("Mickey", "Måns")), sequence=0, encoding="cp850")
    decode(line, encoding="cp850")
    with pytest.raises(Sip2ChecksumError):
        decode(line, encoding="latin-1")


def test_trailing_cr_and_crlf_are_tolerated() -> None:
    line = encode(MESSAGES[1], sequence=0)
    assert decode(line + "\r") == decode(line + "\r\n") == MESSAGES[1]


def test_unknown_fields_are_kept_in_order() -> None:
    m = decode(FBS_24[:-1] + "|XYfoo|XYbar|")
    assert m.all("XY") == ("foo", "bar")
    assert encode(m, error_detection=False).endswith("CQY|XYfoo|XYbar|")


@pytest.mark.parametrize(
    "line",
    [
        "",
        "9",
        "XX",
        "12",  # a code the automat does not use
        "94",  # fixed field missing
        "942",  # not 0/1
        "98YYYYYY60099920170619    1307082.0",  # truncated
        "98YYYYYY6009992017X619    1307082.00AODK|BXY|",  # bad date
        "38N20170619    125151AADK|",  # AO missing
        FBS_24.replace("|BLY|", "|BLY|BLN|"),  # a single-valued field twice
        FBS_24 + "\rAO",
        FBS_24.replace("AETestkort", "\x00Testkort"),
        "24              00920170619    125151AODK|AALN:1|A",
    ],
)
def test_malformed_lines_raise_the_protocol_error(line: str) -> None:
    with pytest.raises(Sip2ProtocolError):
        decode(line)


@pytest.mark.parametrize("value", ["a|b", "a\rb", "a\nb", "a\x00b"])
def test_values_that_would_break_the_frame_are_refused_on_encode(value: str) -> None:
    with pytest.raises(Sip2ProtocolError):
        encode(make("35", transaction_date=DATE, AO="DK", AA=value), sequence=0)


def test_encode_refuses_bad_fixed_fields_and_sequence() -> None:
    with pytest.raises(Sip2ProtocolError):
        encode(make("94", ok="2"), sequence=0)
    with pytest.raises(Sip2ProtocolError):
        encode(make("94", ok="1"), sequence=10)
    with pytest.raises(Sip2ProtocolError):
        encode(make("94", ok="1"))  # error detection needs a sequence number
    with pytest.raises(Sip2ProtocolError):
        make("37", transaction_date=DATE)  # fixed fields missing
    with pytest.raises(Sip2ProtocolError):
        encode(
            make(
                "37",
                transaction_date=DATE,
                fee_type="01",
                payment_type="00",
                currency_type="DKK",
                AO="DK",
                AA="1",
            ),
            sequence=0,
        )  # BV missing
    with pytest.raises(Sip2ProtocolError):
        encode(make("94", ok="1"), sequence=0, encoding="no-such-codec")


def test_repr_hides_pin_and_password() -> None:
    text = repr(MESSAGES[0]) + repr(MESSAGES[6])
    assert "secret" not in text and "1234" not in text


def test_dates() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5)
    assert sip2_date(moment) == "20260102    030405"
    assert parse_sip2_date(sip2_date(moment)) == moment
    with pytest.raises(Sip2ProtocolError):
        parse_sip2_date("2026010x    030405")
