"""Must show (issue 15, item 3): a real automat (the demo's FBS simulator, the device emulators on
ptys, a SQLite ledger, ``build_core`` from a configuration file with ``[metrics] enabled``) takes
payments while a test scrapes ``/metrics`` and ``/healthz`` over HTTP, and finds each payment
counted with its øre, the devices' health, and the FBS outbox backlog falling to zero once FBS
is back."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from drivers.base import Health
from drivers.base.printer import PaperStatus
from kiosk.payment.states import State
from tests.integration.test_end_to_end import cash_ready, insert
from tests.integration.test_end_to_end_harness import Automat, wait_for, write_config

METRICS = '\n[metrics]\nenabled = true\naddress = "127.0.0.1:0"\ncache_seconds = 1\n'

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def automat(tmp_path: Path) -> Iterator[Automat]:
    a = Automat.from_file(write_config(tmp_path, "rest", extra=METRICS))
    try:
        a.wait_ready()
        yield a
    finally:
        a.close()


def scrape(a: Automat) -> Samples:
    assert a.core.metrics is not None
    with urllib.request.urlopen(a.core.metrics.url + "/metrics", timeout=10) as reply:
        text = reply.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def healthz(a: Automat) -> tuple[int, str]:
    assert a.core.metrics is not None
    try:
        with urllib.request.urlopen(a.core.metrics.url + "/healthz", timeout=10) as reply:
            return reply.status, reply.read().decode().strip()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode().strip()


def scraped(a: Automat, name: str, **labels: str) -> float:
    return scrape(a).get((name, tuple(sorted(labels.items()))), float("nan"))


def eventually(a: Automat, name: str, value: float, **labels: str) -> None:
    """The figure as the ledger has it once the metrics' cache (1 s here) has expired."""
    wait_for(lambda: scraped(a, name, **labels) == value, timeout=20)


def test_a_scrape_during_demo_sessions_finds_payments_devices_and_the_outbox(automat: Automat):
    a = automat
    before = scrape(a)
    assert before[("kiosk_payments_total", (("method", "card"),))] == 0
    for device in ("coin_acceptor", "note_validator", "card_terminal", "printer", "scanner"):
        assert before[("kiosk_device_health", (("device", device), ("health", "ok")))] == 1
    assert before[("kiosk_printer_paper", (("state", "ok"),))] == 1
    assert healthz(a) == (200, "ok")

    # Anna pays her two old claims (50,00) by card while FBS answers 500: the payment is taken,
    # its FBS registration waits in the outbox
    a.log_in("3210000001", "0101")
    a.sim.faults.http_500 = True
    a.session.pay()
    a.emulators.terminal.approve_next()
    a.session.choose_card()
    assert a.session.state is State.RECEIPT
    a.session.finish_receipt()
    eventually(a, "kiosk_payments_total", 1, method="card")
    m = scrape(a)
    assert m[("kiosk_payments_ore_total", (("method", "card"),))] == 5000
    assert m[("kiosk_sessions_total", (("outcome", "done"),))] == 1
    assert m[("kiosk_fbs_outbox_pending", ())] == 1
    assert m[("kiosk_fbs_errors_total", (("operation", "register_payment"),
                                          ("reason", "unavailable")))] >= 1
    assert m[("kiosk_fbs_request_seconds_count", (("operation", "authenticate"),))] >= 1
    assert m[("kiosk_in_service", ())] == 0  # FBS did not answer its last call
    assert healthz(a) == (503, "FBS does not answer")

    # Bo pays cash (3 × 20,00 for the debtor system with 20 + 20 + 20 kr.): cash is counted
    # with its øre, and the three debtor items wait for the export
    a.sim.faults.clear()
    a.session.reset()  # the end screen's timer, at the UI
    a.session.start()
    a.session.identify("0202802222")
    a.session.enter_pin("0202")
    a.session.pay()
    a.session.choose_cash()
    cash_ready(a)
    insert(a, coins=("DK2K0A", "DK2K0A", "DK2K0A"))
    assert a.session.state is State.RECEIPT
    a.session.finish_receipt()
    eventually(a, "kiosk_payments_ore_total", 6000, method="cash")
    assert scraped(a, "kiosk_payments_total", method="cash") == 1  # one payment of 3 coins
    assert scraped(a, "kiosk_debtor_pending_items") == 3
    assert healthz(a) == (200, "ok")  # FBS answered the login again

    # FBS is back: the outbox worker delivers, the backlog falls to zero; so does the export
    worker = a.core.outbox_worker
    assert worker is not None
    wait_for(lambda: bool(worker.tick()) and scraped(a, "kiosk_fbs_outbox_pending") == 0,
             timeout=30)  # the first retry waits out a 5 s backoff
    assert scraped(a, "kiosk_fbs_outbox_oldest_age_seconds") == 0
    assert a.core.export_scheduler is not None and a.core.export_scheduler.tick()
    eventually(a, "kiosk_debtor_pending_items", 0)
    assert scraped(a, "kiosk_debtor_last_export_timestamp_seconds") > time.time() - 60

    # a device goes down: its health says so; with the terminal and both acceptors down the
    # automat cannot take a payment
    a.emulators.printer.paper = PaperStatus.OUT
    a.core.devices.printer.paper_status()  # as before the next receipt
    m = scrape(a)
    assert m[("kiosk_device_health", (("device", "printer"), ("health", "down")))] == 1
    for device in (*a.core.devices.acceptors, a.core.devices.terminal):
        device._set_health(Health.DOWN, "unplugged")  # what a driver does when its link drops
    code, reason = healthz(a)
    assert code == 503 and "no payment device works" in reason
    assert a.audit_clean()
