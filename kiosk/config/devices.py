"""The ``[devices]`` section: which devices the automat has and where they are plugged in.

Serial devices are opened by a stable path (``/dev/serial/by-id/...``); ``emulated = true`` runs the
protocol-accurate emulator on a pty instead (demo mode and tests).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, PositiveInt, ValidationInfo, field_validator

from drivers.base.charset import UnknownCodePage, check_text_encoding, python_codec
from kiosk.config.base import Section
from kiosk.money import DKK_COINS

#: a serial speed; pyserial refuses a negative one only when the driver opens the port
Baudrate = Annotated[int, Field(gt=0)]
#: what a coin or note is worth in øre: zero or less would take a real coin for nothing
ValueOre = PositiveInt


class SerialDevice(Section):
    enabled: bool = True
    port: str = ""  # /dev/serial/by-id/... ; empty with emulated = true
    emulated: bool = False
    baudrate: Baudrate = 9600


class CoinAcceptor(SerialDevice):
    protocol: Literal["cctalk"] = "cctalk"
    address: int = Field(2, ge=1, le=255)
    echo: bool = True
    checksum: Literal["simple", "crc16"] = "simple"
    #: unset: the device's own figure (header 249), held within 100–200 ms
    poll_interval_ms: int | None = Field(None, ge=100, le=200)
    #: coins are valued by their ccTalk names (header 184: DK1K0A = 1000 øre); this overrides
    #: the name, by id prefix → øre, for an acceptor whose names do not follow the specification
    coin_values: dict[str, ValueOre] = Field(default_factory=dict)

    @field_validator("coin_values")
    @classmethod
    def _danish_coins(cls, values: dict[str, int]) -> dict[str, int]:
        for prefix, value in values.items():
            if value not in DKK_COINS:
                raise ValueError(f"{prefix} = {value}: not a Danish coin in øre "
                                 f"({', '.join(map(str, DKK_COINS))})")
        return values


class NoteValidator(SerialDevice):
    protocol: Literal["ssp", "cctalk"] = "ssp"
    address: int = Field(0, ge=0, le=255)
    echo: bool = True
    checksum: Literal["simple", "crc16"] = "simple"  # ccTalk only
    #: SSP channel number (or ccTalk bill id prefix such as "DK0100") → value in øre
    channel_values: dict[str, ValueOre] = Field(default_factory=dict)
    #: unset: SSP polls every 200 ms, ccTalk at the device's figure (100–200 ms)
    poll_interval_ms: int | None = Field(None, ge=100, le=300)
    #: a note the host has not accepted or returned within this time is given back
    escrow_decision_timeout_s: float = Field(30.0, gt=0, le=120)

    @field_validator("channel_values")
    @classmethod
    def _ssp_channels_are_numbers(
        cls, values: dict[str, int], info: ValidationInfo
    ) -> dict[str, int]:
        if info.data.get("protocol") == "ssp":  # ccTalk names bills by id prefix instead
            for channel in values:
                if not (channel.isascii() and channel.isdigit() and 1 <= int(channel) <= 255):
                    raise ValueError(f"SSP channel {channel!r} is not a channel number (1–255)")
        return values


class CardTerminal(SerialDevice):
    protocol: Literal["zvt"] = "zvt"
    transport: Literal["serial", "tcp"] = "serial"
    host: str = ""
    tcp_port: int = 20007
    password: str = Field("000000", pattern=r"^\d{6}$")
    transaction_timeout_s: float = Field(180.0, gt=0, le=600)  # citizen at the terminal
    #: the terminal's character set for receipt and display texts (ZVT default cp437 lacks ø/Ø)
    receipt_encoding: str = "cp437"

    @field_validator("receipt_encoding")
    @classmethod
    def _one_byte_codec(cls, value: str) -> str:
        return check_text_encoding(value)


class ReceiptPrinter(Section):
    enabled: bool = True
    connection: Literal["serial", "usb", "network", "emulated"] = "emulated"
    port: str = ""
    host: str = ""
    usb_vendor: int = 0
    usb_product: int = 0
    profile: str = "default"
    code_page: str = "CP865"
    baudrate: Baudrate = 9600  # serial printers
    tcp_port: int = Field(9100, ge=1, le=65535)  # network printers
    columns: int = Field(48, ge=24, le=64)  # characters per line (80 mm: 48, 58 mm: 32)

    @field_validator("code_page")
    @classmethod
    def _known_code_page(cls, value: str) -> str:
        """Texts are fitted to the code page before printing (and operator texts checked
        against it at load), which needs Python's codec for it."""
        try:
            python_codec(value)
        except UnknownCodePage:
            raise ValueError("unknown code page; CP865 is the Danish one") from None
        return value


class CardReader(Section):
    enabled: bool = False
    reader_name: str = ""  # substring of the PC/SC reader name; empty = any reader
    uid_format: Literal["decimal", "hex", "lookup"] = "decimal"
    byte_order: Literal["msb", "lsb"] = "msb"
    #: uid_format = "lookup": UID in hex (as the card sends it) → card number
    uid_lookup: dict[str, str] = Field(default_factory=dict)


class Scanner(SerialDevice):
    strip_prefix: str = ""
    strip_suffix: str = ""
    debounce_s: float = Field(1.5, ge=0)


class DevicesSection(Section):
    coin_acceptor: CoinAcceptor = CoinAcceptor(enabled=False)
    note_validator: NoteValidator = NoteValidator(enabled=False)
    card_terminal: CardTerminal = CardTerminal(enabled=False)
    printer: ReceiptPrinter = ReceiptPrinter(enabled=False)
    card_reader: CardReader = CardReader()
    scanner: Scanner = Scanner(enabled=False)
