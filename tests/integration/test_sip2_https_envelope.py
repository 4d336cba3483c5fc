"""Sip2FbsPort over FBS's HTTPS XML envelope (the simulator's HTTP server, real TLS), and raw SIP2
over TLS. The certificate is made per test session for 127.0.0.1 and trusted explicitly."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.config.fbs import Sip2Settings
from kiosk.fbs.port import FbsError, FbsErrorReason, RegistrationStatus
from kiosk.fbs.simulator import seed
from kiosk.fbs.simulator.seed import seeded_state
from kiosk.fbs.simulator.server import SimulatorHandle, start_simulator
from kiosk.fbs.simulator.sip2_tcp import Sip2TcpServer
from kiosk.fbs.simulator.state import YEAR_END_MESSAGE, SimMaterial, SimPatron, SimulatorState
from kiosk.fbs.sip2.adapter import Sip2FbsPort
from kiosk.fbs.sip2.errors import Sip2ProtocolError, Sip2TransportError
from kiosk.fbs.sip2.transport import HttpsEnvelopeTransport, TcpTransport, parse_envelope_reply

CARD, PIN = "3210000001", "0101"


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fbs-simulator")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
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
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def server_context(cert: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, cert))
    return context


@pytest.fixture
def state() -> SimulatorState:
    return seeded_state()


@pytest.fixture
def simulator(state: SimulatorState, cert: tuple[Path, Path]) -> Iterator[SimulatorHandle]:
    with start_simulator(state, sip2_port=None, tls=server_context(cert)) as handle:
        yield handle


class RecordingTransport(HttpsEnvelopeTransport):
    def __init__(self, *args: object, **kw: object) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.sent: list[str] = []

    def exchange(self, line: str) -> str:
        self.sent.append(line)
        return super().exchange(line)


def adapter(
    simulator: SimulatorHandle,
    cert: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    *,
    password: str = "sip2",
    timeout_s: float = 10.0,
    verify: bool | str | None = None,
) -> Sip2FbsPort:
    monkeypatch.setenv("TEST_ENVELOPE_PASSWORD", password)
    settings = Sip2Settings.model_validate(
        {
            "transport": "https",
            "url": simulator.sip2_envelope_url,
            "username": "sip2",
            "password": {"env": "TEST_ENVELOPE_PASSWORD"},
            "timeout_s": timeout_s,
        }
    )
    transport = RecordingTransport(
        settings.url,
        settings.username,
        settings.password.get(),
        timeout_s=timeout_s,
        verify=str(cert[0]) if verify is None else verify,
    )
    state = simulator.state
    return Sip2FbsPort(
        settings,
        institution=state.agency_id,
        cut_off_date=state.cut_off_date,
        transport=transport,
    )


def test_whole_flow_over_the_envelope_without_a_login_message(
    simulator: SimulatorHandle, cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    fbs = adapter(simulator, cert, monkeypatch)
    assert fbs.health().ok
    patron = fbs.authenticate(CARD, PIN)
    assert patron.name == "Anna Andersen"
    claims = fbs.claims(patron)
    results = fbs.register_payment(patron, claims, "env-1")
    assert {r.status for r in results} == {RegistrationStatus.REGISTERED}
    assert len(simulator.state.registrations) == len(claims)
    assert not any(line.startswith("93") for line in fbs.transport.sent)  # type: ignore[attr-defined]
    fbs.close()


def test_text_is_xml_escaped_both_ways(
    simulator: SimulatorHandle, cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    simulator.state.add_patron(
        SimPatron(9001, "3219990001", "0101019999", "4242", 'Åse & <Søn> "ÆØ"')
    )
    fbs = adapter(simulator, cert, monkeypatch)
    assert fbs.authenticate("3219990001", "4242").name == 'Åse & <Søn> "ÆØ"'
    fbs.close()


def test_envelope_error_for_wrong_credentials_is_client_auth(
    simulator: SimulatorHandle, cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    fbs = adapter(simulator, cert, monkeypatch, password="nope & <x>")
    with pytest.raises(FbsError) as err:
        fbs.authenticate(CARD, PIN)
    assert err.value.reason is FbsErrorReason.CLIENT_AUTH
    fbs.close()


def test_an_untrusted_certificate_is_refused(
    simulator: SimulatorHandle, cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    fbs = adapter(simulator, cert, monkeypatch, verify=True)  # system CAs only
    with pytest.raises(FbsError) as err:
        fbs.authenticate(CARD, PIN)
    assert err.value.reason is FbsErrorReason.UNAVAILABLE
    fbs.close()


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("http_500", FbsErrorReason.UNAVAILABLE),
        ("drop_connections", FbsErrorReason.UNAVAILABLE),
        ("garble_checksum", FbsErrorReason.PROTOCOL),
    ],
)
def test_faults_give_typed_errors_and_never_a_registration(
    simulator: SimulatorHandle,
    cert: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
    reason: FbsErrorReason,
) -> None:
    state = simulator.state
    fbs = adapter(simulator, cert, monkeypatch)
    patron = fbs.authenticate(CARD, PIN)
    claims = fbs.claims(patron)
    setattr(state.faults, fault, True)
    with pytest.raises(FbsError) as err:
        fbs.authenticate(CARD, PIN)
    assert err.value.reason is reason
    results = fbs.register_payment(patron, claims, "env-f")
    assert {r.status for r in results} == {RegistrationStatus.NOT_REGISTERED}
    state.faults.clear()
    retry = fbs.register_payment(patron, claims, "env-f")
    assert {r.status for r in retry} == {RegistrationStatus.REGISTERED}
    assert sorted(f for _, f in state.registrations) == sorted(int(c.id) for c in claims)
    fbs.close()


def test_slow_envelope_reply_times_out(
    simulator: SimulatorHandle, cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    fbs = adapter(simulator, cert, monkeypatch, timeout_s=1.0)
    simulator.state.faults.slow_s = 2.5
    with pytest.raises(FbsError) as err:
        fbs.authenticate(CARD, PIN)
    assert err.value.reason is FbsErrorReason.TIMEOUT
    simulator.state.faults.clear()
    fbs.close()


def test_year_end_refusal_over_the_envelope(
    simulator: SimulatorHandle, cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    fbs = adapter(simulator, cert, monkeypatch)
    patron = fbs.authenticate(CARD, PIN)
    claims = fbs.claims(patron)
    simulator.state.faults.year_end = True
    results = fbs.register_payment(patron, claims, "env-y")
    assert [r.message for r in results] == [YEAR_END_MESSAGE] * len(claims)
    assert {r.status for r in results} == {RegistrationStatus.REFUSED}
    fbs.close()


def test_envelope_reply_parsing() -> None:
    ns = 'xmlns:ns2="http://axiell.com/Schema/sip.xsd"'
    assert (
        parse_envelope_reply(f"<ns2:sip {ns}><response>941&amp;</response></ns2:sip>".encode())
        == "941&"
    )
    error = "<error>Required field: LOGIN_PASSWORD must be set!</error>"
    with pytest.raises(Sip2TransportError) as err:
        parse_envelope_reply(f"<ns2:sip {ns}>{error}</ns2:sip>".encode())
    assert err.value.reason == "client_auth"
    for bad in (b"", b"<x", f"<ns2:sip {ns}/>".encode()):
        with pytest.raises(Sip2ProtocolError):
            parse_envelope_reply(bad)


def test_envelope_request_body_is_the_documented_form() -> None:
    transport = HttpsEnvelopeTransport("https://x/rest/sip2/DK-775100", 'a"b', "p<&>")
    body = transport.envelope("9900802.00|&").decode("utf-8")
    assert body == (
        '<ns1:sip password="p&lt;&amp;&gt;" login="a&quot;b" '
        'xmlns:ns1="http://axiell.com/Schema/sip.xsd"><request>9900802.00|&amp;</request></ns1:sip>'
    )


def test_raw_sip2_over_tls(
    state: SimulatorState, cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_TLS_PASSWORD", "sip2")
    with Sip2TcpServer(state, ssl_context=server_context(cert)) as server:
        settings = Sip2Settings.model_validate(
            {
                "host": server.host,
                "port": server.port,
                "tls": True,
                "username": "sip2",
                "password": {"env": "TEST_TLS_PASSWORD"},
            }
        )
        client = ssl.create_default_context(cafile=str(cert[0]))
        transport = TcpTransport(server.host, server.port, tls=True, ssl_context=client)
        fbs = Sip2FbsPort(
            settings,
            institution=state.agency_id,
            cut_off_date=state.cut_off_date,
            transport=transport,
        )
        patron = fbs.authenticate(CARD, PIN)
        assert len(fbs.claims(patron)) == len(state.fees(seed.OLD_ONLY))
        fbs.close()
        untrusted = Sip2FbsPort(
            settings, institution=state.agency_id, cut_off_date=state.cut_off_date
        )
        health = untrusted.health()  # trusts only the system CAs
        assert not health.ok and health.detail.startswith("unavailable")
        untrusted.close()


TITLE = "Ørkenens sønner – ’Łódź’"


@pytest.mark.parametrize("fbs_sums_over", ["utf-8", "cp850"])
def test_a_title_outside_cp850_never_fails_a_login_over_the_envelope(
    simulator: SimulatorHandle,
    cert: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    fbs_sums_over: str,
) -> None:
    """Issue 13 item 5: "cannot encode message in cp850" refused such a reply, so the patron
    could not log in. Error detection is on; FBS's checksum character set is not public."""
    state = simulator.state
    state.envelope_checksum_encoding = fbs_sums_over
    state.add_fee(
        seed.OLD_ONLY, 90005, kind="fee", reason="Gebyr", amount_ore=2500,
        created=dt.date(2019, 2, 1),
        materials=[SimMaterial(TITLE, "Forfatter", "5012345678", "870970-basis:1")],
    )  # fmt: skip
    fbs = adapter(simulator, cert, monkeypatch)
    patron = fbs.authenticate(CARD, PIN)
    claims = {c.id: c for c in fbs.claims(patron)}
    assert claims["90005"].reason == TITLE and claims["90005"].is_selectable
    named = "envelope_checksum_encoding = 'cp850'" in caplog.text
    assert named is (fbs_sums_over == "cp850")
    results = fbs.register_payment(patron, [claims["90005"]], "env-title")
    assert {r.status for r in results} == {RegistrationStatus.REGISTERED}
    fbs.close()
