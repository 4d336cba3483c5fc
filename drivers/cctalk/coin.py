"""A ccTalk coin acceptor (header 229 event buffer) as a :class:`CashAcceptor`."""

from __future__ import annotations

from collections.abc import Mapping

from drivers.base import FaultKind, Rejected
from drivers.cctalk import codec
from drivers.cctalk.codec import BufferedEvent, Checksum
from drivers.cctalk.codes import Effect, coin_error
from drivers.cctalk.device import CcTalkDevice


class CcTalkCoinAcceptor(CcTalkDevice):
    kind = "coin"
    category = "Coin Acceptor"
    id_header = codec.REQUEST_COIN_ID
    buffer_header = codec.READ_BUFFERED_CREDIT

    def __init__(
        self,
        port: str,
        *,
        coin_values: Mapping[str, int],
        name: str = "coin_acceptor",
        address: int = 2,
        baudrate: int = 9600,
        echo: bool = True,
        checksum: Checksum | str = Checksum.SIMPLE,
        poll_interval_s: float | None = None,
        reply_timeout_s: float = 0.25,
        retries: int = 3,
        reconnect_backoff_s: tuple[float, float] = (0.2, 5.0),
    ) -> None:
        super().__init__(
            port,
            name=name,
            address=address,
            values=coin_values,
            baudrate=baudrate,
            echo=echo,
            checksum=checksum,
            poll_interval_s=poll_interval_s,
            reply_timeout_s=reply_timeout_s,
            retries=retries,
            reconnect_backoff_s=reconnect_backoff_s,
        )

    def _handle_event(self, ref: int, event: BufferedEvent, newest: bool) -> None:
        if event.a:
            ident, value = self.positions.get(event.a, (f"coin type {event.a}", None))
            if value is None:
                self._fault(FaultKind.OTHER, f"credit of {ident} (event {ref}) has no known value")
                return
            self._credit(value, ident, ref)
            return
        meaning = coin_error(event.b)
        if meaning.effect is Effect.REJECTED:
            self._emit(Rejected(self.name, meaning.text))
        elif meaning.effect is Effect.FAULT and meaning.kind is not None:
            self._fault(meaning.kind, f"{meaning.text} (code {event.b}, event {ref})")
