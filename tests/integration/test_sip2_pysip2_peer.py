"""Sip2FbsPort against pysip2: an independent SIP2 server (ACS) this project did not write.

pysip2 verifies our checksums, echoes AY/AZ, answers 96 to a bad checksum and replays its last
reply to a duplicate request; its handlers here play FBS with the recorded reply shapes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import anyio
import pytest
from pysip2 import (
    END_PATRON_SESSION,
    FEE_PAID,
    LOGIN,
    PATRON_INFORMATION,
    EndPatronSessionRequest,
    EndSessionResponse,
    FeePaidRequest,
    FeePaidResponse,
    LoginRequest,
    LoginResponse,
    PatronInformationRequest,
    PatronInformationResponse,
    RequestContext,
    SIP2Server,
)

from kiosk.config.fbs import Sip2Settings
from kiosk.domain import PayableIn
from kiosk.fbs.port import RegistrationStatus
from kiosk.fbs.sip2.adapter import Sip2FbsPort
from kiosk.fbs.sip2.codec import decode, encode, make
from kiosk.fbs.sip2.transport import TcpTransport

AGENCY = "DK-761500"
CUT_OFF = date(2020, 9, 1)
CARD, PIN = "3208100032", "1234"
FINES = ("%289097%20160920%175.00%%%%%", "4711%289098%20210105%20.00%Krig og fred%Tolstoj%%")


@dataclass
class Peer:
    port: int
    logins: list[str] = field(default_factory=list)
    fee_paid: list[FeePaidRequest] = field(default_factory=list)


def _app(peer: Peer) -> SIP2Server:
    app = SIP2Server(institution_id=AGENCY, login_required=True)

    @app.route(LOGIN)
    def login(req: LoginRequest, ctx: RequestContext) -> LoginResponse:
        peer.logins.append(req.login_user_id)
        ok = (req.login_user_id, req.login_password) == ("sip", "secret")
        return LoginResponse(ok="1" if ok else "0")

    @app.route(PATRON_INFORMATION)
    def info(req: PatronInformationRequest, ctx: RequestContext) -> PatronInformationResponse:
        known = req.patron_identifier == CARD
        pin_ok = req.patron_password in (None, PIN)
        return PatronInformationResponse(
            patron_status=" " * 10 + "Y" + " " * 3,
            language="009",
            transaction_date=ctx.now_18(),
            hold_items_count="0000",
            overdue_items_count="0000",
            charged_items_count="0000",
            fine_items_count=f"{len(FINES):04d}",
            recall_items_count="0000",
            unavailable_holds_count="0000",
            institution_id=AGENCY,
            patron_identifier="LN:" + req.patron_identifier,
            personal_name="Testlåner Aarhus" if known else "",
            valid_patron="Y" if known else "N",
            valid_patron_password="Y" if known and pin_ok else "N",
            currency_type="DKK",
            fee_amount="195.00",
            fee_limit="200.00",
            fine_items=FINES if req.summary[3] == "Y" else (),
        )

    @app.route(FEE_PAID)
    def fee_paid(req: FeePaidRequest, ctx: RequestContext) -> FeePaidResponse:
        peer.fee_paid.append(req)
        return FeePaidResponse(
            payment_accepted="Y",
            transaction_date=ctx.now_18(),
            institution_id=AGENCY,
            patron_identifier=req.patron_identifier,
            transaction_id=req.transaction_id,
        )

    @app.route(END_PATRON_SESSION)
    def end(req: EndPatronSessionRequest, ctx: RequestContext) -> EndSessionResponse:
        return EndSessionResponse(
            end_session="Y",
            transaction_date=ctx.now_18(),
            institution_id=AGENCY,
            patron_identifier=req.patron_identifier,
        )

    return app


@pytest.fixture
def peer() -> Iterator[Peer]:
    ready, stop = threading.Event(), threading.Event()
    box: dict[str, Peer] = {}

    async def main() -> None:
        holder = Peer(0)
        async with _app(holder).start() as port:
            holder.port = port
            box["peer"] = holder
            ready.set()
            await anyio.to_thread.run_sync(stop.wait)

    thread = threading.Thread(target=anyio.run, args=(main,), daemon=True)
    thread.start()
    assert ready.wait(30), "pysip2 did not start"
    yield box["peer"]
    stop.set()
    thread.join(timeout=30)


def _port(peer: Peer, monkeypatch: pytest.MonkeyPatch, **kw: object) -> Sip2FbsPort:
    monkeypatch.setenv("TEST_PYSIP2_PASSWORD", "secret")
    settings = Sip2Settings(
        host="127.0.0.1",
        port=peer.port,
        username="sip",
        password={"env": "TEST_PYSIP2_PASSWORD"},  # type: ignore[arg-type]
        timeout_s=10.0,
    )
    return Sip2FbsPort(settings, institution=AGENCY, cut_off_date=CUT_OFF, **kw)  # type: ignore[arg-type]


def test_login_once_per_connection_and_status(peer: Peer, monkeypatch: pytest.MonkeyPatch) -> None:
    fbs = _port(peer, monkeypatch)
    health = fbs.health()
    assert health.ok, health.detail  # pysip2's BX marks Fee Paid supported: we registered 37
    assert fbs.health().ok
    assert peer.logins == ["sip"]
    fbs.close()


def test_patron_information_with_fine_items(peer: Peer, monkeypatch: pytest.MonkeyPatch) -> None:
    fbs = _port(peer, monkeypatch)
    patron = fbs.authenticate(CARD, PIN)
    assert patron.id == CARD and patron.name == "Testlåner Aarhus"
    assert patron.blocked_for_debt and patron.fee_limit is not None
    assert patron.fee_limit.ore == 20000
    claims = fbs.claims(patron)
    assert [(c.id, c.amount.ore, c.payable_in) for c in claims] == [
        ("289097", 17500, PayableIn.FBS),
        ("289098", 2000, PayableIn.DEBTOR),
    ]
    assert claims[1].materials[0].title == "Krig og fred"
    assert claims[1].materials[0].author == "Tolstoj"
    fbs.close()


def test_fee_paid_per_fee_with_fee_id_and_transaction_id(
    peer: Peer, monkeypatch: pytest.MonkeyPatch
) -> None:
    fbs = _port(peer, monkeypatch)
    patron = fbs.authenticate(CARD, PIN)
    claims = fbs.claims(patron)[:1]
    (result,) = fbs.register_payment(patron, claims, "order-7")
    assert result.status is RegistrationStatus.REGISTERED
    (request,) = peer.fee_paid
    assert request.fee_identifier == "289097"
    assert request.transaction_id == "order-7-289097" == result.confirmation_id
    assert request.fee_amount == "175.00" and request.currency_type == "DKK"
    assert request.patron_identifier == CARD
    assert fbs.end_session(patron)
    fbs.close()


def test_a_duplicate_request_gets_the_same_reply_and_is_handled_once(peer: Peer) -> None:
    line = TcpTransport("127.0.0.1", peer.port, timeout_s=10)
    login = make("93", uid_algorithm="0", pwd_algorithm="0", CN="sip", CO="secret")
    assert decode(line.exchange(encode(login, sequence=0))).fixed["ok"] == "1"
    fee_paid = make(
        "37",
        transaction_date="20260101    120000",
        fee_type="01",
        payment_type="00",
        currency_type="DKK",
        BV="175.00",
        AO=AGENCY,
        AA=CARD,
        CG="289097",
        BK="dup",
    )
    request = encode(fee_paid, sequence=1)
    first = line.exchange(request)
    assert decode(first).sequence == 1 and decode(first).get("BK") == "dup"
    assert line.exchange(request) == first
    assert len(peer.fee_paid) == 1
    line.close()


class _CorruptOnce(TcpTransport):
    replies: list[str]

    def exchange(self, line: str) -> str:
        if line.startswith("63") and not hasattr(self, "replies"):
            self.replies = [super().exchange(line[:-1] + ("0" if line[-1] != "0" else "1"))]
            return self.replies[0]
        return super().exchange(line)


def test_a_bad_checksum_gets_96_and_the_adapter_sends_again(
    peer: Peer, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport = _CorruptOnce("127.0.0.1", peer.port, timeout_s=10)
    fbs = _port(peer, monkeypatch, transport=transport)
    patron = fbs.authenticate(CARD, PIN)
    assert transport.replies[0].startswith("96")  # pysip2's answer to the corrupted request
    assert patron.name == "Testlåner Aarhus"
    fbs.close()
