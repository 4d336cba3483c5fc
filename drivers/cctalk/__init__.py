"""ccTalk coin acceptors and bill validators: codec, drivers and emulators."""

from drivers.cctalk.bill import CcTalkBillValidator
from drivers.cctalk.codec import CcTalkProtocolError, Checksum
from drivers.cctalk.coin import CcTalkCoinAcceptor
from drivers.cctalk.emulator import BillValidatorEmulator, CoinAcceptorEmulator

__all__ = [
    "BillValidatorEmulator",
    "CcTalkBillValidator",
    "CcTalkCoinAcceptor",
    "CcTalkProtocolError",
    "Checksum",
    "CoinAcceptorEmulator",
]
