"""``kiosk fbs-sim``: the simulator in the foreground, with the data set and credentials taken
from a configuration file, so a kiosk with the same file talks to it unchanged."""

from __future__ import annotations

import threading

from kiosk.config import KioskConfig
from kiosk.fbs.simulator.seed import seeded_state
from kiosk.fbs.simulator.server import SimulatorHandle, start_simulator
from kiosk.fbs.simulator.state import ClientCredentials, SimulatorState


def state_for(config: KioskConfig) -> SimulatorState:
    """The seeded state with the configured agency, cut-off date and client credentials."""
    fbs = config.fbs
    kwargs: dict[str, object] = {
        "agency_id": fbs.agency_id,
        "cut_off_date": config.claims.cut_off_date,
    }
    if fbs.rest is not None:
        kwargs["rest_client"] = ClientCredentials(fbs.rest.username, fbs.rest.password.get())
    if fbs.sip2 is not None:
        kwargs["sip2_client"] = ClientCredentials(fbs.sip2.username, fbs.sip2.password.get())
    return seeded_state(**kwargs)


def run_foreground(
    config: KioskConfig,
    host: str = "127.0.0.1",
    rest_port: int = 0,
    sip2_port: int = 0,
    stop: threading.Event | None = None,
    ready: threading.Event | None = None,
    out: list[SimulatorHandle] | None = None,
) -> int:
    """Serve until Ctrl-C (or ``stop`` is set, for tests). Prints where it listens."""
    handle = start_simulator(state_for(config), host=host, rest_port=rest_port, sip2_port=sip2_port)
    if out is not None:
        out.append(handle)
    print(f"FBS simulator for {handle.state.agency_id}", flush=True)
    print(f"  REST base_url:   {handle.rest_url}", flush=True)
    print(f"  SIP2 envelope:   {handle.sip2_envelope_url}", flush=True)
    print(f"  SIP2 TCP port:   {handle.sip2_port or 'not available'}", flush=True)
    print("  patrons: docs/demo-patrons.md; Ctrl-C stops", flush=True)
    if ready is not None:
        ready.set()
    try:
        (stop or threading.Event()).wait()
    except KeyboardInterrupt:
        pass
    finally:
        handle.stop()
    return 0
