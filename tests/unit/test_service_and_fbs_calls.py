"""The out-of-service rule (``kiosk.service``, shared by the screen and ``/healthz``) and the FBS
wrapper the metrics time calls with: an answer about a patron means FBS answers, a transport
error does not, and every call is timed once."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from kiosk.config import load_config
from kiosk.fbs.port import FbsError, FbsErrorReason, FbsHealth
from kiosk.metrics.fbs_calls import FbsCalls, ObservedFbs
from kiosk.service import ServiceStatus
from tests.conftest import REPO


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (ServiceStatus(True, ("card", "cash", "bon")), ""),
        (ServiceStatus(True, ("cash",)), ""),
        (ServiceStatus(True, ("bon",)),
         "no payment device works (card terminal and cash acceptors down)"),
        (ServiceStatus(False, ("card",)), "FBS does not answer"),
        (ServiceStatus(True, ("card",), ledger_ok=False), "the ledger cannot take a write"),
        (ServiceStatus(False, (), ledger_ok=False), "FBS does not answer; no payment device "
         "works (card terminal and cash acceptors down); the ledger cannot take a write"),
    ],
)
def test_in_service_only_with_fbs_a_paying_device_and_the_ledger(
    status: ServiceStatus, reason: str
) -> None:
    assert status.reason == reason
    assert status.in_service is (reason == "")


class Port:
    def __init__(self) -> None:
        self.error: FbsError | None = None

    def authenticate(self, identifier: str, pin: str) -> str:
        if self.error:
            raise self.error
        return "patron"

    def health(self) -> FbsHealth:
        return FbsHealth(ok=False, detail="login refused")

    def end_session(self, patron: str) -> bool:
        return True

    simulator_switch = "passed through"


def test_calls_are_timed_and_only_transport_errors_mean_fbs_does_not_answer() -> None:
    clock = [100.0]
    calls = FbsCalls(now=lambda: clock[0])
    registry = CollectorRegistry()
    calls.register(registry)
    port = Port()
    fbs = ObservedFbs(port, calls)  # type: ignore[arg-type]
    assert calls.answered(90) is None  # not asked yet
    assert fbs.authenticate("1", "2") == "patron"
    assert calls.answered(90) is True
    port.error = FbsError(FbsErrorReason.WRONG_PIN)
    with pytest.raises(FbsError):
        fbs.authenticate("1", "9")
    assert calls.answered(90) is True  # FBS answered: the PIN is wrong
    port.error = FbsError(FbsErrorReason.TIMEOUT)
    with pytest.raises(FbsError):
        fbs.authenticate("1", "2")
    assert calls.answered(90) is False
    assert fbs.health().ok is False and calls.answered(90) is False
    assert fbs.end_session("patron") is True and calls.answered(90) is True
    clock[0] += 91
    assert calls.answered(90) is None  # too old to say
    assert fbs.simulator_switch == "passed through"

    def value(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    assert value("kiosk_fbs_request_seconds_count", operation="authenticate") == 3
    assert value("kiosk_fbs_errors_total", operation="authenticate", reason="wrong_pin") is None
    assert value("kiosk_fbs_errors_total", operation="authenticate", reason="timeout") == 1
    assert value("kiosk_fbs_errors_total", operation="health", reason="health") == 1
    assert value("kiosk_fbs_request_seconds_count", operation="end_session") == 1


def test_the_demo_serves_no_metrics() -> None:
    assert load_config(Path(REPO, "config", "demo.toml")).metrics.enabled is False
