"""Sip2FbsPort against the simulator's SIP2 TCP server over loopback: every path and fault."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date

import pytest

from kiosk.config.fbs import Sip2Settings
from kiosk.domain import BlockKind, PayableIn
from kiosk.fbs.port import FbsError, FbsErrorReason, RegistrationStatus
from kiosk.fbs.simulator import seed
from kiosk.fbs.simulator.seed import seeded_state
from kiosk.fbs.simulator.sip2_tcp import Sip2TcpServer
from kiosk.fbs.simulator.state import YEAR_END_MESSAGE, SimulatorState
from kiosk.fbs.sip2.adapter import Sip2FbsPort, transaction_id
from kiosk.fbs.sip2.codec import decode, encode, make
from kiosk.fbs.sip2.errors import Sip2TransportError
from kiosk.fbs.sip2.transport import ReceivedLine, TcpTransport
from kiosk.money import Money

CARD = {pid: f"321000{pid - 1000:04d}" for pid in range(1001, 1012)}
PIN = {pid: f"{pid - 1000:02d}" * 2 for pid in range(1001, 1012)}


@pytest.fixture
def state() -> SimulatorState:
    return seeded_state()


@pytest.fixture
def server(state: SimulatorState) -> Iterator[Sip2TcpServer]:
    with Sip2TcpServer(state) as srv:
        yield srv


def settings(server: Sip2TcpServer, monkeypatch: pytest.MonkeyPatch, **kw: object) -> Sip2Settings:
    monkeypatch.setenv("TEST_SIP2_PASSWORD", str(kw.pop("password", "sip2")))
    values = {
        "host": server.host,
        "port": server.port,
        "username": "sip2",
        "password": {"env": "TEST_SIP2_PASSWORD"},
        "timeout_s": 10.0,
    }
    values.update(kw)
    return Sip2Settings.model_validate(values)


@pytest.fixture
def fbs(
    server: Sip2TcpServer, state: SimulatorState, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Sip2FbsPort]:
    port = Sip2FbsPort(
        settings(server, monkeypatch), institution=state.agency_id, cut_off_date=state.cut_off_date
    )
    yield port
    port.close()


def test_health_logs_in_and_reports_online(fbs: Sip2FbsPort) -> None:
    health = fbs.health()
    assert health.ok and health.detail == "online"
    assert health.latency_ms is not None and health.latency_ms > 0


def test_wrong_client_password_is_client_auth(
    server: Sip2TcpServer, state: SimulatorState, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = Sip2FbsPort(
        settings(server, monkeypatch, password="wrong"),
        institution=state.agency_id,
        cut_off_date=state.cut_off_date,
    )
    with pytest.raises(FbsError) as err:
        port.authenticate(CARD[seed.OLD_ONLY], PIN[seed.OLD_ONLY])
    assert err.value.reason is FbsErrorReason.CLIENT_AUTH
    assert not port.health().ok


def test_authenticate_strips_the_ln_prefix_and_reads_name_and_fee_limit(fbs: Sip2FbsPort) -> None:
    patron = fbs.authenticate(CARD[seed.OLD_ONLY], PIN[seed.OLD_ONLY])
    assert patron.id == CARD[seed.OLD_ONLY]
    assert patron.name == "Anna Andersen"
    assert patron.fee_limit is not None and patron.fee_limit.ore == 20000
    assert not patron.blocks


def test_claims_are_classified_by_the_cut_off_date(fbs: Sip2FbsPort, state: SimulatorState) -> None:
    patron = fbs.authenticate(CARD[seed.MIXED], PIN[seed.MIXED])
    claims = fbs.claims(patron)
    fees = {str(f.fee_id): f for f in state.fees(seed.MIXED)}
    assert [c.id for c in claims] == list(fees)  # every fee, oldest first
    for claim in claims:
        fee = fees[claim.id]
        assert claim.amount.ore == fee.amount_ore
        assert claim.created == fee.creation_date
        expected = PayableIn.FBS if fee.creation_date < state.cut_off_date else PayableIn.DEBTOR
        assert claim.payable_in is expected
    assert {c.payable_in for c in claims} == {PayableIn.FBS, PayableIn.DEBTOR}
    # a second call asks FBS again (the first used the authentication's reply)
    assert [c.id for c in fbs.claims(patron)] == [c.id for c in claims]


def test_a_claim_on_the_cut_off_date_belongs_to_the_debtor_system(
    server: Sip2TcpServer, state: SimulatorState, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = state.fees(seed.MIXED)[0]
    port = Sip2FbsPort(
        settings(server, monkeypatch),
        institution=state.agency_id,
        cut_off_date=first.creation_date,
    )
    claims = port.claims(port.authenticate(CARD[seed.MIXED], PIN[seed.MIXED]))
    assert claims[0].payable_in is PayableIn.DEBTOR


@pytest.mark.parametrize("wire", ["175.005", "-25.00", "1.234,50", " "])  # " ": empty
def test_one_unreadable_fine_item_hides_no_other_and_login_works(
    fbs: Sip2FbsPort, state: SimulatorState, wire: str
) -> None:
    """Issue 13 item 4: each of these AV amounts made the login's 63 fail."""
    readable = {c.id: c.amount for c in fbs.claims(fbs.authenticate(CARD[1003], PIN[1003]))}
    state.add_fee(
        seed.MIXED, 90003, kind="fee", reason="Gebyr", amount_ore=2000,
        created=date(2021, 1, 1), wire_amount=wire,
    )  # fmt: skip
    claims = fbs.claims(fbs.authenticate(CARD[seed.MIXED], PIN[seed.MIXED]))
    assert {c.id: c.amount for c in claims if c.is_readable} == readable
    (odd,) = [c for c in claims if not c.is_readable]
    assert odd.id == "90003" and odd.created == date(2021, 1, 1)
    assert odd.payable_in is PayableIn.DEBTOR and not odd.is_selectable


