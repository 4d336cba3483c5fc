"""The interface of a certified card payment terminal (ZVT today; BAXI or nexo later).

The automat never sees card data: it sends an amount and a reference and gets an outcome, a
terminal reference and receipt text. ``OUTCOME_UNKNOWN`` (the link dropped mid-authorisation) is
an outcome of its own, resolved later with :meth:`CardTerminal.resolve`, never by guessing.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from drivers.base.events import Device, Listener


class CardOutcome(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    ABORTED = "aborted"  # cancelled by the citizen, the host or a terminal timeout: no money
    OUTCOME_UNKNOWN = "outcome_unknown"


@dataclass(frozen=True, slots=True)
class CardPrompt:
    """Text the terminal wants shown ("Insert card", "Enter PIN"); code is the ZVT status."""

    device: str
    text: str
    code: int = -1


@dataclass(frozen=True, slots=True)
class CardResult:
    outcome: CardOutcome
    amount_ore: int
    reference: str  # ours, sent with the authorisation
    terminal_ref: str = ""  # receipt number / trace number from the terminal
    receipt_text: str = ""  # card numbers already masked
    result_code: int | None = None
    message: str = ""


@dataclass(frozen=True, slots=True)
class SchemeTotal:
    """One card scheme's share of an end-of-day: how many payments and their sum."""

    scheme: str
    count: int
    amount_ore: int


@dataclass(frozen=True, slots=True)
class MaintenanceResult:
    """What a terminal diagnosis (its own check of the line to the acquirer) or an end-of-day
    (the stored turnover sent to the acquirer) came to. ``message``: why not, in the driver's
    words; ``lines``: what the terminal printed (card numbers masked); the totals only if the
    terminal sent them."""

    ok: bool
    message: str = ""
    result_code: int | None = None
    lines: tuple[str, ...] = ()
    total_ore: int | None = None
    schemes: tuple[SchemeTotal, ...] = ()
    receipts: tuple[int, int] | None = None  # first and last receipt number of the day


class CardTerminal(Device):
    #: Set by the host: called as ``on_pending(reference, token)`` on the authorising thread just
    #: before the authorisation goes to the terminal. The host stores ``token`` durably and passes
    #: it to :meth:`resolve` after a restart; if the hook raises, nothing is sent (no money moves).
    #: So for a driver that calls it, a pending payment without a stored token was never sent.
    #: Drivers that resolve without help never call it.
    on_pending: Callable[[str, str], None] | None = None

    @abstractmethod
    def start(self, listener: Listener) -> None:
        """Open the link and register with the terminal; prompts arrive at ``listener``."""

    @abstractmethod
    def stop(self) -> None: ...

    @abstractmethod
    def authorise(self, amount_ore: int, reference: str) -> CardResult:
        """Blocking (call from a worker thread, never the GUI thread); up to ~180 s."""

    @abstractmethod
    def cancel(self) -> None:
        """Ask the terminal to abort the authorisation in progress (any thread)."""

    @abstractmethod
    def reverse(self, original: CardResult) -> CardResult:
        """Reverse an approved payment (refund to the card)."""

    @abstractmethod
    def resolve(self, reference: str, amount_ore: int, token: str = "") -> CardResult:
        """Find out what happened to an authorisation whose outcome is unknown. ``token`` is what
        the driver gave :attr:`on_pending` for it (empty within the same run, or if none)."""

    def diagnosis(self) -> MaintenanceResult:
        """Blocking, like :meth:`authorise`. A terminal without it raises NotImplementedError."""
        raise NotImplementedError(f"{type(self).__name__} has no diagnosis")

    def end_of_day(self) -> MaintenanceResult:
        """Blocking, like :meth:`authorise`. A terminal without it raises NotImplementedError."""
        raise NotImplementedError(f"{type(self).__name__} has no end-of-day")
