"""ITL SSP banknote validators (NV9, NV200 …): codec, driver and emulator."""

from drivers.ssp.codec import SspProtocolError
from drivers.ssp.device import SspValidator
from drivers.ssp.emulator import SspEmulator

__all__ = ["SspEmulator", "SspProtocolError", "SspValidator"]
