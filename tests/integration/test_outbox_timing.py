"""The outbox schedule is the operator's: ``[fbs] outbox_interval_s``, ``refused_retry_minutes``,
``refused_retry_days`` and ``max_backoff_minutes`` reach the automat built by ``build_core`` and
decide when FBS is asked again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Literal

import pytest
from sqlalchemy import select

from kiosk.app import Core, build_core
from kiosk.clock import FakeClock
from kiosk.config import ConfigError, KioskConfig, load_config
from kiosk.ledger.models import OutboxItem
from kiosk.payment.outbox import (
    MAX_BACKOFF,
    REFUSED_RETRY,
    REFUSED_RETRY_FOR,
    FbsOutbox,
    backoff,
)
from tests.payment_fakes import CPR, FakeFbs, FakeTerminal, debt_blocked_patron, mixed_claims

CONFIG = """
[automat]
id = "outbox-01"
library_name = "Testbiblioteket"

[database]
data_dir = "data"

[fbs]
adapter = "rest"
agency_id = "DK-999999"
{timing}

[fbs.rest]
base_url = "http://127.0.0.1:1/rest/external/v1"
username = "test"
password = {{ file = "fbs-password" }}

[claims]
cut_off_date = 2020-09-01

[bons]
signing_key = {{ file = "bon-key" }}
"""

TIMING = """outbox_interval_s = 7
refused_retry_minutes = 5
refused_retry_days = 3
max_backoff_minutes = 2
"""


def config_file(folder: Path, timing: str) -> KioskConfig:
    (folder / "fbs-password").write_text("test\n")
    (folder / "bon-key").write_text("outbox-timing-bon-signing-key-0123456789\n")
    path = folder / "kiosk.toml"
    path.write_text(CONFIG.format(timing=timing))
    return load_config(path)


@pytest.fixture
def fbs() -> FakeFbs:
    fake = FakeFbs()
    fake.add(CPR, "1234", debt_blocked_patron(), mixed_claims())
    return fake


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def core(tmp_path: Path, fbs: FakeFbs, clock: FakeClock) -> Iterator[Core]:
    built = build_core(config_file(tmp_path, TIMING), clock, fbs=fbs, start_workers=False)
    yield built
    built.close()


def pay_fbs_claims_by_card(
    core: Core, fbs: FakeFbs, *, fbs_then: Literal["answers", "refuses", "down"] = "answers"
) -> None:
    """A citizen pays the FBS claims by card at the automat; settled, the receipt service asks
    FBS at once (``fbs_then``: FBS ``answers``, ``refuses`` or is ``down`` by then)."""
    session = core.new_session()
    session.devices.terminal = FakeTerminal()
    session.start()
    session.identify(CPR)
    session.enter_pin("1234")
    session.toggle("201")  # the debtor claims stay out: only FBS registrations are queued
    session.pay()
    if fbs_then == "refuses":
        fbs.refuse = "Der findes ingen regnskabsperiode for indeværende år"
    elif fbs_then == "down":
        fbs.down = True
    session.choose_card()


def registration_state(core: Core) -> str:
    with core.engine.connect() as conn:
        (state,) = conn.execute(select(OutboxItem.state)).one()
    return str(state)


def next_attempt(core: Core) -> timedelta:
    with core.engine.connect() as conn:
        (at,) = conn.execute(select(OutboxItem.next_attempt_at)).one()
    return at.replace(tzinfo=core.clock.now().tzinfo) - core.clock.now()


def test_configured_timing_reaches_the_outbox_and_its_worker(core: Core) -> None:
    assert core.outbox is not None and core.outbox_worker is not None
    assert core.outbox.refused_retry == timedelta(minutes=5)
    assert core.outbox.refused_retry_for == timedelta(days=3)
    assert core.outbox.max_backoff == timedelta(minutes=2)
    assert core.outbox_worker.interval_s == 7


def test_defaults_are_the_old_constants_and_the_test_override_still_wins(
    tmp_path: Path, fbs: FakeFbs
) -> None:
    config = config_file(tmp_path, "")
    assert config.fbs.outbox_interval_s == 30
    core = build_core(config, FakeClock(), fbs=fbs, start_workers=False, outbox_interval_s=0.5)
    try:
        assert core.outbox is not None and core.outbox_worker is not None
        assert (core.outbox.refused_retry, core.outbox.max_backoff) == (REFUSED_RETRY, MAX_BACKOFF)
        assert core.outbox.refused_retry_for == REFUSED_RETRY_FOR == timedelta(days=14)
        assert core.outbox_worker.interval_s == 0.5
    finally:
        core.close()


def test_refused_registration_is_next_tried_after_the_configured_time(
    core: Core, fbs: FakeFbs, clock: FakeClock
) -> None:
    assert core.outbox is not None
    pay_fbs_claims_by_card(core, fbs, fbs_then="refuses")
    assert registration_state(core) == "refused"  # the receipt service's immediate delivery
    assert next_attempt(core) == timedelta(minutes=5)
    fbs.refuse = ""
    clock.advance(5 * 60 - 1)
    assert core.outbox.deliver_due() == []  # a second early: FBS is not asked
    clock.advance(1)
    (delivery,) = core.outbox.deliver_due()
    assert delivery.state == "done"


def test_unreachable_fbs_backs_off_up_to_the_configured_maximum(
    core: Core, fbs: FakeFbs, clock: FakeClock
) -> None:
    assert core.outbox is not None
    pay_fbs_claims_by_card(core, fbs, fbs_then="down")
    waits = [next_attempt(core)]  # after the receipt service's immediate delivery
    for _ in range(6):
        clock.advance(waits[-1].total_seconds())
        (delivery,) = core.outbox.deliver_due()
        assert delivery.state == "pending"
        waits.append(next_attempt(core))
    clock.advance(waits[-1].total_seconds())
    assert [w.total_seconds() for w in waits] == [5, 10, 20, 40, 80, 120, 120]
    fbs.down = False
    assert [d.state for d in core.outbox.deliver_due()] == ["done"]


def test_backoff_never_exceeds_the_maximum() -> None:
    cap = timedelta(minutes=2)
    assert [backoff(n, cap).total_seconds() for n in (0, 4, 5, 30)] == [5, 80, 120, 120]


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("outbox_interval_s = 0", "outbox_interval_s"),
        ("refused_retry_minutes = 0", "refused_retry_minutes"),
        ("max_backoff_minutes = -1", "max_backoff_minutes"),
        ('refused_retry_minutes = "soon"', "refused_retry_minutes"),
        ("refused_retry_days = 0", "refused_retry_days"),
        ("refused_retry_days = 366", "refused_retry_days"),
        ("refused_retry_days = 1.5", "refused_retry_days"),
        ('refused_retry_days = "two weeks"', "refused_retry_days"),
    ],
)
def test_bad_timing_is_refused_when_the_file_loads(tmp_path: Path, line: str, key: str) -> None:
    with pytest.raises(ConfigError, match=f"fbs.{key}"):
        config_file(tmp_path, line)


def test_outbox_refuses_non_positive_intervals(core: Core, fbs: FakeFbs) -> None:
    with pytest.raises(ValueError, match="positive"):
        FbsOutbox(core.engine, fbs, core.clock, refused_retry=timedelta(0))
    with pytest.raises(ValueError, match="positive"):
        FbsOutbox(core.engine, fbs, core.clock, refused_retry_for=timedelta(0))
