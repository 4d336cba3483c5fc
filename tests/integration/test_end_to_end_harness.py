"""A real automat for integration tests: ``build_core(demo=True)`` from a configuration file, the
FBS simulator on loopback, every device an emulator on a pty, a SQLite ledger; the session driven
on the test thread (InlineRunner), device events pumped from the drivers' threads through a queue.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drivers.base.reader import IdentifierRead
from kiosk.app import Core, build_core
from kiosk.config import KioskConfig, load_config
from kiosk.ledger.audit import run_audit
from kiosk.payment.session import PaymentSession
from kiosk.payment.states import State

WAIT_S = 30.0  # generous: a loaded 2-core machine

FBS_REST = """
[fbs]
adapter = "rest"
agency_id = "DK-999999"

[fbs.rest]
base_url = "http://127.0.0.1:1/rest/external/v1"
username = "demo"
password = { file = "fbs-password" }
"""

FBS_SIP2 = """
[fbs]
adapter = "sip2"
agency_id = "DK-999999"

[fbs.sip2]
transport = "tcp"
username = "sip2"
password = { file = "sip2-password" }
error_detection = true
"""

CONFIG = """
[automat]
id = "e2e-01"
library_name = "Testbiblioteket"

[database]
data_dir = "data"

{fbs}

[claims]
cut_off_date = 2020-09-01

[bons]
signing_key = {{ file = "bon-key" }}

[debtor]
profile = "opus"
output_dir = "outgoing"

[devices.coin_acceptor]
emulated = true

[devices.note_validator]
emulated = true
channel_values = {{ "1" = 5000, "2" = 10000, "3" = 20000 }}

[devices.card_terminal]
emulated = true

[devices.printer]
connection = "emulated"

[devices.scanner]
emulated = true
{extra}
"""


def write_config(folder: Path, adapter: str = "rest", extra: str = "") -> Path:
    (folder / "fbs-password").write_text("demo\n")
    (folder / "sip2-password").write_text("sip2\n")
    (folder / "bon-key").write_text("e2e-bon-signing-key-at-least-32-bytes\n")
    path = folder / "kiosk.toml"
    fbs = FBS_REST if adapter == "rest" else FBS_SIP2
    path.write_text(CONFIG.format(fbs=fbs, extra=extra))
    return path


def wait_for(condition: Callable[[], bool], timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


class Automat:
    """One core and one session, driven like the UI's session worker would."""

    def __init__(self, config: KioskConfig, *, demo: bool = True) -> None:
        self.config = config
        self.core: Core = build_core(config, demo=demo, start_workers=False)
        self.events: queue.Queue[Any] = queue.Queue()
        self.reads: list[IdentifierRead] = []
        self.core.attach_device_listener(self.events.put)
        self.session: PaymentSession = self.core.new_session()

    @classmethod
    def from_file(cls, path: Path, **kw: Any) -> Automat:
        return cls(load_config(path), **kw)

    @property
    def emulators(self) -> Any:
        return self.core.devices.emulators

    @property
    def sim(self) -> Any:
        return self.core.simulator.state

    def pump(self, until: Callable[[], bool], timeout: float = WAIT_S) -> None:
        """Deliver device events to the session (on this thread) until ``until()`` holds."""
        deadline = time.monotonic() + timeout
        while not until():
            if time.monotonic() > deadline:
                raise AssertionError(f"not reached in time; session is {self.session.state}")
            try:
                event = self.events.get(timeout=0.05)
            except queue.Empty:
                continue
            if isinstance(event, IdentifierRead):
                self.reads.append(event)
            else:
                self.session.on_device_event(event)

    def wait_ready(self) -> None:
        """Every cash device polling and the terminal registered."""
        from drivers.base import Health

        devices = self.core.devices
        for device in [*devices.acceptors, devices.terminal]:
            wait_for(lambda d=device: d.health is Health.OK)

    def log_in(self, identifier: str, pin: str) -> None:
        """The patron scans the library card at the scanner and types the PIN."""
        self.session.start()
        self.emulators.scanner.scan(identifier)
        self.pump(lambda: bool(self.reads))
        self.session.identify(self.reads.pop().value)
        self.session.enter_pin(pin)
        assert self.session.state is State.CLAIMS, self.session.message

    def audit_clean(self) -> bool:
        report = run_audit(self.core.engine)
        return report.clean and not report.open_sessions

    def close(self) -> None:
        self.core.close()
