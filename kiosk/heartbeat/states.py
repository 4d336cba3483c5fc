"""The states the fleet console shows an automat in: a stable key for each (what a program, a
test or a translation refers to) and its Danish words beside it, in this one place."""

from __future__ import annotations

from enum import StrEnum


class FleetState(StrEnum):
    #: its last heartbeat is recent and says it can take a payment
    OK = "ok"
    #: its last heartbeat is recent and says it cannot (``reason`` says why)
    OUT_OF_SERVICE = "out_of_service"
    #: no heartbeat within ``stale_after``: dead, hung, or cut off from the database
    STALE = "stale"
    #: its last heartbeat was that of a clean stop
    STOPPED = "stopped"
    #: known from its sessions, but it never wrote a heartbeat (an older version, or off)
    NEVER_SEEN = "never_seen"

    @property
    def danish(self) -> str:
        return DANISH[self]


DANISH: dict[FleetState, str] = {
    FleetState.OK: "I drift",
    FleetState.OUT_OF_SERVICE: "Ude af drift",
    FleetState.STALE: "Intet livstegn",
    FleetState.STOPPED: "Stoppet",
    FleetState.NEVER_SEEN: "Aldrig set",
}
