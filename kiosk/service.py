"""Whether the automat can take a payment: the one rule behind the out-of-service screen and
``/healthz``.

In service means FBS answers, at least one payment device works (the card terminal, or a cash
acceptor not ``DOWN``: :meth:`kiosk.payment.parts.Devices.payment_methods`) and the ledger takes
writes. A bon alone is not enough: bons pay only part of a claim as a rule, and a citizen without
one could not pay at all.
"""

from __future__ import annotations

from dataclasses import dataclass

#: the methods that let a citizen pay without anything from staff
PAYING_METHODS = ("card", "cash")


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    fbs_ok: bool
    methods: tuple[str, ...]  # the payment methods whose devices work now
    ledger_ok: bool = True  # False while a money write is held (the session is out of order)

    @property
    def in_service(self) -> bool:
        return self.fbs_ok and self.ledger_ok and any(m in PAYING_METHODS for m in self.methods)

    @property
    def reason(self) -> str:
        """Why the automat is out of service, in one line for a technician ("" when in service)."""
        problems = []
        if not self.fbs_ok:
            problems.append("FBS does not answer")
        if not any(m in PAYING_METHODS for m in self.methods):
            problems.append("no payment device works (card terminal and cash acceptors down)")
        if not self.ledger_ok:
            problems.append("the ledger cannot take a write")
        return "; ".join(problems)

