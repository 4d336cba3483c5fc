"""A ccTalk coin acceptor (header 229 event buffer) as a :class:`CashAcceptor`.

Each position's value comes from the coin's own name (header 184), read as the ccTalk
specification names coins (:func:`~drivers.cctalk.codec.parse_coin_name`: ``DK1K0A`` is 1 000
øre). ``coin_values`` (id prefix → øre) overrides the name for an acceptor programmed with names
that do not follow the specification. A position is refused, never enabled, when its value is
not one of ``denominations`` (the coins of the automat's currency), when its name is not of
``currency``, or when an override contradicts a name that is valid: a 20 kr coin can never be
taken for 20 øre without anyone being told. Refusals are a fault and the health detail
(``DEGRADED``; ``DOWN`` when no position is left).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Unpack

from drivers.base import Health
from drivers.cctalk import codec
from drivers.cctalk.codec import BufferedEvent, CcTalkProtocolError
from drivers.cctalk.codes import coin_error
from drivers.cctalk.device import CcTalkDevice, CcTalkLine, match_value


class CcTalkCoinAcceptor(CcTalkDevice):
    kind = "coin"
    category = "Coin Acceptor"
    id_header = codec.REQUEST_COIN_ID
    buffer_header = codec.READ_BUFFERED_CREDIT
    default_name = "coin_acceptor"
    default_address = 2

    def __init__(
        self,
        port: str,
        *,
        denominations: Collection[int],
        coin_values: Mapping[str, int] | None = None,
        currency: str = "DK",
        **line: Unpack[CcTalkLine],
    ) -> None:
        self.denominations = frozenset(denominations)
        for prefix, value in (coin_values or {}).items():
            if value not in self.denominations:
                raise ValueError(f"{prefix!r} = {value!r}: not a coin of {currency} in øre "
                                 f"({sorted(self.denominations)})")
        self.currency = currency
        super().__init__(port, values=coin_values or {}, **line)

    def _value_of(self, ident: str) -> tuple[int | None, str]:
        override = match_value(ident, self._values)
        try:
            coin = codec.parse_coin_name(ident)
        except CcTalkProtocolError:
            if override is not None:
                return override, ""
            return None, f"{ident} is not a ccTalk coin name (configure it in coin_values)"
        named = int(coin.value) if coin.value == coin.value.to_integral_value() else None
        valid = coin.country == self.currency and named in self.denominations
        if override is not None:
            if valid and override != named:
                return None, (f"{ident} is {named} øre by its name but {override} øre in "
                              "coin_values")
            return override, ""
        if coin.country != self.currency:
            return None, f"{ident} is a coin of {coin.country}, not {self.currency}"
        if not valid:
            return None, (f"{ident} is {coin.value:f} øre by its name: not a coin of "
                          f"{self.currency} ({', '.join(map(str, sorted(self.denominations)))})")
        return named, ""

    def _working_health(self) -> tuple[Health, str]:
        usable = any(value for _ident, value in self.positions.values())
        return self._refusal_health(usable, "the acceptor reports no coin it may take")

    def _handle_event(self, ref: int, event: BufferedEvent, newest: bool) -> None:
        if not event.a:
            self._announce(coin_error(event.b), f"code {event.b}, event {ref}")
        elif (valued := self._valued(event.a, ref)) is not None:
            self._credit(valued[1], valued[0], ref)
