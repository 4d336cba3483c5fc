"""The crash proof whose truth is the hardware (issue 11).

A world process (``tests/world/server.py``) holds the FBS simulator and the device emulators on
ptys and survives every kill, as hardware does; it counts what it physically took. Automat
processes (``tests/world/automat.py``: the production ``build_core``, real drivers, a real
session) are SIGKILLed at every journal point and at random moments (a coin on the wire, a note
in escrow, during a cancel, during a timeout, between the card token and the authorisation,
during recovery itself), each restarted as a new process. After every restart: money the devices
took == ledger settled + credited + refunded, to the øre; every fee registered at the simulator
exactly once; every debtor item in exactly one delivered file; ``kiosk audit`` clean. On SQLite
and on PostgreSQL.

The campaigns run in the background, a few at a time (``KIOSK_PROOF_PARALLEL``, default 3), as
soon as the first of these tests asks; each test waits for its own. The seed of the random kills
is ``KIOSK_CRASH_SEED`` or drawn and printed (pytest's header, every failure, the summary at the
end of the run).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.crash_worker import crash_ledger
from tests.world import summary
from tests.world.campaign import Campaign, CampaignResult, Step, Zygote
from tests.world.plans import (
    CARD_PENDING,
    CARD_UNKNOWN,
    JOURNAL_CARDS,
    JOURNAL_CASH,
    JOURNAL_POSTGRES,
    WINDOWS,
    random_kill_count,
    random_steps,
)
from tests.world.seed import crash_seed

POSTGRES = pytest.mark.postgres

#: campaigns that fail on today's tree, and why (their tests are xfail, strict). Empty since the
#: fixes of issue 11: losses 1-3, a card payment killed before its token, and a card approval
#: whose session ended while the terminal could not be asked, each failed here first.
KNOWN: dict[str, str] = {}

#: name → (steps for a seed, database, FBS adapter)
CAMPAIGNS: dict[str, tuple[Callable[[int], list[Step]], str, str]] = {
    "journal-sqlite-cards": (lambda _seed: JOURNAL_CARDS, "sqlite", "rest"),
    "journal-sqlite-cash": (lambda _seed: JOURNAL_CASH, "sqlite", "rest"),
    "journal-postgres": (lambda _seed: JOURNAL_POSTGRES, "postgres", "sip2"),
    "card_pending-sqlite": (lambda _seed: CARD_PENDING, "sqlite", "rest"),
    "card_pending-postgres": (lambda _seed: CARD_PENDING, "postgres", "sip2"),
    "card_unknown-sqlite": (lambda _seed: CARD_UNKNOWN, "sqlite", "rest"),
    **{
        f"random-{window}": ((lambda seed, w=window: random_steps(w, seed)), "sqlite", "rest")
        for window in WINDOWS
    },
}
PARALLEL = int(os.environ.get("KIOSK_PROOF_PARALLEL", "3"))


_MIGRATING = threading.Lock()  # Alembic keeps its context in module globals: one at a time


def _run(name: str, zygote: Zygote, folder: Path, seed: int) -> CampaignResult:
    steps_for, database, adapter = CAMPAIGNS[name]
    folder.mkdir(parents=True)
    with contextlib.ExitStack() as stack:
        with _MIGRATING:
            url = stack.enter_context(crash_ledger(database, folder))
        campaign = Campaign(zygote, folder, url, name=name, database=database,
                            seed=seed if name.startswith("random") else None, adapter=adapter)
        campaign.result.known = KNOWN.get(name, "")
        try:
            return campaign.run(steps_for(seed))
        finally:
            campaign.close()
            summary.RESULTS.append(campaign.result)
            summary.WALL.append(time.monotonic())
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def proof(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[CampaignResult]]]:
    """Every campaign a selected test of this module needs, started at once in the background."""
    wanted = []
    for item in request.session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if item.module is request.module and params.get("campaign") not in (None, *wanted):
            wanted.append(params["campaign"])
    folder = tmp_path_factory.mktemp("device-truth")
    zygote = Zygote(folder)
    seed = crash_seed()
    pool = ThreadPoolExecutor(max_workers=max(1, PARALLEL), thread_name_prefix="campaign")
    summary.WALL.append(time.monotonic())
    # the longest first, so the pool ends together
    wanted.sort(key=lambda n: -len(CAMPAIGNS[n][0](seed)) * (1.3 if "postgres" in n else 1))
    futures = {n: pool.submit(_run, n, zygote, folder / n, seed) for n in wanted}
    try:
        yield futures
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        zygote.close()


def _verdict(result: CampaignResult) -> None:
    assert result.kills, "no kill happened"
    assert not result.discrepancies and not result.errors, result.report()


def _params(*names: str, marks: tuple[pytest.MarkDecorator, ...] = ()) -> list[object]:
    """The campaigns as parameters, xfail (strict) where :data:`KNOWN` says they fail today."""
    return [
        pytest.param(name, marks=[*marks, *([pytest.mark.xfail(strict=True, reason=KNOWN[name])]
                                            if name in KNOWN else [])])
        for name in names
    ]


def test_the_campaigns_cover_every_journal_point_and_a_hundred_random_kills() -> None:
    assert random_kill_count() >= 100
    assert set(KNOWN) <= set(CAMPAIGNS)


@pytest.mark.parametrize(
    "campaign",
    _params("journal-sqlite-cards", "journal-sqlite-cash")
    + _params("journal-postgres", marks=(POSTGRES,)),
)
def test_every_journal_point(proof: dict[str, Future[CampaignResult]], campaign: str) -> None:
    _verdict(proof[campaign].result())


@pytest.mark.parametrize(
    "campaign", _params("card_pending-sqlite") + _params("card_pending-postgres", marks=(POSTGRES,))
)
def test_card_payment_killed_before_its_token(
    proof: dict[str, Future[CampaignResult]], campaign: str
) -> None:
    _verdict(proof[campaign].result())


@pytest.mark.parametrize("campaign", _params("card_unknown-sqlite"))
def test_card_outcome_unknown_then_the_citizen_leaves(
    proof: dict[str, Future[CampaignResult]], campaign: str
) -> None:
    _verdict(proof[campaign].result())


@pytest.mark.parametrize("campaign", _params(*(f"random-{w}" for w in WINDOWS)))
def test_random_kills(proof: dict[str, Future[CampaignResult]], campaign: str) -> None:
    _verdict(proof[campaign].result())
