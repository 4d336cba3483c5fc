"""The kill campaigns of the device-truth proof: which citizen each automat process plays and
how it dies. Journal-point campaigns are fixed lists; random-moment campaigns are drawn from the
seed (``KIOSK_CRASH_SEED``, else random and printed), so any failure can be replayed.

Each random window starts with a kill at 0 ms: the moment the loss it hunts for is surest, so a
campaign that fails today fails on every seed, whatever the rest of the draw.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from tests.world.automat import JOURNAL_POINTS
from tests.world.campaign import Step


def _j(spec: str) -> Step:
    """``scenario[plan]@point`` → a journal-point step."""
    scenario, _, point = spec.partition("@")
    options = {}
    if "[" in scenario:
        scenario, plan = scenario.rstrip("]").split("[")
        options["plan"] = plan
    return Step(scenario, crash_at=point, options=options)


#: every journal point in the scenarios that meet it, each scenario also run to its end (in two
#: campaigns that run side by side); the card payment left 'pending' before its token
#: (card_pending) has a campaign of its own
JOURNAL_CARDS = [_j(s) for s in (
    "card@plan_committed", "card@card_token", "card@terminal_answered", "card@card_finished",
    "card@settled", "card@fbs_registered", "card@outbox_delivered", "card@ended", "card@",
    "card[decline]@card_token", "card[decline]@terminal_answered",
    "card[decline]@card_finished", "card[decline]@credited_and_ended",
    "card[drop]@card_token", "card[drop]@terminal_answered", "card[drop]@card_finished",
    "cash_then_card@tender_recorded", "cash_then_card@card_token",
    "cash_then_card@terminal_answered", "cash_then_card@card_finished", "cash_then_card@settled",
    "cash_then_card@",
    "bon_then_card@bon_redeemed", "bon_then_card@card_token", "bon_then_card@terminal_answered",
    "bon_then_card@settled", "bon_then_card@",
)]
JOURNAL_CASH = [_j(s) for s in (
    "cash@plan_committed", "cash@tender_recorded#1", "cash@tender_recorded#2",
    "cash@tender_recorded#4", "cash@settled", "cash@fbs_registered", "cash@outbox_delivered",
    "cash@ended", "cash@",
    "bon@bon_redeemed", "bon@settled", "bon@outbox_delivered", "bon@ended", "bon@",
    "cancel_cash@tender_recorded#2", "cancel_cash@credited_and_ended", "cancel_cash@",
    "timeout_cash@credited_and_ended", "timeout_cash@",
)]
JOURNAL = JOURNAL_CARDS + JOURNAL_CASH
#: PostgreSQL (SIP2 to FBS): every journal point once, the card's all of them
JOURNAL_POSTGRES = [_j(s) for s in (
    "card@plan_committed", "card@card_token", "card@terminal_answered", "card@card_finished",
    "card@settled", "card@fbs_registered", "card@outbox_delivered", "card@ended",
    "card[drop]@terminal_answered", "cash@tender_recorded#2", "cash@settled",
    "cash@fbs_registered", "bon_then_card@bon_redeemed", "cancel_cash@credited_and_ended",
    "timeout_cash@", "bon@",
)]
#: killed after the card payment's 'pending' row and before the driver's resolve token
CARD_PENDING = [_j(s) for s in (
    "card@card_pending", "cash_then_card@card_pending", "bon_then_card@card_pending",
)]
#: the terminal's link drops mid-authorisation and the terminal approves; the session cannot
#: ask it, and the citizen walks away (the idle timeout) — no kill needed to lose the payment
CARD_UNKNOWN = [Step("card", options={"plan": "drop"}), Step("card", options={"plan": "drop"})]


def _coin_on_wire(rng: random.Random, first: bool) -> Step:
    """A coin the acceptor took a few ms before the kill, the driver not having read it (the
    first: the kill as the coin lands)."""
    return Step("cash", mark="coin_dropped", nth=1 if first else rng.randint(1, 3),
                delay_s=0.0 if first else rng.uniform(0.0, 0.25))


def _note_in_escrow(rng: random.Random, first: bool) -> Step:
    """A note fed: in escrow, on its way to the stacker, or credited when the kill comes (the
    first: the moment the validator holds it reported in escrow, or is stacking it)."""
    if first:
        return Step("cash", mark="note_fed", until="note_held_or_stacking")
    return Step("cash", mark="note_fed", delay_s=rng.uniform(0.0, 0.6))


def _during_cancel(rng: random.Random, first: bool) -> Step:
    """Cash in, a coin dropping as the citizen cancels; the kill during or after the cancel
    (the first: once the end screen has been up a while and that coin is in)."""
    return Step("cancel_race", mark="cancel", delay_s=0.45 if first else rng.uniform(0.0, 0.5))


def _during_timeout(rng: random.Random, first: bool) -> Step:
    return Step("timeout_race", mark="timeout",
                delay_s=0.45 if first else rng.uniform(0.0, 0.5))


def _card_token(rng: random.Random, first: bool) -> Step:
    """Between the resolve token written and the authorisation (and on through the terminal's
    dialogue: approved, declined, or the link dropping while the terminal approves, the
    citizen waiting at the screen)."""
    plan = "approve" if first else rng.choice(["approve", "approve", "approve", "decline",
                                               "drop"])
    return Step("card", mark="card_token", delay_s=0.0 if first else rng.uniform(0.0, 0.6),
                options={"plan": plan, "stay": True})


def _recovery(rng: random.Random, first: bool) -> Step:
    """A session left open (money in, a card to resolve), then the restart killed while it
    recovers, runs the start-up outbox round or exports (the first: as it starts)."""
    left_open = rng.choice([
        "cash@tender_recorded#2", "cash@tender_recorded#4", "cash_then_card@terminal_answered",
        "card@card_token", "card@settled", "bon_then_card@bon_redeemed", "cash@settled",
    ])
    step = _j(left_open)
    step.kill_startup_after_s = 0.0 if first else rng.uniform(0.0, 0.7)
    return step


@dataclass(frozen=True)
class Window:
    name: str
    draw: Callable[[random.Random, bool], Step]
    kills: int


WINDOWS = {
    w.name: w for w in (
        Window("coin_on_wire", _coin_on_wire, 18),
        Window("note_in_escrow", _note_in_escrow, 18),
        Window("during_cancel", _during_cancel, 16),
        Window("during_timeout", _during_timeout, 16),
        Window("card_token", _card_token, 18),
        Window("recovery", _recovery, 9),  # two kills each: the session's and its recovery's
    )
}


def random_steps(window: str, seed: int) -> list[Step]:
    """The window's steps for this seed (each window draws from its own stream)."""
    spec = WINDOWS[window]
    rng = random.Random(f"{seed}:{window}")
    return [spec.draw(rng, i == 0) for i in range(spec.kills)]


def random_kill_count() -> int:
    return sum(w.kills * (2 if w.name == "recovery" else 1) for w in WINDOWS.values())


assert {s.crash_at.partition("#")[0] for s in JOURNAL + CARD_PENDING if s.crash_at} == set(
    JOURNAL_POINTS)
assert {s.crash_at.partition("#")[0] for s in JOURNAL_POSTGRES + CARD_PENDING if s.crash_at} == set(
    JOURNAL_POINTS)
