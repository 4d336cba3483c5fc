"""What the error codes of coin acceptors (229) and status codes of bill validators (159) mean."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from drivers.base import FaultKind, Health


class Effect(Enum):
    NONE = "none"  # informational
    REJECTED = "rejected"  # the coin/bill went back to the citizen: no money
    FAULT = "fault"


@dataclass(frozen=True, slots=True)
class Meaning:
    text: str
    effect: Effect
    kind: FaultKind | None = None
    health: Health | None = None  # the health this status puts the device in, if any


def _r(text: str) -> Meaning:
    return Meaning(text, Effect.REJECTED)


def _f(text: str, kind: FaultKind, health: Health | None = None) -> Meaning:
    return Meaning(text, Effect.FAULT, kind, health)


#: The coin acceptor error codes of the ccTalk Generic Specification (part 3, "Coin Acceptor
#: Error Codes"), every one. The specification's "coin rejected?" column decides: a coin that
#: went back to the citizen (yes, or possibly: the timeouts) is a :class:`Rejected`, and no
#: fault, since nobody needs to act on a rejected coin, however it was rejected (9, 24, 37 …).
#: A fault is for what needs someone: a blocked or failing mechanism (a jam, even when the coin
#: itself came back), tampering or fraud while the coin was not rejected, and a coin swallowed or
#: sorted wrongly. Codes the table does not list are faults too (a device's own code).
COIN_ERRORS: dict[int, Meaning] = {
    0: Meaning("no error", Effect.NONE),
    1: _r("reject coin"),
    2: _r("inhibited coin"),
    3: _r("multiple window"),
    4: _r("wake-up timeout"),
    5: _r("validation timeout"),
    6: _r("credit sensor timeout"),
    7: _f("sorter opto timeout", FaultKind.JAM),
    8: _r("second close coin"),
    9: _r("accept gate not ready"),
    10: _r("credit sensor not ready"),
    11: _r("sorter not ready"),
    12: _r("reject coin not cleared"),
    13: _r("validation sensor not ready"),
    14: _f("credit sensor blocked", FaultKind.JAM),
    15: _f("sorter opto blocked", FaultKind.JAM),
    16: _f("credit sequence error", FaultKind.FRAUD),
    17: _f("coin going backwards", FaultKind.FRAUD),
    18: _f("coin too fast over credit sensor", FaultKind.FRAUD),
    19: _f("coin too slow over credit sensor", FaultKind.FRAUD),
    20: _f("coin on string", FaultKind.FRAUD),
    21: _r("dual coin entry opto timeout"),
    22: _r("dual coin entry opto not seen"),
    23: _f("credit sensor reached too early", FaultKind.FRAUD),
    24: _r("reject coin (repeated sequential trip)"),
    25: _r("reject slug"),
    26: _f("reject sensor blocked", FaultKind.JAM),
    27: _f("games overload", FaultKind.OTHER),
    28: _f("maximum coin meter pulses exceeded", FaultKind.OTHER),
    29: _f("accept gate open when it should be closed", FaultKind.FRAUD),
    30: _f("accept gate closed when it should be open", FaultKind.JAM),
    31: _f("manifold opto timeout", FaultKind.JAM),
    32: _f("manifold opto blocked", FaultKind.JAM),
    33: _r("manifold not ready"),
    34: _f("security status changed", FaultKind.FRAUD),
    35: _f("motor exception", FaultKind.JAM),
    36: _f("swallowed coin", FaultKind.OTHER),
    37: _r("coin too fast over validation sensor"),
    38: _r("coin too slow over validation sensor"),
    39: _f("coin incorrectly sorted", FaultKind.OTHER),
    40: _f("external light attack", FaultKind.FRAUD),
    253: Meaning("data block request", Effect.NONE),
    254: _r("coin return mechanism activated"),
    255: _f("unspecified alarm", FaultKind.OTHER),
}


def coin_error(code: int) -> Meaning:
    if 128 <= code <= 159:
        return _r(f"inhibited coin type {code - 127}")
    return COIN_ERRORS.get(code, _f(f"coin error code {code}", FaultKind.OTHER))


BILL_STATUSES: dict[int, Meaning] = {
    0: Meaning("master inhibit active", Effect.NONE),
    1: _r("returned from escrow"),
    2: _r("validation fail"),
    3: _r("transport problem"),
    4: _r("inhibited by serial"),
    5: _r("inhibited by DIP switch"),
    6: _f("jam in transport (unsafe)", FaultKind.JAM, Health.DOWN),
    7: _f("jam in stacker", FaultKind.JAM, Health.DOWN),
    8: _f("bill pulled backwards", FaultKind.FRAUD),
    9: _f("bill tamper", FaultKind.FRAUD),
    10: Meaning("stacker OK", Effect.NONE, health=Health.OK),
    11: _f("stacker removed", FaultKind.STACKER_REMOVED, Health.DOWN),
    12: Meaning("stacker inserted", Effect.NONE, health=Health.OK),
    13: _f("stacker faulty", FaultKind.OTHER, Health.DOWN),
    14: _f("stacker full", FaultKind.STACKER_FULL, Health.DOWN),
    15: _f("stacker jammed", FaultKind.JAM, Health.DOWN),
    16: _f("jam in transport (safe)", FaultKind.JAM, Health.DOWN),
    17: _f("opto fraud", FaultKind.FRAUD),
    18: _f("string fraud", FaultKind.FRAUD),
    19: _f("anti-string mechanism faulty", FaultKind.OTHER, Health.DEGRADED),
    20: _r("barcode detected"),
    21: _f("unknown bill type stacked", FaultKind.OTHER),
}


def bill_status(code: int) -> Meaning:
    return BILL_STATUSES.get(code, _f(f"bill status code {code}", FaultKind.OTHER))
