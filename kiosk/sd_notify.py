"""Telling systemd how the automat is: ``READY=1``, ``WATCHDOG=1``, ``STOPPING=1`` (sd_notify(3)).

The protocol is one datagram on the unix socket named by ``$NOTIFY_SOCKET`` (a leading ``@`` is
the abstract namespace). It is written here rather than taken from a library; see *Watchdog and
clean stops* in docs/architecture.md for why.

Under the unit in ``packaging/systemd`` cage is the main process and the automat its child:
systemd accepts our messages because the unit says ``NotifyAccess=all``, and it sets
``WATCHDOG_PID`` to cage's PID, so unlike ``sd_watchdog_enabled(3)`` we do not require it to be
ours (it would switch the watchdog off for the one process that can tell whether the UI lives).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


class ServiceNotifier:
    """Sends state to the service manager; does nothing when not started by one. Never raises:
    a service manager that went away must not stop a payment."""

    def __init__(self, address: str | None, watchdog_usec: int | None = None) -> None:
        if address and address.startswith("@"):
            address = "\0" + address[1:]
        self.address = address or None
        self.watchdog_usec = watchdog_usec if self.address else None
        self._socket: socket.socket | None = None
        self._warned = False

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ServiceNotifier:
        env = os.environ if environ is None else environ
        usec = env.get("WATCHDOG_USEC", "")
        return cls(env.get("NOTIFY_SOCKET"), int(usec) if usec.isdigit() and int(usec) else None)

    @property
    def enabled(self) -> bool:
        return self.address is not None

    @property
    def watchdog_s(self) -> float | None:
        """The unit's ``WatchdogSec=`` in seconds, or None when there is no watchdog."""
        return self.watchdog_usec / 1_000_000 if self.watchdog_usec else None

    def notify(self, message: str) -> bool:
        if self.address is None:
            return False
        try:
            if self._socket is None:
                self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self._socket.sendto(message.encode(), self.address)
        except OSError as exc:
            if not self._warned:  # once: a dead socket would say the same every ping
                log.warning("cannot notify the service manager: %s", exc)
                self._warned = True
            return False
        return True

    def ready(self) -> bool:
        return self.notify("READY=1\nSTATUS=Betalingsautomaten er klar")

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1\nSTATUS=Betalingsautomaten stopper")

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
