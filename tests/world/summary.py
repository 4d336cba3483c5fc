"""The device-truth proof's summary, printed at the end of the pytest run (``tests/conftest.py``
``pytest_terminal_summary``): kills, money in by device, money accounted, discrepancies."""

from __future__ import annotations

from collections import Counter

from tests.world.campaign import CampaignResult, money_line
from tests.world.checks import device_money

HOW = {
    "journal": "right after a journal point",
    "random": "at a random moment",
    "idle": "once the citizen had left",
}
RESULTS: list[CampaignResult] = []
WALL: list[float] = []  # when the first campaign started and the last one ended (monotonic)


def lines(seed: int | None) -> list[str]:
    if not RESULTS:
        return []
    kills = sum(len(r.kills) for r in RESULTS)
    groups: dict[str, Counter[str]] = {"journal-point": Counter(), "random-moment": Counter()}
    for result in RESULTS:
        group = groups["random-moment" if result.name.startswith("random") else "journal-point"]
        for kill in result.kills:
            if kill.how == "startup":
                group[f"in a restart's start-up ({kill.point.split(' (')[0]})"] += 1
            else:
                group[HOW.get(kill.how.split(" ")[0], kill.how)] += 1
    coins = notes = card = desk = accounted = 0
    for result in RESULTS:
        if result.truth:
            money = device_money(result.truth)
            coins += money["coins"]
            notes += money["notes"]
            card += money["card"]
        acc = result.accounted
        if acc:
            desk += acc["desk_redeemed"]
            accounted += acc["settled"] + acc["credited"] + acc["refunded"]
    discrepancies = sum(len(r.discrepancies) for r in RESULTS if not r.known)
    known = [r for r in RESULTS if r.known]
    known_found = sum(len(r.discrepancies) for r in known)
    errors = sum(len(r.errors) for r in RESULTS)
    startups = [s for r in RESULTS for s in r.startups]
    per_kill = [k.seconds for r in RESULTS for k in r.kills]
    out = [
        f"seed {seed} (KIOSK_CRASH_SEED={seed} replays the random kills)",
        f"kills: {kills}",
        *(f"  {sum(c.values())} in the {name} campaigns: "
          + ", ".join(f"{n} {how}" for how, n in sorted(c.items())) for name, c in groups.items()
          if c),
        f"money in by device: coins {coins} øre, notes {notes} øre, card {card} øre,"
        f" desk bons redeemed {desk} øre; total {coins + notes + card + desk} øre",
        f"money accounted (settled + credited + refunded): {accounted} øre",
        f"discrepancies: {discrepancies}; automat errors: {errors}"
        + (f" (and {known_found} discrepancies in the {len(known)} campaign(s) expected to fail"
           " today, marked xfail)" if known else ""),
    ]
    if startups and per_kill:
        wall = f"{WALL[-1] - WALL[0]:.0f} s wall for all, " if len(WALL) > 1 else ""
        out.append(f"time: {wall}{sum(r.seconds for r in RESULTS):.0f} s of campaigns; per"
                   f" kill: start-up {sum(startups) / len(startups):.2f} s mean, citizen until"
                   f" the kill {sum(per_kill) / len(per_kill):.2f} s mean")
    out.append("per campaign:")
    for result in RESULTS:
        expected = " [xfail today]" if result.known else ""
        out.append(f"  {result.name} ({result.database}){expected}: {len(result.kills)} kills,"
                   f" {len(result.discrepancies)} discrepancies, {len(result.errors)} errors,"
                   f" {result.seconds:.0f} s; {money_line(result)}")
    for result in RESULTS:
        if result.discrepancies or result.errors:
            out += result.report().splitlines()[1:6]
    return out
