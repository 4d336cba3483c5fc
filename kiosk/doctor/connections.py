"""What the automat talks to, for ``kiosk doctor``: the debtor delivery target, FBS and every
configured device. Touches no money: no recovery, no workers, no session."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from drivers.base import Health
from kiosk.doctor.lines import Line, Result, Status, checked, first_line

if TYPE_CHECKING:
    from kiosk.config import KioskConfig

#: a device's health as a doctor's line: degraded works but wants a look (paper near end …)
DEVICE_STATUS = {Health.OK: Status.OK, Health.DEGRADED: Status.WARN, Health.DOWN: Status.FAIL}


def debtor_delivery(config: KioskConfig) -> Result:
    """The delivery folder takes a file, or the SFTP server lets us log in and write one."""
    from kiosk.debtor.delivery import DeliveryError
    from kiosk.debtor.setup import delivery_from_config

    if config.debtor is None:
        return Status.WARN, "no [debtor] section: debtor payments wait in the outbox"
    delivery = delivery_from_config(config)
    try:
        delivery.check()
    except DeliveryError as exc:
        return Status.FAIL, str(exc)
    finally:
        delivery.close()
    return Status.OK, f"{delivery.target} takes files"


def fbs_line(config: KioskConfig) -> Line:
    from kiosk.fbs.factory import make_fbs_port

    def check() -> Result:
        fbs = make_fbs_port(config)
        try:
            status = fbs.health()
        finally:
            close = getattr(fbs, "close", None)
            if callable(close):
                close()
        latency = f" ({status.latency_ms:.0f} ms)" if status.latency_ms is not None else ""
        return (Status.OK if status.ok else Status.FAIL), (status.detail or "ok") + latency

    return checked(f"fbs ({config.fbs.adapter})", check)


def device_lines(config: KioskConfig, *, demo: bool, wait_s: float) -> Iterator[Line]:
    """Open each configured device, wait up to ``wait_s`` for them to come up, one line each."""
    from kiosk.devices import build_devices

    try:
        devices = build_devices(config.devices, demo=demo)
    except Exception as exc:
        yield Line(Status.FAIL, "devices", first_line(exc))
        return
    health: dict[str, Health] = {}
    problem = None
    try:
        devices.start(lambda _event: None)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and any(
            h is Health.DOWN for h in devices.health().values()
        ):
            time.sleep(0.1)
        health = devices.health()
    except Exception as exc:
        problem = first_line(exc)
    finally:
        devices.stop()
    if problem is not None:
        yield Line(Status.FAIL, "devices", problem)
        return
    if not health:
        yield Line(Status.OK, "devices", "none configured")
    for name, state in health.items():
        yield Line(DEVICE_STATUS[state], name, state.value)


def connection_lines(config: KioskConfig, *, demo: bool, wait_s: float) -> Iterator[Line]:
    """Debtor delivery, FBS (in demo: the simulator) and the devices (in demo: emulators)."""
    yield checked("debtor delivery", lambda: debtor_delivery(config))
    simulator = None
    if demo:
        from kiosk.app import with_simulator
        from kiosk.fbs.simulator.launch import state_for
        from kiosk.fbs.simulator.server import start_simulator

        simulator = start_simulator(state_for(config), sip2_port=0)
        config = with_simulator(config, simulator)
    try:
        yield fbs_line(config)
        yield from device_lines(config, demo=demo, wait_s=wait_s)
    finally:
        if simulator is not None:
            simulator.stop()