def test_an_exact_odd_amount_in_a_fine_item_is_read(
    fbs: Sip2FbsPort, state: SimulatorState
) -> None:
    state.add_fee(
        seed.NO_CLAIMS, 90004, kind="fee", reason="Gebyr", amount_ore=17550,
        created=date(2019, 1, 1), wire_amount="1.755E2",
    )  # fmt: skip
    (claim,) = fbs.claims(fbs.authenticate(CARD[seed.NO_CLAIMS], PIN[seed.NO_CLAIMS]))
    assert claim.amount == Money(17550) and claim.is_selectable


def test_wrong_pin_and_unknown_patron(fbs: Sip2FbsPort) -> None:
    with pytest.raises(FbsError) as err:
        fbs.authenticate(CARD[seed.OLD_ONLY], "9999")
    assert err.value.reason is FbsErrorReason.WRONG_PIN
    with pytest.raises(FbsError) as err:
        fbs.authenticate("3219999999", "1234")
    assert err.value.reason is FbsErrorReason.UNKNOWN_PATRON


def test_blocks_from_patron_status(fbs: Sip2FbsPort) -> None:
    debt = fbs.authenticate(CARD[seed.DEBT_BLOCKED], PIN[seed.DEBT_BLOCKED])
    assert [b.kind for b in debt.blocks] == [BlockKind.DEBT_LIMIT] and debt.blocked_for_debt
    lost = fbs.authenticate(CARD[seed.CARD_LOST], PIN[seed.CARD_LOST])
    assert BlockKind.CARD_STOLEN in [b.kind for b in lost.blocks]
    other = fbs.authenticate(CARD[seed.OTHER_BLOCKED], PIN[seed.OTHER_BLOCKED])
    assert [b.kind for b in other.blocks] == [BlockKind.OTHER]


def test_register_payment_pays_each_fee_once_and_a_retry_is_idempotent(
    fbs: Sip2FbsPort, state: SimulatorState
) -> None:
    patron = fbs.authenticate(CARD[seed.OLD_ONLY], PIN[seed.OLD_ONLY])
    claims = fbs.claims(patron)
    results = fbs.register_payment(patron, claims, "order-1")
    assert [r.status for r in results] == [RegistrationStatus.REGISTERED] * len(claims)
    assert [r.confirmation_id for r in results] == [transaction_id("order-1", c.id) for c in claims]
    assert len(state.registrations) == len(claims)
    again = fbs.register_payment(patron, claims, "order-1")
    assert [r.status for r in again] == [RegistrationStatus.REGISTERED] * len(claims)
    assert len(state.registrations) == len(claims)  # nothing paid twice
    assert fbs.claims(patron) == []


def test_a_debtor_claim_is_refused_with_fbs_text(fbs: Sip2FbsPort, state: SimulatorState) -> None:
    patron = fbs.authenticate(CARD[seed.MIXED], PIN[seed.MIXED])
    debtor = [c for c in fbs.claims(patron) if c.payable_in is PayableIn.DEBTOR]
    (result,) = fbs.register_payment(patron, debtor[:1], "order-d")
    assert result.status is RegistrationStatus.REFUSED and "debitor" in result.message
    assert state.registrations == []


