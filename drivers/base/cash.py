"""The interface of a coin acceptor or note validator."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable

from drivers.base.events import Device


class CashAcceptor(Device):
    """Owns its port and a polling thread; reconnects by itself after an unplug.

    ``start`` opens the device and begins polling with everything *disabled*; the host enables
    the denominations it accepts when a payment begins and disables them when it ends.
    """

    @abstractmethod
    def enable(self, values_ore: Iterable[int]) -> None:
        """Accept exactly these denominations (øre); everything else is inhibited."""

    @abstractmethod
    def disable(self) -> None: ...

    def resume_after(self, event_ref: str, *, stopped_cleanly: bool = False) -> None:
        """Before :meth:`start`: the newest ``event_ref`` the host has recorded for this device
        (a :class:`Credit`'s or a :class:`Progress`'s). At start-up a driver whose device keeps
        its own record of events reports those newer than it as credits ``during_restart``; a
        driver whose device keeps none ignores it. ``stopped_cleanly``: the host stopped with
        everything up to it recorded, so a device that lost its record since (power cycled)
        lost nothing of ours."""
        return None

    def position(self) -> str:
        """After :meth:`stop`: the ``event_ref`` of the newest event the driver read and reported
        ("" when the device keeps no record). The host marks a clean stop when it has it too."""
        return ""

    def accept_escrow(self) -> None:
        """Stack the note held in escrow (validators only)."""
        raise NotImplementedError(f"{self.name} has no escrow")

    def return_escrow(self) -> None:
        """Give the note held in escrow back to the citizen (validators only)."""
        raise NotImplementedError(f"{self.name} has no escrow")

    @property
    def has_escrow(self) -> bool:
        return False
