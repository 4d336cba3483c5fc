"""RestFbsPort against the FBS simulator over real HTTP on loopback: every path and fault."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from kiosk.domain import BlockKind, Claim, ClaimKind, PayableIn
from kiosk.fbs.port import FbsError, FbsErrorReason, RegistrationStatus
from kiosk.fbs.rest import ClaimClassifier, RestClient, RestFbsPort
from kiosk.fbs.simulator import seed as S
from kiosk.fbs.simulator.seed import seeded_state
from kiosk.fbs.simulator.server import SimulatorHandle, start_simulator
from kiosk.fbs.simulator.state import YEAR_END_MESSAGE
from kiosk.money import Money

CUT_OFF = date(2020, 9, 1)


@pytest.fixture
def sim() -> Iterator[SimulatorHandle]:
    with start_simulator(seeded_state(cut_off_date=CUT_OFF), sip2_port=None) as handle:
        yield handle


def make_port(sim: SimulatorHandle, **kw: object) -> RestFbsPort:
    options: dict = {"timeout_s": 10.0, "retries": 2, "backoff_s": 0.01, **kw}
    client = RestClient(sim.rest_url, sim.state.agency_id, "demo", "demo", **options)
    return RestFbsPort(client, ClaimClassifier.of(CUT_OFF, (), ["andet bibliotek"]))


@pytest.fixture
def port(sim: SimulatorHandle) -> Iterator[RestFbsPort]:
    p = make_port(sim)
    yield p
    p.close()


def claims_of(port: RestFbsPort, card: str, pin: str) -> list[Claim]:
    return port.claims(port.authenticate(card, pin))


def where(claims: list[Claim]) -> dict[str, PayableIn]:
    return {c.id: c.payable_in for c in claims}


# -- authentication ----------------------------------------------------------------------------
def test_login_once_and_reuse_the_session(sim: SimulatorHandle, port: RestFbsPort) -> None:
    patron = port.authenticate("3210000001", "0101")
    port.claims(patron)
    port.claims(patron)
    assert patron.id == str(S.OLD_ONLY) and patron.name == "Anna Andersen"
    assert sim.state.logins == 1


def test_one_connection_is_kept_whichever_thread_calls(
    sim: SimulatorHandle, port: RestFbsPort, caplog: pytest.LogCaptureFixture
) -> None:
    # The automat calls FBS from a pool of threads and the outbox worker. However many threads
    # called and however their calls overlapped, one connection stays open afterwards: a pool
    # that kept every connection it opened (or one per thread) grew when calls first overlapped
    # (or a pool thread first called), and the soak saw a file descriptor appear late.
    patron = port.authenticate("3210000001", "0101")
    threads = 3

    def calls(n: int, gate: threading.Barrier | None) -> None:
        if gate is not None:
            gate.wait(10.0)
        for _ in range(n):
            port.claims(patron)

    for _ in range(threads):  # one thread after another: nothing overlaps
        worker = threading.Thread(target=calls, args=(2, None))
        worker.start()
        worker.join(10.0)
    assert (sim.state.connections, sim.state.connections_open) == (1, 1)
    sim.state.faults.slow_s = 0.05  # now every call overlaps the other threads'
    gate = threading.Barrier(threads)
    workers = [threading.Thread(target=calls, args=(4, gate)) for _ in range(threads)]
    with caplog.at_level(logging.WARNING):
        for w in workers:
            w.start()
        for w in workers:
            w.join(10.0)
    assert sim.state.connections > 1  # the overlapping calls had connections of their own
    deadline = time.monotonic() + 5.0
    while sim.state.connections_open > 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sim.state.connections_open == 1  # and closed them when done
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_cpr_with_dash_logs_in(port: RestFbsPort) -> None:
    assert port.authenticate("010170-1111", "0101").id == str(S.OLD_ONLY)


@pytest.mark.parametrize(("card", "pin"), [("3210000001", "9999"), ("3219999999", "0101")])
def test_wrong_pin_and_unknown_patron_are_one_error(port: RestFbsPort, card: str, pin: str) -> None:
    # FBS answers INVALID to both; the citizen is told to check card number and PIN.
    with pytest.raises(FbsError) as caught:
        port.authenticate(card, pin)
    assert caught.value.reason is FbsErrorReason.WRONG_PIN


def test_empty_input_is_refused_without_a_call(sim: SimulatorHandle, port: RestFbsPort) -> None:
    with pytest.raises(FbsError) as caught:
        port.authenticate("  ", "0101")
    assert caught.value.reason is FbsErrorReason.WRONG_PIN
    assert sim.state.logins == 0


def test_locked_out(port: RestFbsPort) -> None:
    with pytest.raises(FbsError) as caught:
        port.authenticate("3210000011", "1111")
    assert caught.value.reason is FbsErrorReason.PATRON_LOCKED


def test_three_wrong_pins_lock_the_patron(port: RestFbsPort) -> None:
    reasons = []
    for _ in range(4):
        with pytest.raises(FbsError) as caught:
            port.authenticate("3210000002", "0000")
        reasons.append(caught.value.reason)
    assert reasons[:2] == [FbsErrorReason.WRONG_PIN] * 2
    assert reasons[2:] == [FbsErrorReason.PATRON_LOCKED] * 2


def test_lost_card_is_a_card_stolen_block(port: RestFbsPort) -> None:
    patron = port.authenticate("3210000006", "0606")
    assert [b.kind for b in patron.blocks] == [BlockKind.CARD_STOLEN]


def test_blocks(port: RestFbsPort) -> None:
    debt = port.authenticate("3210000004", "0404")
    assert debt.blocked_for_debt and debt.blocks[0].since is not None
    other = port.authenticate("3210000005", "0505")
    assert other.is_blocked and not other.blocked_for_debt
    assert other.blocks[0].kind is BlockKind.EXCLUSION
    assert not port.authenticate("3210000007", "0707").is_blocked


# -- classification -----------------------------------------------------------------------------
def test_each_seed_patron_is_classified(port: RestFbsPort) -> None:
    fbs, debtor, elsewhere = PayableIn.FBS, PayableIn.DEBTOR, PayableIn.ELSEWHERE
    assert where(claims_of(port, "3210000001", "0101")) == {"50011": fbs, "50012": fbs}
    assert set(where(claims_of(port, "3210000002", "0202")).values()) == {debtor}
    assert where(claims_of(port, "3210000003", "0303")) == {
        "50031": fbs, "50032": fbs, "50033": debtor, "50034": debtor,
    }  # fmt: skip
    assert where(claims_of(port, "3210000004", "0404")) == {
        "50041": fbs, "50042": fbs, "50043": debtor,
    }  # fmt: skip
    assert claims_of(port, "3210000007", "0707") == []
    # paid in the debtor system and reported back: not open; never transferred: elsewhere
    assert where(claims_of(port, "3210000010", "1010")) == {"50102": debtor, "50103": elsewhere}


def test_amounts_kinds_materials_and_danish_text(port: RestFbsPort) -> None:
    (comp,) = claims_of(port, "3210000009", "0909")
    assert comp.amount == Money(31275) and comp.kind is ClaimKind.COMPENSATION
    assert comp.materials[0].item_number == "5066778899"
    assert comp.materials[0].material_group == "Bog"
    danish = claims_of(port, "3210000008", "0808")
    assert danish[0].reason.endswith("(æøå ÆØÅ)")
    assert port.authenticate("3210000008", "0808").name == "Åse Ærø-Østergård"


def test_claims_are_oldest_first(port: RestFbsPort) -> None:
    claims = claims_of(port, "3210000003", "0303")
    assert [c.created for c in claims] == sorted(c.created for c in claims)


@pytest.mark.parametrize("wire", ["175.000", "175.5000000000", "1e2", "1.755E2"])
def test_every_exact_representation_of_an_amount_is_read_over_http(
    sim: SimulatorHandle, port: RestFbsPort, wire: str
) -> None:
    """Issue 13 item 4: the REST spec's amount is a double; each of these was refused."""
    exact = Money.parse(wire).ore
    sim.state.add_fee(
        S.NO_CLAIMS, 90001, kind="fee", reason="Gebyr", amount_ore=exact,
        created=date(2019, 1, 1), wire_amount=wire,
    )  # fmt: skip
    (claim,) = claims_of(port, "3210000007", "0707")
    assert claim.amount == Money(exact) and claim.is_selectable


