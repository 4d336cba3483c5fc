"""The "paid here" overlay asks the ledger in the same words however long the patron's history.

An ``IN`` list of the patron's session ids was a new SQL text for every number of sessions, and
SQLite's driver keeps up to 128 prepared statements per pooled connection: a patron who came back
often filled every connection's cache with ever larger statements (the soak benchmark's one
patron: ~14 KB more resident memory per session, see README "Months of sessions").
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event

from kiosk.domain import LocalStatus
from kiosk.payment.paid_here import overlay_paid_here
from tests.payment_fakes import mixed_claims, session_rig


def overlay_sql(engine: Engine, now: Any) -> tuple[list[str], dict[str, LocalStatus]]:
    said: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        said.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        claims = overlay_paid_here(engine, "P1", mixed_claims(), now, 30)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return said, {c.id: c.status for c in claims}


def test_the_overlay_is_the_same_statements_after_one_session_or_two(engine: Engine) -> None:
    rig = session_rig(engine)
    session = rig.session
    rig.login()
    session.toggle("201")  # the two FBS claims only
    session.pay()
    session.choose_card()
    session.finish_receipt()
    session.reset()
    after_one, statuses = overlay_sql(engine, rig.clock.now())
    assert statuses["101"] is LocalStatus.PAID_HERE_WAITING

    rig.login()  # back again: the debtor claims this time
    session.pay()
    session.choose_card()
    session.finish_receipt()
    session.reset()
    after_two, statuses = overlay_sql(engine, rig.clock.now())
    assert statuses["201"] is LocalStatus.PAID_HERE_WAITING

    assert len(after_one) == 2  # the claims paid here, then FBS's refusals among them
    assert after_two == after_one
