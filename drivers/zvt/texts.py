"""What the terminal's status and error codes mean, in English (the UI translates by code)."""

from __future__ import annotations

#: intermediate status ``04 FF`` code → prompt for the citizen
PROMPTS: dict[int, str] = {
    0x00: "Confirm the amount on the terminal",
    0x01: "Please look at the PIN pad",
    0x02: "Please look at the PIN pad",
    0x03: "Not accepted",
    0x04: "Waiting for the card issuer",
    0x05: "Reversing automatically",
    0x07: "Card not accepted",
    0x08: "Card unknown",
    0x09: "Card expired",
    0x0A: "Insert or tap your card",
    0x0B: "Please remove your card",
    0x0C: "Card not readable",
    0x0D: "Processing error",
    0x0E: "Please wait …",
    0x10: "Invalid card",
    0x12: "System error",
    0x13: "Payment not possible",
    0x14: "Not enough credit",
    0x15: "Wrong PIN",
    0x16: "Limit exceeded",
    0x17: "Please wait …",
    0x18: "Too many wrong PINs",
    0x19: "Card data wrong",
    0x1C: "Approved",
    0x1D: "Declined",
    0x41: "Insert or tap your card",
    0x42: "Enter your PIN",
}

DEFAULT_PROMPT = "Follow the instructions on the card terminal"

#: error codes of ``06 1E`` (and result codes of status information) → meaning
ERRORS: dict[int, str] = {
    0x05: "declined by the card issuer",
    0x64: "card not readable",
    0x65: "card data not present",
    0x66: "processing error",
    0x6B: "function deactivated (terminal not registered)",
    0x6C: "aborted by timeout or the abort key",
    0x6E: "card blocked",
    0x6F: "wrong currency",
    0x71: "credit not sufficient",
    0x72: "chip error",
    0x73: "card data incorrect",
    0x78: "card expired",
    0x79: "card not yet valid",
    0x7A: "card unknown",
    0x7D: "communication error",
    0x83: "function not possible",
    0x9A: "ZVT protocol error",
    0x9C: "please wait (terminal busy)",
    0xA0: "receiver not ready",
    0xA1: "remote station does not respond",
    0xA3: "no connection",
    0xB4: "already reversed",
    0xB5: "reversal not possible",
    0xC3: "maximum amount exceeded",
    0xC5: "payment method not supported",
    0xC6: "currency not applicable",
    0xC8: "amount too small",
    0xE2: "card reader defective",
    0xFF: "system error",
}

#: abort codes meaning "stopped" (citizen, host or timeout) rather than "declined"
ABORT_CODES = frozenset({0x6C})


def prompt_text(code: int) -> str:
    return PROMPTS.get(code, DEFAULT_PROMPT)


def error_text(code: int | None) -> str:
    if code is None:
        return "no error code"
    return f"{ERRORS.get(code, 'error')} (0x{code:02X})"
