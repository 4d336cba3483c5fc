"""CRC-16 as ccTalk (CRC-16/XMODEM) and SSP compute it: most significant bit first, no reflection,
no final XOR; the two differ only in polynomial and seed."""

from __future__ import annotations


def crc16(data: bytes, *, poly: int, init: int) -> int:
    crc = init
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ poly) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc
