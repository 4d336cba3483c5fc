"""What a ZVT authorisation came to, in the automat's terms: the terminal's answer as a
:class:`CardResult`, and for an authorisation whose answer was never seen (the link failed, the
process died) what the terminal's last transaction says about it (see :mod:`drivers.zvt.terminal`).
Pure functions of what the terminal said: the dialogue is the terminal driver's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drivers.base.terminal import CardOutcome, CardResult, MaintenanceResult
from drivers.zvt.bmp import StatusInfo
from drivers.zvt.texts import ABORT_CODES, error_text

TRACE_MODULUS = 1_000_000  # trace numbers are 6 BCD digits
TOKEN_PREFIX = "zvt-trace:"  # resolve token: ``zvt-trace:<baseline trace|none>:<amount øre>``


@dataclass
class Pending:
    """An authorisation whose outcome we have not seen (yet)."""

    amount_ore: int
    baseline_known: bool
    baseline_trace: int | None  # the terminal's last trace before it; None = empty journal
    superseded: bool = False  # another authorisation was started since: can't tell them apart

    def token(self) -> str:
        """What a restarted driver needs (see :meth:`ZvtTerminal.resolve`): the baseline."""
        if not self.baseline_known:
            return ""
        trace = "none" if self.baseline_trace is None else f"{self.baseline_trace:06d}"
        return f"{TOKEN_PREFIX}{trace}:{self.amount_ore}"

    @classmethod
    def from_token(cls, token: str) -> Pending | None:
        """The pending record of an earlier run, or None if the token is not ours or malformed."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        trace, _, amount = token.removeprefix(TOKEN_PREFIX).partition(":")
        if not amount.isdigit() or not (trace == "none" or (trace.isdigit() and len(trace) == 6)):
            return None
        return cls(int(amount), True, None if trace == "none" else int(trace))


@dataclass
class Ending:
    """How the terminal ended a dialogue: Completion or Abort, and what it said on the way."""

    completed: bool
    status: StatusInfo | None = None
    lines: list[str] = field(default_factory=list)
    error_code: int | None = None
    host_aborted: bool = False


def card_result(ending: Ending, amount_ore: int, reference: str) -> CardResult:
    """The result of a dialogue the driver saw to its end."""
    status = ending.status
    receipt = "\n".join(ending.lines)
    terminal_ref = ""
    if status is not None and status.receipt_no is not None:
        terminal_ref = f"{status.receipt_no:04d}"
    amount = amount_ore
    message = ""
    if status is not None and status.amount_ore is not None and status.amount_ore != amount_ore:
        amount = status.amount_ore
        message = f"the terminal reports {status.amount_ore} øre, {amount_ore} were asked"
    status_code = status.result_code if status is not None else None
    if ending.completed and not status_code:
        return CardResult(
            CardOutcome.APPROVED, amount, reference, terminal_ref, receipt, 0, message
        )
    code = ending.error_code if ending.error_code is not None else status_code
    aborted = ending.host_aborted or code in ABORT_CODES
    outcome = CardOutcome.ABORTED if aborted else CardOutcome.DECLINED
    return CardResult(outcome, amount, reference, "", receipt, code, error_text(code))


def maintenance_result(ending: Ending) -> MaintenanceResult:
    """A diagnosis or end-of-day the driver saw to its end: done when the terminal completed
    it and its status information (if any) has result code 0."""
    status = ending.status
    code = ending.error_code if ending.error_code is not None else (
        status.result_code if status is not None else None
    )
    ok = ending.completed and not code
    totals = status.totals if status is not None else None
    return MaintenanceResult(
        ok,
        "" if ok else error_text(code),
        code,
        tuple(ending.lines),
        status.amount_ore if status is not None else None,
        totals.schemes if totals is not None else (),
        (totals.receipt_from, totals.receipt_to) if totals is not None else None,
    )


def judge_last_transaction(
    pending: Pending, last: StatusInfo | None, amount_ore: int, reference: str
) -> CardResult | str:
    """What the terminal's last transaction (``last``, None: it has none) says about
    ``pending``, whose baseline is known: a result, or why it stays unknown. Only the
    transaction right after the baseline, for the same amount, is ours; an unchanged last
    transaction means ours never happened."""
    if last is None or last.trace_no == pending.baseline_trace:
        return CardResult(
            CardOutcome.ABORTED,
            amount_ore,
            reference,
            message="the terminal made no transaction for this authorisation",
        )
    baseline = pending.baseline_trace
    if baseline is not None and last.trace_no != (baseline + 1) % TRACE_MODULUS:
        return "the terminal's last transaction is not the next one"
    if last.amount_ore != amount_ore:
        return "the terminal's last transaction has another amount"
    approved = last.result_code in (0, None)
    return CardResult(
        CardOutcome.APPROVED if approved else CardOutcome.DECLINED,
        amount_ore,
        reference,
        f"{last.receipt_no:04d}" if approved and last.receipt_no is not None else "",
        "",
        last.result_code,
        "resolved from the terminal's last transaction",
    )
