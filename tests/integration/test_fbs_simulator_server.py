"""The simulator's HTTP server: REST replies match the FBS adapter spec's schemas, the SIP2
envelope is parsed safely and checks credentials, faults and the ``kiosk fbs-sim`` launcher."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from kiosk.fbs.simulator import envelope
from kiosk.fbs.simulator import seed as S
from kiosk.fbs.simulator.seed import seeded_state
from kiosk.fbs.simulator.server import SimulatorHandle, start_simulator

# Field names, types and required fields copied from the DPL FBS adapter spec
# (fbs-adapter.yaml: FeeV2, FeeMaterialV2, MaterialGroup, AuthenticatedPatronV10, PatronV9,
# BlockStatus). Only what the automat reads, plus every required field.
SCHEMAS: dict[str, dict[str, Any]] = {
    "FeeV2": {
        "required": ["payableByClient", "amount", "materials", "reasonMessage", "type",
                     "creationDate", "feeId"],
        "properties": {"amount": "number", "creationDate": "string", "dueDate": "string",
                       "feeId": "integer", "materials": ["#FeeMaterialV2"], "paidDate": "string",
                       "payableByClient": "boolean", "reasonMessage": "string", "type": "string"},
    },
    "FeeMaterialV2": {
        "required": ["recordId", "materialGroup", "materialItemNumber"],
        "properties": {"materialGroup": "#MaterialGroup", "materialItemNumber": "string",
                       "recordId": "string"},
    },
    "MaterialGroup": {
        "required": ["name"], "properties": {"name": "string", "description": "string"},
    },
    "AuthenticatedPatronV10": {
        "required": ["authenticateStatus"],
        "properties": {"authenticateStatus": "string", "patron": "#PatronV9"},
    },
    "PatronV9": {
        "required": ["preferredPickupBranch", "patronId", "guardianVisibility", "receiveEmail",
                     "receiveSms", "hasNationalRegistrySynchronizationConsent",
                     "receivePostalMail", "defaultInterestPeriod", "resident"],
        "properties": {"patronId": "integer", "name": "string", "blockStatus": ["#BlockStatus"],
                       "preferredPickupBranch": "string", "guardianVisibility": "boolean",
                       "receiveEmail": "boolean", "receiveSms": "boolean",
                       "hasNationalRegistrySynchronizationConsent": "boolean",
                       "receivePostalMail": "boolean", "defaultInterestPeriod": "integer",
                       "resident": "boolean"},
    },
    "BlockStatus": {
        "required": ["blockedReason", "blockedSince", "message"],
        "properties": {"blockedReason": "string", "blockedSince": "string", "message": "string"},
    },
}  # fmt: skip
_TYPES = {"string": str, "integer": int, "boolean": bool, "number": (int, float)}


def check(value: Any, schema: str | list[str], where: str = "$") -> None:
    """Fail with the path of the first field that does not match the schema."""
    if isinstance(schema, list):
        assert isinstance(value, list), f"{where}: not an array"
        for i, item in enumerate(value):
            check(item, schema[0], f"{where}[{i}]")
    elif schema.startswith("#"):
        definition = SCHEMAS[schema[1:]]
        assert isinstance(value, dict), f"{where}: not an object"
        for name in definition["required"]:
            assert name in value, f"{where}: {schema[1:]} lacks required {name}"
        for name, item in value.items():
            if name in definition["properties"]:
                check(item, definition["properties"][name], f"{where}.{name}")
    else:
        ok = isinstance(value, _TYPES[schema]) and (schema == "boolean") == (type(value) is bool)
        assert ok, f"{where}: {value!r} is not {schema}"


@pytest.fixture
def sim() -> Iterator[SimulatorHandle]:
    with start_simulator(seeded_state(), sip2_port=None) as handle:
        yield handle


@pytest.fixture
def http(sim: SimulatorHandle) -> Iterator[requests.Session]:
    session = requests.Session()
    key = session.post(
        f"{sim.rest_url}/{sim.state.agency_id}/authentication/login",
        json={"username": "demo", "password": "demo"},
        timeout=30,
    ).json()["sessionKey"]
    session.headers["X-Session"] = key
    yield session
    session.close()


def api(sim: SimulatorHandle, path: str) -> str:
    return f"{sim.rest_url}/{sim.state.agency_id}{path}"


def test_every_fee_of_every_seed_patron_matches_FeeV2(
    sim: SimulatorHandle, http: requests.Session
) -> None:
    seen = 0
    for patron in sim.state.patrons():
        reply = http.get(
            api(sim, f"/patron/{patron.patron_id}/fees"),
            params={"includepaid": "true", "includenonpayable": "true"},
            timeout=30,
        )
        assert reply.status_code == 200
        check(reply.json(), ["#FeeV2"])
        seen += len(reply.json())
    assert seen == 21


def test_amounts_are_exact_decimal_numbers(sim: SimulatorHandle, http: requests.Session) -> None:
    reply = http.get(
        api(sim, f"/patron/{S.COMPENSATION}/fees"),
        params={"includepaid": "false", "includenonpayable": "true"},
        timeout=30,
    )
    assert b'"amount":312.75' in reply.content
    assert json.loads(reply.content, parse_float=str)[0]["amount"] == "312.75"


def test_authenticate_replies_match_the_spec(sim: SimulatorHandle, http: requests.Session) -> None:
    url = api(sim, "/patrons/authenticate")
    for card, pin, status in [
        ("3210000004", "0404", "VALID"),
        ("3210000006", "0606", "VALID"),
        ("3210000004", "0000", "INVALID"),
        ("3219999999", "0000", "INVALID"),
        ("3210000011", "1111", "LOANER_LOCKED_OUT"),
    ]:
        body = http.post(url, json={"libraryCardNumber": card, "pincode": pin}, timeout=30).json()
        check(body, "#AuthenticatedPatronV10")
        assert body["authenticateStatus"] == status
        assert ("patron" in body) == (status == "VALID")


def test_requests_need_a_session_and_the_right_agency(
    sim: SimulatorHandle, http: requests.Session
) -> None:
    params = {"includepaid": "false", "includenonpayable": "true"}
    fees = f"/patron/{S.OLD_ONLY}/fees"
    assert requests.get(api(sim, fees), params=params, timeout=30).status_code == 401
    other = f"{sim.rest_url}/DK-000001{fees}"
    assert http.get(other, params=params, timeout=30).status_code == 404
    assert http.get(api(sim, fees), timeout=30).status_code == 400  # flags are required
    assert http.get(api(sim, "/patron/x/fees"), params=params, timeout=30).status_code == 404


@pytest.mark.parametrize(
    "body",
    [{"orderId": "o", "feeIds": [1.5]}, {"orderId": 7, "feeIds": [50011]}, {"feeIds": [50011]},
     {"orderId": "o", "feeIds": [True]}, {"orderId": "o", "feeIds": []}],
)  # fmt: skip
def test_malformed_payments_are_400_and_change_nothing(
    sim: SimulatorHandle, http: requests.Session, body: dict[str, Any]
) -> None:
    reply = http.post(api(sim, f"/patron/{S.OLD_ONLY}/payment"), json=body, timeout=30)
    assert reply.status_code == 400 and reply.json()["message"]
    assert sim.state.registrations == []


def test_keep_alive_reuses_one_connection(sim: SimulatorHandle, http: requests.Session) -> None:
    params = {"includepaid": "false", "includenonpayable": "true"}
    replies = [
        http.get(api(sim, f"/patron/{S.OLD_ONLY}/fees"), params=params, timeout=30)
        for _ in range(5)
    ]
    assert all(r.status_code == 200 for r in replies)
    assert all(r.headers.get("Connection", "").lower() != "close" for r in replies)
    assert len(http.get_adapter("http://").poolmanager.pools) == 1


# -- SIP2 envelope -----------------------------------------------------------------------------
def post_envelope(sim: SimulatorHandle, body: bytes) -> requests.Response:
    return requests.post(
        sim.sip2_envelope_url, data=body, headers={"Content-Type": "application/xml"}, timeout=30
    )


def envelope_body(message: str, login: str = "sip2", password: str = "sip2") -> bytes:
    return (
        f'<ns1:sip password="{password}" login="{login}" xmlns:ns1="{envelope.NS}">'
        f"<request>{message}</request></ns1:sip>"
    ).encode()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (f'<ns1:sip login="sip2" xmlns:ns1="{envelope.NS}"><request>99</request></ns1:sip>',
         "Required field: LOGIN_PASSWORD must be set!"),
        (envelope_body("9900302.00", password="wrong").decode(), "Invalid LOGIN_USER"),
        ("<not xml", "not well-formed"),
        ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "DTD"),
        (f'<ns1:sip password="p" login="l" xmlns:ns1="{envelope.NS}"></ns1:sip>', "REQUEST"),
    ],
)  # fmt: skip
def test_envelope_errors(sim: SimulatorHandle, body: str, error: str) -> None:
    reply = post_envelope(sim, body.encode())
    assert reply.status_code == 200
    assert error in reply.text and "<error>" in reply.text and "<response>" not in reply.text


def test_envelope_round_trip_through_the_sip2_responder(sim: SimulatorHandle) -> None:
    pytest.importorskip("kiosk.fbs.simulator.sip2_responder", reason="SIP2 responder absent")
    reply = post_envelope(sim, envelope_body("9900302.00AY1AZFCA5"))
    assert reply.status_code == 200
    assert "<response>98" in reply.text


def test_envelope_escapes_replies() -> None:
    assert envelope.reply("64 <Åse> & co\r") == envelope.reply("64 <Åse> & co")
    assert b"&lt;\xc3\x85se&gt; &amp; co" in envelope.reply("64 <Åse> & co")


# -- faults ------------------------------------------------------------------------------------
def test_http_500_and_drop_also_hit_the_envelope(sim: SimulatorHandle) -> None:
    sim.state.faults.http_500 = True
    assert post_envelope(sim, envelope_body("99")).status_code == 500
    sim.state.faults.http_500 = False
    sim.state.faults.drop_connections = True
    with pytest.raises(requests.ConnectionError):
        post_envelope(sim, envelope_body("99"))


def test_stop_closes_idle_keep_alive_connections() -> None:
    handle = start_simulator(seeded_state(), sip2_port=None)
    session = requests.Session()
    session.post(
        f"{handle.rest_url}/{handle.state.agency_id}/authentication/login",
        json={"username": "demo", "password": "demo"},
        timeout=30,
    )
    handle.stop()
    with pytest.raises(requests.ConnectionError):
        session.post(
            f"{handle.rest_url}/{handle.state.agency_id}/authentication/login",
            json={"username": "demo", "password": "demo"},
            timeout=30,
        )


# -- launcher ----------------------------------------------------------------------------------
def test_fbs_sim_serves_the_configured_agency_and_credentials(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk.config import load_config
    from kiosk.fbs.factory import make_fbs_port
    from kiosk.fbs.simulator.launch import run_foreground
    from tests.conftest import REPO

    config = load_config(REPO / "config" / "demo.toml")
    stop, ready, handles = threading.Event(), threading.Event(), []
    thread = threading.Thread(
        target=run_foreground,
        args=(config, "127.0.0.1", 0, 0, stop, ready, handles),
        daemon=True,
    )
    thread.start()
    assert ready.wait(30)
    (handle,) = handles
    assert handle.state.agency_id == config.fbs.agency_id
    rest = config.fbs.rest.model_copy(update={"base_url": handle.rest_url})  # type: ignore[union-attr]
    fbs = config.fbs.model_copy(update={"rest": rest})
    port = make_fbs_port(config.model_copy(update={"fbs": fbs}))
    patron = port.authenticate("3210000010", "1010")  # demo password from demo-secrets/
    assert {c.payable_in.value for c in port.claims(patron)} == {"debtor", "elsewhere"}
    stop.set()
    thread.join(30)
    assert "REST base_url:" in capsys.readouterr().out
