"""The fleet console's states of an automat, from its last heartbeat and its age (pure)."""

from __future__ import annotations

import pytest

from kiosk.heartbeat.fleet import state_of
from kiosk.heartbeat.states import DANISH, FleetState


@pytest.mark.parametrize(
    ("stopped", "in_service", "age_s", "state"),
    [
        (False, True, 0.0, FleetState.OK),
        (False, True, 180.0, FleetState.OK),  # exactly stale_after: still within it
        (False, True, 180.5, FleetState.STALE),
        (False, False, 10.0, FleetState.OUT_OF_SERVICE),
        (False, False, 181.0, FleetState.STALE),  # silence outweighs what it last said
        (True, True, 5.0, FleetState.STOPPED),
        (True, False, 86_400.0, FleetState.STOPPED),  # a clean stop stays a stop, however old
    ],
)
def test_state_of_a_heartbeat(stopped: bool, in_service: bool, age_s: float,
                              state: FleetState) -> None:
    assert state_of(stopped=stopped, in_service=in_service, age_s=age_s,
                    stale_after_s=180.0) is state


def test_every_state_has_a_stable_key_and_danish_words() -> None:
    assert [s.value for s in FleetState] == [
        "ok", "out_of_service", "stale", "stopped", "never_seen"]
    assert set(DANISH) == set(FleetState) and all(DANISH[s] for s in FleetState)
    assert FleetState.STALE.danish == "Intet livstegn"
    assert FleetState("stale") is FleetState.STALE  # the console's key reads back
