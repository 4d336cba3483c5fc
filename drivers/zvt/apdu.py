"""ZVT APDUs (``CLASS INSTR LEN data``, long length ``FF lo hi``), BCD numbers and the commands
the automat sends.

The automat only ever sends an amount, a currency, its password and a receipt number: never card
data, and never "read card" (``06 C0``).
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.zvt.errors import ZvtProtocolError

DKK = 208
#: registration config byte from the spec example: the ECR prints the receipts (print lines are
#: sent to us) and the terminal sends intermediate status (the prompts) to the ECR
DEFAULT_CONFIG_BYTE = 0xBA
MAX_AMOUNT_ORE = 999_999_999_999  # 6 BCD bytes


@dataclass(frozen=True, slots=True)
class Apdu:
    cls: int
    instr: int
    data: bytes = b""

    @property
    def command(self) -> tuple[int, int]:
        return self.cls, self.instr

    def encode(self) -> bytes:
        return encode_apdu(self)

    def __repr__(self) -> str:  # never the data: it can hold a card number
        return f"Apdu({self.cls:02X} {self.instr:02X}, {len(self.data)} data bytes)"


# host → terminal
REGISTRATION = (0x06, 0x00)
AUTHORISATION = (0x06, 0x01)
LOG_OFF = (0x06, 0x02)
REPEAT_RECEIPT = (0x06, 0x20)
REVERSAL = (0x06, 0x30)
END_OF_DAY = (0x06, 0x50)
DIAGNOSIS = (0x06, 0x70)
ABORT = (0x06, 0xB0)
READ_CARD = (0x06, 0xC0)  # never sent by us
STATUS_ENQUIRY = (0x05, 0x01)
# terminal → host
INTERMEDIATE_STATUS = (0x04, 0xFF)
SET_TIME_AND_DATE = (0x04, 0x01)  # may come during a diagnosis: acknowledged, not applied
STATUS_INFORMATION = (0x04, 0x0F)
PRINT_LINE = (0x06, 0xD1)
PRINT_TEXT_BLOCK = (0x06, 0xD3)
COMPLETION = (0x06, 0x0F)
ABORT_FROM_TERMINAL = (0x06, 0x1E)
# either way
POSITIVE_ACK = (0x80, 0x00)
NEGATIVE_ACK_CLASS = 0x84

ACK_APDU = Apdu(0x80, 0x00)


def encode_apdu(apdu: Apdu) -> bytes:
    for name, value in (("class", apdu.cls), ("instruction", apdu.instr)):
        if not 0 <= value <= 0xFF:
            raise ZvtProtocolError(f"APDU {name} byte {value} out of range")
    size = len(apdu.data)
    if size < 0xFF:
        length = bytes([size])
    elif size <= 0xFFFF:
        length = bytes([0xFF, size & 0xFF, size >> 8])
    else:
        raise ZvtProtocolError(f"APDU data of {size} bytes is too long")
    return bytes([apdu.cls, apdu.instr]) + length + apdu.data


def apdu_header_size(head: bytes) -> tuple[int, int]:
    """From the first 3 bytes: (bytes of header still to read, data length or -1 if unknown)."""
    if len(head) < 3:
        raise ZvtProtocolError("APDU shorter than its header")
    if head[2] == 0xFF:
        if len(head) < 5:
            return 5 - len(head), -1
        return 0, head[3] | head[4] << 8
    return 0, head[2]


def decode_apdu(raw: bytes) -> Apdu:
    if len(raw) < 3:
        raise ZvtProtocolError(f"APDU of {len(raw)} bytes is shorter than its header")
    if raw[2] == 0xFF:
        if len(raw) < 5:
            raise ZvtProtocolError("APDU long length is cut off")
        size, start = raw[3] | raw[4] << 8, 5
    else:
        size, start = raw[2], 3
    if len(raw) - start != size:
        raise ZvtProtocolError(f"APDU length says {size} data bytes, frame has {len(raw) - start}")
    return Apdu(raw[0], raw[1], bytes(raw[start:]))


# --- BCD ---------------------------------------------------------------------------------------


def bcd_encode(value: int, nbytes: int) -> bytes:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"BCD needs a non-negative int, got {value!r}")
    digits = f"{value:0{nbytes * 2}d}"
    if len(digits) > nbytes * 2:
        raise ValueError(f"{value} does not fit in {nbytes} BCD bytes")
    return bytes.fromhex(digits)


def bcd_decode(data: bytes) -> int:
    text = data.hex()
    if not text.isdigit():
        raise ZvtProtocolError(f"not BCD: {len(data)} bytes with a nibble above 9")
    return int(text)


def amount_bcd(amount_ore: int) -> bytes:
    if not isinstance(amount_ore, int) or isinstance(amount_ore, bool):
        raise TypeError(f"amount must be int øre, got {type(amount_ore).__name__}")
    if not 0 < amount_ore <= MAX_AMOUNT_ORE:
        raise ValueError(f"amount {amount_ore} øre out of range 1..{MAX_AMOUNT_ORE}")
    return bcd_encode(amount_ore, 6)


def currency_bcd(currency: int) -> bytes:
    if not isinstance(currency, int) or not 0 < currency <= 999:
        raise ValueError(f"ISO 4217 numeric currency code expected, got {currency!r}")
    return bcd_encode(currency, 2)


def password_bcd(password: str) -> bytes:
    if len(password) != 6 or not password.isdigit():
        raise ValueError("the ZVT password is 6 digits")
    return bytes.fromhex(password)


# --- commands the automat sends ----------------------------------------------------------------


def registration(
    password: str, currency: int = DKK, config_byte: int = DEFAULT_CONFIG_BYTE
) -> Apdu:
    if not 0 <= config_byte <= 0xFF:
        raise ValueError("config byte out of range")
    return Apdu(
        *REGISTRATION, password_bcd(password) + bytes([config_byte]) + currency_bcd(currency)
    )


def authorisation(amount_ore: int, currency: int = DKK) -> Apdu:
    return Apdu(*AUTHORISATION, b"\x04" + amount_bcd(amount_ore) + b"\x49" + currency_bcd(currency))


def reversal(password: str, receipt_no: int) -> Apdu:
    if not 0 <= receipt_no <= 9999:
        raise ValueError(f"receipt number {receipt_no} out of range 0..9999")
    return Apdu(*REVERSAL, password_bcd(password) + b"\x87" + bcd_encode(receipt_no, 2))


def status_enquiry(password: str) -> Apdu:
    return Apdu(*STATUS_ENQUIRY, password_bcd(password))


def repeat_receipt(password: str) -> Apdu:
    return Apdu(*REPEAT_RECEIPT, password_bcd(password))


def end_of_day(password: str) -> Apdu:
    """``06 50 03 <password>``: the terminal sends its stored turnover to the acquirer, then
    status information with the totals (BMP ``60``), the day's receipt and Completion."""
    return Apdu(*END_OF_DAY, password_bcd(password))


def diagnosis() -> Apdu:
    """``06 70 00``: the terminal checks its connection to the acquirer; no password, no
    diagnosis-type TLV (the plain line diagnosis every terminal answers)."""
    return Apdu(*DIAGNOSIS)


def abort() -> Apdu:
    return Apdu(*ABORT)


def log_off() -> Apdu:
    return Apdu(*LOG_OFF)


def negative_ack(code: int) -> Apdu:
    return Apdu(NEGATIVE_ACK_CLASS, code)
