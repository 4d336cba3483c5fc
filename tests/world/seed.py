"""The seed of the random kills: ``KIOSK_CRASH_SEED`` when set, else drawn once per run. Kept
apart so pytest's header can print it without importing the proof."""

from __future__ import annotations

import os
import random

SEED_ENV = "KIOSK_CRASH_SEED"
_SEED: int | None = None


def crash_seed() -> int:
    global _SEED
    if _SEED is None:
        given = os.environ.get(SEED_ENV, "").strip()
        _SEED = int(given) if given else random.SystemRandom().randrange(1, 2**31)
    return _SEED