def test_year_end_refusal_is_reported_and_nothing_is_registered(
    fbs: Sip2FbsPort, state: SimulatorState
) -> None:
    patron = fbs.authenticate(CARD[seed.OLD_ONLY], PIN[seed.OLD_ONLY])
    claims = fbs.claims(patron)
    state.faults.year_end = True
    results = fbs.register_payment(patron, claims, "order-y")
    assert {r.status for r in results} == {RegistrationStatus.REFUSED}
    assert all(r.message == YEAR_END_MESSAGE for r in results)
    assert state.registrations == []
    state.faults.clear()
    assert {r.status for r in fbs.register_payment(patron, claims, "order-y")} == {
        RegistrationStatus.REGISTERED
    }


def test_garbled_reply_checksums_never_count_as_registered(
    fbs: Sip2FbsPort, state: SimulatorState
) -> None:
    patron = fbs.authenticate(CARD[seed.OLD_ONLY], PIN[seed.OLD_ONLY])
    claims = fbs.claims(patron)
    state.faults.garble_checksum = True
    with pytest.raises(FbsError) as err:
        fbs.authenticate(CARD[seed.OLD_ONLY], PIN[seed.OLD_ONLY])
    assert err.value.reason is FbsErrorReason.PROTOCOL
    results = fbs.register_payment(patron, claims, "order-g")
    # FBS registered the first fee, but its reply was garbled: not counted; the rest not tried
    assert {r.status for r in results} == {RegistrationStatus.NOT_REGISTERED}
    state.faults.clear()
    retry = fbs.register_payment(patron, claims, "order-g")  # same order → same BK
    assert {r.status for r in retry} == {RegistrationStatus.REGISTERED}
    assert sorted(fee for _, fee in state.registrations) == sorted(int(c.id) for c in claims)


def test_dropped_connection_is_unavailable_then_reconnects_and_logs_in_again(
    fbs: Sip2FbsPort, state: SimulatorState
) -> None:
    patron = fbs.authenticate(CARD[seed.OLD_ONLY], PIN[seed.OLD_ONLY])
    claims = fbs.claims(patron)
    state.faults.drop_connections = True
    with pytest.raises(FbsError) as err:
        fbs.authenticate(CARD[seed.OLD_ONLY], PIN[seed.OLD_ONLY])
    assert err.value.reason is FbsErrorReason.UNAVAILABLE
    results = fbs.register_payment(patron, claims, "order-x")
    assert {r.status for r in results} == {RegistrationStatus.NOT_REGISTERED}
    assert state.registrations == []
    state.faults.clear()
    assert fbs.health().ok  # a new connection, logged in again (the server requires it)


def test_an_idle_connection_closed_by_the_server_is_reopened_for_reads(
    fbs: Sip2FbsPort, server: Sip2TcpServer
) -> None:
    assert fbs.health().ok
    server.drop_all()
    patron = fbs.authenticate(CARD[seed.OLD_ONLY], PIN[seed.OLD_ONLY])
    assert patron.name == "Anna Andersen"


def test_slow_reply_times_out_and_the_late_reply_is_never_taken_for_the_next(
    server: Sip2TcpServer, state: SimulatorState, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = Sip2FbsPort(
        settings(
            server, monkeypatch, timeout_s=1.0
        ),  # short enough to test, long enough on a loaded machine
        institution=state.agency_id,
        cut_off_date=state.cut_off_date,
    )
    assert port.health().ok
    state.faults.slow_s = 2.5
    with pytest.raises(FbsError) as err:
        port.authenticate(CARD[seed.OLD_ONLY], PIN[seed.OLD_ONLY])
    assert err.value.reason is FbsErrorReason.TIMEOUT
    state.faults.clear()
    patron = port.authenticate(CARD[seed.MIXED], PIN[seed.MIXED])
    assert patron.name != "Anna Andersen"
    port.close()


class _CorruptFirstRequest(TcpTransport):
    """Flips one character of the first non-login request: the server must answer 96."""

    corrupted = 0

    def exchange(self, line: str) -> str:
        if not self.corrupted and not line.startswith("93"):
            self.corrupted += 1
            line = line.replace("Y  ", "N  ", 1) if "Y  " in line else "99" + line[2:]
            reply = super().exchange(line)
            assert reply.startswith("96")
            return reply
        return super().exchange(line)


def test_a_96_from_the_server_makes_the_adapter_send_the_request_again(
    server: Sip2TcpServer, state: SimulatorState, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport = _CorruptFirstRequest(server.host, server.port, timeout_s=10)
    port = Sip2FbsPort(
        settings(server, monkeypatch),
        institution=state.agency_id,
        cut_off_date=state.cut_off_date,
        transport=transport,
    )
    patron = port.authenticate(CARD[seed.OLD_ONLY], PIN[seed.OLD_ONLY])
    assert transport.corrupted == 1 and patron.name == "Anna Andersen"


class _WrongSequence(TcpTransport):
    def exchange(self, line: str) -> str:
        reply = super().exchange(line)
        if reply.startswith("64"):
            message = decode(reply)
            return encode(message, sequence=(message.sequence + 1) % 10)
        return reply


def test_a_reply_with_another_sequence_number_is_an_error(
    server: Sip2TcpServer, state: SimulatorState, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = Sip2FbsPort(
        settings(server, monkeypatch),
        institution=state.agency_id,
        cut_off_date=state.cut_off_date,
        transport=_WrongSequence(server.host, server.port, timeout_s=10),
    )
    with pytest.raises(FbsError) as err:
        port.authenticate(CARD[seed.OLD_ONLY], PIN[seed.OLD_ONLY])
    assert err.value.reason is FbsErrorReason.PROTOCOL
    assert not port.transport.connected  # closed, so a late reply cannot be read as the next


def test_the_server_repeats_its_reply_to_a_duplicate_request_without_paying_twice(
    server: Sip2TcpServer, state: SimulatorState
) -> None:
    line = TcpTransport(server.host, server.port, timeout_s=10)
    assert line.exchange(
        encode(make("93", uid_algorithm="0", pwd_algorithm="0", CN="sip2", CO="sip2"), sequence=0)
    ).startswith("941")
    fee = state.fees(seed.OLD_ONLY)[0]
    fee_paid = encode(
        make(
            "37",
            transaction_date="20260101    120000",
            fee_type="01",
            payment_type="00",
            currency_type="DKK",
            BV=f"{fee.amount_ore // 100}.{fee.amount_ore % 100:02d}",
            AO=state.agency_id,
            AA=CARD[seed.OLD_ONLY],
            CG=str(fee.fee_id),
            BK="dup-1",
        ),
        sequence=1,
    )
    first = line.exchange(fee_paid)
    assert decode(first).fixed["payment_accepted"] == "Y"
    assert line.exchange(fee_paid) == first
    assert line.exchange(encode(make("97"))) == first
    assert state.registrations == [("dup-1", fee.fee_id)]
    line.close()


def test_requests_before_login_close_the_connection(server: Sip2TcpServer) -> None:
    line = TcpTransport(server.host, server.port, timeout_s=10)
    with pytest.raises(Sip2TransportError) as err:
        line.exchange(
            encode(make("35", transaction_date="20260101    120000", AO="x", AA="1"), sequence=0)
        )
    assert "connection lost" in str(err.value)


def test_concurrent_callers_share_one_connection_safely(fbs: Sip2FbsPort) -> None:
    errors: list[BaseException] = []
    names: list[str] = []

    def worker(pid: int) -> None:
        try:
            for _ in range(10):
                names.append(fbs.authenticate(CARD[pid], PIN[pid]).name)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(p,)) for p in (1001, 1002, 1003, 1004)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert len(names) == 40


def test_end_session(fbs: Sip2FbsPort) -> None:
    patron = fbs.authenticate(CARD[seed.OLD_ONLY], PIN[seed.OLD_ONLY])
    assert fbs.end_session(patron) is True


def test_sent_patron_id_can_carry_the_prefix(
    server: Sip2TcpServer, state: SimulatorState, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = Sip2FbsPort(
        settings(server, monkeypatch, send_patron_id_prefix=True),
        institution=state.agency_id,
        cut_off_date=date(2000, 1, 1),
    )
    patron = port.authenticate(CARD[seed.OLD_ONLY], PIN[seed.OLD_ONLY])
    assert port._aa(patron) == "LN:" + CARD[seed.OLD_ONLY]
    assert len(port.claims(patron)) == len(state.fees(seed.OLD_ONLY))


def test_a_title_cp850_cannot_hold_arrives_as_question_marks_over_tcp(
    fbs: Sip2FbsPort, state: SimulatorState
) -> None:
    """Raw TCP is cp850 on the wire: the server can only send "?" for "–", and the checksum
    is checked over the bytes as they came."""
    state.add_fee(
        seed.NO_CLAIMS, 90006, kind="fee", reason="Ørken – ’Łódź’", amount_ore=2500,
        created=date(2019, 2, 1),
    )  # fmt: skip
    (claim,) = fbs.claims(fbs.authenticate(CARD[seed.NO_CLAIMS], PIN[seed.NO_CLAIMS]))
    assert claim.reason == "Ørken ? ??ód??"  # Ø and ó are cp850; –, ’, Ł and ź are not


class _Recording(TcpTransport):
    def __init__(self, *args: object, **kw: object) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.sent: list[str] = []

    def exchange(self, line: str) -> str:
        self.sent.append(line)
        return super().exchange(line)


def test_with_the_prefix_on_requests_about_the_patron_carry_it_and_the_login_does_not(
    server: Sip2TcpServer, state: SimulatorState, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13 item 6: the login's 63 sends what the citizen showed (a card number or a CPR;
    "LN:" names a library card number, and FBS answers a bare one with its LN: id, as recorded);
    the 63, 37 and 35 about the patron FBS named send that id with the prefix."""
    transport = _Recording(server.host, server.port, timeout_s=10)
    port = Sip2FbsPort(
        settings(server, monkeypatch, send_patron_id_prefix=True),
        institution=state.agency_id,
        cut_off_date=state.cut_off_date,
        transport=transport,
    )
    card, cpr = CARD[seed.OLD_ONLY], state.patron(seed.OLD_ONLY).cpr
    patron = port.authenticate(card, PIN[seed.OLD_ONLY])
    port.claims(patron)  # read with the login: no request
    claims = port.claims(patron)
    assert port.register_payment(patron, claims[:1], "prefix-1")[0].settled
    assert port.end_session(patron)
    assert port.authenticate(cpr, PIN[seed.OLD_ONLY]).id == card
    sent = [decode(line) for line in transport.sent if line[:2] in ("63", "37", "35")]
    assert [(m.code, m.get("AA"), "AD" in m.fields) for m in sent] == [
        ("63", card, True),
        ("63", "LN:" + card, False),
        ("37", "LN:" + card, False),
        ("35", "LN:" + card, False),
        ("63", cpr, True),
    ]


class _Bare96ToTheFirstFeePaid(TcpTransport):
    """Garbles the first 37 so the server answers 96, and hands that 96 on without its AZ, as a
    server may send it."""

    garbled = 0

    def exchange(self, line: str) -> str:
        if not self.garbled and line.startswith("37"):
            self.garbled += 1
            assert super().exchange(line.replace("|BK", "|BQ", 1)).startswith("96")
            return ReceivedLine("96", b"96")
        return super().exchange(line)


def test_a_96_without_az_resends_the_fee_paid_and_it_is_registered_once(
    server: Sip2TcpServer, state: SimulatorState, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13 item 6: the payment stayed not_registered instead of being sent again."""
    transport = _Bare96ToTheFirstFeePaid(server.host, server.port, timeout_s=10)
    port = Sip2FbsPort(
        settings(server, monkeypatch),
        institution=state.agency_id,
        cut_off_date=state.cut_off_date,
        transport=transport,
    )
    patron = port.authenticate(CARD[seed.OLD_ONLY], PIN[seed.OLD_ONLY])
    claim = port.claims(patron)[0]
    (result,) = port.register_payment(patron, [claim], "bare-96")
    assert transport.garbled == 1 and result.status is RegistrationStatus.REGISTERED
    assert state.registrations == [(transaction_id("bare-96", claim.id), int(claim.id))]


class _NoSequenceNumber(TcpTransport):
    """Takes the AY out of every 64 and puts a valid AZ back."""

    def exchange(self, line: str) -> str:
        reply = super().exchange(line)
        if not reply.startswith("64"):
            return reply
        body = reply[:-9] + "AZ"  # drop "AYnAZxxxx", keep the AZ marker
        text = body + f"{-sum(body.encode('cp850')) & 0xFFFF:04X}"
        return ReceivedLine(text, text.encode("cp850"))


def test_a_reply_with_az_but_no_ay_is_refused_over_tcp(
    server: Sip2TcpServer, state: SimulatorState, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = Sip2FbsPort(
        settings(server, monkeypatch),
        institution=state.agency_id,
        cut_off_date=state.cut_off_date,
        transport=_NoSequenceNumber(server.host, server.port, timeout_s=10),
    )
    with pytest.raises(FbsError) as err:
        port.authenticate(CARD[seed.OLD_ONLY], PIN[seed.OLD_ONLY])
    assert err.value.reason is FbsErrorReason.PROTOCOL