def test_one_unreadable_fee_hides_no_other_claim_over_http(
    sim: SimulatorHandle, port: RestFbsPort, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 13 item 4: 19.999 made the whole fee list fail, so the citizen saw no claims."""
    readable = {c.id: c.amount for c in claims_of(port, "3210000003", "0303")}
    sim.state.add_fee(
        S.MIXED, 90002, kind="fee", reason="Gebyr", amount_ore=2000,
        created=date(2019, 1, 1), wire_amount="19.999",
    )  # fmt: skip
    claims = claims_of(port, "3210000003", "0303")
    assert {c.id: c.amount for c in claims if c.is_readable} == readable
    (odd,) = [c for c in claims if not c.is_readable]
    assert odd.id == "90002" and odd.amount is None and odd.payable_in is PayableIn.FBS
    assert "fee 90002 cannot be read" in caplog.text


# -- payment ------------------------------------------------------------------------------------
def test_payment_registers_and_is_idempotent(sim: SimulatorHandle, port: RestFbsPort) -> None:
    patron = port.authenticate("3210000001", "0101")
    claims = port.claims(patron)
    first = port.register_payment(patron, claims, "order-A")
    again = port.register_payment(patron, claims, "order-A")
    assert [r.status for r in first] == [RegistrationStatus.REGISTERED] * 2
    assert first == again and first[0].confirmation_id
    assert len(sim.state.registrations) == 2  # one registration per fee, not per call
    assert port.claims(patron) == []


def test_a_numeric_confirmation_id_is_kept_over_http(
    sim: SimulatorHandle, port: RestFbsPort
) -> None:
    """Issue 13 item 6: a confirmationId sent as a JSON number was dropped."""
    sim.state.numeric_confirmation_ids = True
    patron = port.authenticate("3210000001", "0101")
    results = port.register_payment(patron, port.claims(patron), "order-N")
    assert {r.confirmation_id for r in results} == {"1"}


def test_fee_paid_by_another_order(port: RestFbsPort) -> None:
    patron = port.authenticate("3210000009", "0909")
    claims = port.claims(patron)
    port.register_payment(patron, claims, "order-1")
    (result,) = port.register_payment(patron, claims, "order-2")
    assert result.status is RegistrationStatus.REGISTERED_BY_OTHER_ORDER and result.settled


def test_debtor_claim_is_not_allowed(sim: SimulatorHandle, port: RestFbsPort) -> None:
    patron = port.authenticate("3210000002", "0202")
    claims = port.claims(patron)
    results = port.register_payment(patron, claims[:1], "order-N")
    assert results[0].status is RegistrationStatus.REFUSED and results[0].message
    assert sim.state.registrations == []


def test_year_end_is_refused_with_the_message(sim: SimulatorHandle, port: RestFbsPort) -> None:
    patron = port.authenticate("3210000001", "0101")
    claims = port.claims(patron)
    sim.state.faults.year_end = True
    with pytest.raises(FbsError) as caught:
        port.register_payment(patron, claims, "order-Y")
    assert caught.value.reason is FbsErrorReason.REFUSED
    assert caught.value.message == YEAR_END_MESSAGE
    assert sim.state.registrations == []
    sim.state.faults.year_end = False
    results = port.register_payment(patron, claims, "order-Y")
    assert all(r.status is RegistrationStatus.REGISTERED for r in results)


def test_non_numeric_claim_id_is_refused_before_sending(
    sim: SimulatorHandle, port: RestFbsPort
) -> None:
    patron = port.authenticate("3210000001", "0101")
    bogus = Claim("AV-1", ClaimKind.FEE, Money(100), date(2020, 1, 1), PayableIn.FBS)
    with pytest.raises(FbsError) as caught:
        port.register_payment(patron, [bogus], "order-X")
    assert caught.value.reason is FbsErrorReason.PROTOCOL
    assert sim.state.registrations == []


# -- client session -----------------------------------------------------------------------------
def test_expired_session_logs_in_again_exactly_once(
    sim: SimulatorHandle, port: RestFbsPort
) -> None:
    patron = port.authenticate("3210000001", "0101")
    sim.state.expire_all_sessions()
    assert len(port.claims(patron)) == 2
    assert sim.state.logins == 2


def test_session_refused_again_after_re_login_is_client_auth(
    sim: SimulatorHandle, port: RestFbsPort
) -> None:
    patron = port.authenticate("3210000001", "0101")
    sim.state.faults.expire_sessions = True
    with pytest.raises(FbsError) as caught:
        port.claims(patron)
    assert caught.value.reason is FbsErrorReason.CLIENT_AUTH
    assert sim.state.logins == 2  # one re-login, no loop


def test_wrong_client_credentials(sim: SimulatorHandle) -> None:
    client = RestClient(sim.rest_url, sim.state.agency_id, "demo", "wrong", retries=0)
    port = RestFbsPort(client)
    with pytest.raises(FbsError) as caught:
        port.authenticate("3210000001", "0101")
    assert caught.value.reason is FbsErrorReason.CLIENT_AUTH
    assert not port.health().ok


# -- faults -------------------------------------------------------------------------------------
def test_http_500_is_unavailable_after_retries(sim: SimulatorHandle) -> None:
    slept: list[float] = []
    client = RestClient(
        sim.rest_url, sim.state.agency_id, "demo", "demo", retries=2, backoff_s=0.01,
        sleep=slept.append,
    )  # fmt: skip
    port = RestFbsPort(client)
    patron = port.authenticate("3210000001", "0101")
    sim.state.faults.http_500 = True
    with pytest.raises(FbsError) as caught:
        port.claims(patron)
    assert caught.value.reason is FbsErrorReason.UNAVAILABLE
    assert slept == [0.01, 0.02]  # exponential backoff, two retries


def test_health_reports_fbs_down_instead_of_raising(sim: SimulatorHandle) -> None:
    """The out-of-service screen and ``kiosk doctor`` ask health(); an HTTP 500 or a refused
    connection must come back as "not ok" with a reason, never as an exception."""
    port = make_port(sim)
    sim.state.faults.http_500 = True
    health = port.health()
    assert not health.ok and "HTTP 500" in health.detail
    sim.state.faults.http_500 = False
    assert port.health().ok


def test_authenticate_is_not_retried(sim: SimulatorHandle) -> None:
    slept: list[float] = []
    client = RestClient(sim.rest_url, sim.state.agency_id, "demo", "demo", sleep=slept.append)
    port = RestFbsPort(client)
    port.health()
    client._session_key(None)
    sim.state.faults.http_500 = True
    with pytest.raises(FbsError) as caught:
        port.authenticate("3210000001", "0101")
    assert caught.value.reason is FbsErrorReason.UNAVAILABLE and slept == []


def test_dropped_connection_is_unavailable(sim: SimulatorHandle, port: RestFbsPort) -> None:
    patron = port.authenticate("3210000001", "0101")
    sim.state.faults.drop_connections = True
    with pytest.raises(FbsError) as caught:
        port.claims(patron)
    assert caught.value.reason is FbsErrorReason.UNAVAILABLE
    sim.state.faults.drop_connections = False
    assert len(port.claims(patron)) == 2  # the session recovers on a new connection


def test_slow_reply_is_a_timeout(sim: SimulatorHandle) -> None:
    port = make_port(sim, timeout_s=0.2, retries=0)
    patron = port.authenticate("3210000001", "0101")
    sim.state.faults.slow_s = 5.0
    with pytest.raises(FbsError) as caught:
        port.claims(patron)
    assert caught.value.reason is FbsErrorReason.TIMEOUT


def test_payment_retried_after_a_drop_registers_once(
    sim: SimulatorHandle, port: RestFbsPort
) -> None:
    patron = port.authenticate("3210000001", "0101")
    claims = port.claims(patron)
    sim.state.faults.drop_connections = True
    with pytest.raises(FbsError):
        port.register_payment(patron, claims, "order-R")
    sim.state.faults.drop_connections = False
    results = port.register_payment(patron, claims, "order-R")
    assert all(r.status is RegistrationStatus.REGISTERED for r in results)
    assert len(sim.state.registrations) == 2


def test_payment_timeout_then_retry_with_same_order_is_safe(sim: SimulatorHandle) -> None:
    # The simulator registers the payment, but the reply comes too late: the outcome is
    # unknown to the automat. Asking again with the same orderId gives the same confirmation.
    port = make_port(sim, timeout_s=0.3, retries=0)
    patron = port.authenticate("3210000009", "0909")
    claims = port.claims(patron)
    sim.state.faults.slow_s = 1.0
    with pytest.raises(FbsError) as caught:
        port.register_payment(patron, claims, "order-T")
    assert caught.value.reason is FbsErrorReason.TIMEOUT
    sim.state.faults.slow_s = 0.0
    (result,) = port.register_payment(patron, claims, "order-T")
    assert result.status is RegistrationStatus.REGISTERED
    assert sim.state.registrations == [("order-T", 50091)]


def test_garbage_json_is_protocol(sim: SimulatorHandle, port: RestFbsPort) -> None:
    patron = port.authenticate("3210000001", "0101")
    sim.state.faults.garble_json = True
    with pytest.raises(FbsError) as caught:
        port.claims(patron)
    assert caught.value.reason is FbsErrorReason.PROTOCOL


def test_nothing_listening_is_unavailable() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    client = RestClient(f"http://127.0.0.1:{free}/rest/external/v1", "DK-999999", "d", "d",
                        retries=0)  # fmt: skip
    with pytest.raises(FbsError) as caught:
        RestFbsPort(client).authenticate("3210000001", "0101")
    assert caught.value.reason is FbsErrorReason.UNAVAILABLE


def test_unknown_patron_id_on_fees(port: RestFbsPort) -> None:
    from kiosk.domain import Patron

    port.authenticate("3210000001", "0101")
    with pytest.raises(FbsError) as caught:
        port.claims(Patron(id="424242", name=""))
    assert caught.value.reason is FbsErrorReason.UNKNOWN_PATRON


# -- TLS ----------------------------------------------------------------------------------------
def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_tls_is_verified_by_default(tmp_path: Path) -> None:
    import ssl

    cert, key = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    state = seeded_state(cut_off_date=CUT_OFF)
    with start_simulator(state, sip2_port=None, tls=context) as sim:
        assert sim.rest_url.startswith("https://")
        untrusted = make_port(sim, retries=0)
        with pytest.raises(FbsError) as caught:
            untrusted.authenticate("3210000001", "0101")
        assert caught.value.reason is FbsErrorReason.UNAVAILABLE
        trusted = make_port(sim)
        trusted.client.verify = str(cert)  # the library's own CA bundle, as in production
        assert trusted.authenticate("3210000001", "0101").id == str(S.OLD_ONLY)
        assert state.logins == 1
