"""Automat heartbeats (issue 16): each automat writes its health to the ledger on a schedule
(``worker.py``, ``beat.py``), and the fleet console reads every automat's last word and how old
it is (``fleet.py``: :func:`fleet_status`, plain dataclasses, no web library; the states and
their Danish words in ``states.py``)."""

from __future__ import annotations

from kiosk.heartbeat.fleet import AutomatStatus, DeviceStatus, fleet_status
from kiosk.heartbeat.states import DANISH, FleetState

__all__ = ["DANISH", "AutomatStatus", "DeviceStatus", "FleetState", "fleet_status"]
