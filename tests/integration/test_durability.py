"""A money event reported as acknowledged survives a SIGKILL right after the acknowledgement."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import select

from kiosk.ledger.db import make_engine
from kiosk.ledger.models import CashInventory, Tender

CHILD = textwrap.dedent(
    """
    import sys
    from kiosk.ledger.db import make_engine
    from kiosk.ledger.migrate import upgrade
    from kiosk.ledger.repository import Ledger, TenderEvent
    from kiosk.money import Money

    engine = make_engine(sys.argv[1])
    upgrade(engine)
    ledger = Ledger(engine, "a1")
    sid = ledger.open_session()
    while True:
        event = TenderEvent(sid, "coin", Money(2000), Money(2000), "coins")
        tender_id = ledger.record_tender(event)
        print(f"ACK {tender_id}", flush=True)
    """
)


def test_acknowledged_tenders_survive_sigkill(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    acked: list[int] = []
    assert child.stdout is not None
    for line in child.stdout:
        acked.append(int(line.split()[1]))
        if len(acked) == 25:
            os.kill(child.pid, signal.SIGKILL)  # right after the 25th acknowledgement
            break
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    engine = make_engine(url)
    with engine.connect() as conn:
        stored = set(conn.scalars(select(Tender.id)))
        coins = conn.scalar(select(CashInventory.count))
    assert set(acked) <= stored
    # the inventory was written in the same transaction as each tender: never out of step
    assert coins == len(stored)
