"""FBS may answer a login by CPR with the CPR itself as the patron identifier (SIP2 ``AA``). The
ledger then never holds that CPR in clear outside what needs it: the debtor items (the file needs
the CPR) and an FBS registration while it is pending (FBS needs the patron). The same patron is
still recognised at the next visit ("paid here, waiting for the municipality"), and staff's
follow-up list names the patron by name and masked CPR."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from kiosk.config.fbs import Sip2Settings
from kiosk.domain import LocalStatus
from kiosk.fbs.simulator.seed import seeded_state
from kiosk.fbs.simulator.sip2_tcp import Sip2TcpServer
from kiosk.fbs.sip2.adapter import Sip2FbsPort
from kiosk.ledger.models import Base, OutboxItem
from kiosk.patron_ids import PSEUDONYM_PREFIX, PatronIds
from kiosk.payment.states import State
from kiosk.reports import report_lines, z_report
from tests.payment_fakes import AUTOMAT, SessionRig, session_rig

ANNA = ("0101701111", "0101")  # only old claims: registered in FBS
BO = ("0202802222", "0202")  # only new claims: debtor items


@pytest.fixture
def server() -> Iterator[Sip2TcpServer]:
    state = seeded_state()
    state.cpr_as_patron_id = True
    with Sip2TcpServer(state) as srv:
        yield srv


@pytest.fixture
def rig(engine: Engine, server: Sip2TcpServer, monkeypatch: pytest.MonkeyPatch) -> SessionRig:
    monkeypatch.setenv("TEST_SIP2_PASSWORD", "sip2")
    settings = Sip2Settings.model_validate(
        {
            "host": server.host,
            "port": server.port,
            "username": "sip2",
            "password": {"env": "TEST_SIP2_PASSWORD"},
            "timeout_s": 10.0,
        }
    )
    fbs = Sip2FbsPort(
        settings, institution=server.state.agency_id, cut_off_date=server.state.cut_off_date
    )
    return session_rig(engine, fbs=fbs, bons="plain")


def pay_all_by_card(rig: SessionRig, cpr: str, pin: str) -> None:
    rig.login(cpr, pin)
    s = rig.session
    assert s.state is State.CLAIMS
    assert s.patron is not None and s.patron.id == cpr  # FBS answered the CPR as the patron
    s.pay()
    s.choose_card()
    assert s.state is State.RECEIPT
    s.finish_receipt()
    s.reset()


def ledger_text(engine: Engine, *, leave_out_debtor_items: bool = True) -> str:
    """Every row of every ledger table as text (the debtor items, which carry the CPR the
    municipality's file needs, left out when asked)."""
    out = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                if leave_out_debtor_items and row.get("kind") == "debtor_item":
                    continue
                out.append(f"{table.name}: {dict(row)}")
    return "\n".join(out)


def clear_forms(cpr: str) -> list[str]:
    return [cpr, f"{cpr[:6]}-{cpr[6:]}"]


def test_an_fbs_registration_keeps_the_cpr_only_until_fbs_has_it(
    rig: SessionRig, server: Sip2TcpServer
) -> None:
    cpr, pin = ANNA
    pay_all_by_card(rig, cpr, pin)
    (item,) = rig.rows(OutboxItem)
    assert item.payload["patron_id"] == cpr  # pending: FBS needs the patron to register
    assert item.payload["patron"] == "Anna Andersen (010170-****)"
    rig.outbox.deliver_due()
    assert all(f.paid_at for f in server.state.fees(server.state.find_patron(cpr).patron_id)
               if f.fee_id in item.payload["fee_ids"])  # registered for Anna, found by her CPR
    text = ledger_text(rig.engine)
    assert not any(form in text for form in clear_forms(cpr)), "a CPR in clear in the ledger"
    assert PSEUDONYM_PREFIX in text  # the session and its allocations keep the pseudonym


def test_the_same_patron_is_recognised_at_the_next_visit_and_the_cpr_stays_out(
    rig: SessionRig,
) -> None:
    cpr, pin = BO
    pay_all_by_card(rig, cpr, pin)
    rig.login(cpr, pin)
    s = rig.session
    waiting = {c.id for c in s.claims if c.status is LocalStatus.PAID_HERE_WAITING}
    assert waiting and not s.selection.chosen  # paid here last time: shown, not payable again
    s.cancel()
    assert not any(form in ledger_text(rig.engine) for form in clear_forms(cpr))
    debtor = ledger_text(rig.engine, leave_out_debtor_items=False)
    assert cpr in debtor  # only in the debtor items, whose file must name the citizen


def test_a_refused_registration_is_listed_by_name_and_masked_cpr(
    rig: SessionRig, server: Sip2TcpServer
) -> None:
    server.state.faults.year_end = True
    cpr, pin = ANNA
    pay_all_by_card(rig, cpr, pin)
    rig.outbox.deliver_due()
    (item,) = rig.rows(OutboxItem)
    assert item.state == "refused" and item.payload["patron_id"] == cpr  # retried with it later
    report = "\n".join(report_lines(z_report(rig.engine, AUTOMAT, rig.clock.now().date())))
    assert "Anna Andersen (010170-****)" in report
    assert not any(form in report for form in clear_forms(cpr))


def test_a_pseudonym_is_keyed_stable_and_leaves_other_ids_alone() -> None:
    ids, other = PatronIds.from_secret(b"k" * 32), PatronIds.from_secret(b"j" * 32)
    cpr = ANNA[0]
    assert ids.stored(cpr) == ids.stored(f"{cpr[:6]}-{cpr[6:]}")  # one patron, one pseudonym
    assert ids.stored(cpr).startswith(PSEUDONYM_PREFIX) and cpr not in ids.stored(cpr)
    assert ids.stored(cpr) != other.stored(cpr)  # without the installation's key, no match
    assert ids.stored(ids.stored(cpr)) == ids.stored(cpr)
    assert ids.stored("3210000001") == "3210000001"  # a card number stays what it is
    assert ids.stored("123456") == "123456"  # an FBS patron id too


def test_a_patron_shows_no_cpr_in_its_repr() -> None:
    from kiosk.domain import Patron

    assert "010170-****" in repr(Patron(ANNA[0], "Anna Andersen"))
    assert "1111" not in repr(Patron(ANNA[0], "Anna Andersen"))
