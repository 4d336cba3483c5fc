"""The world an automat lives in: its hardware and FBS, in a process that survives the automat.

Run as ``python -m tests.world.server DIR`` (or forked by :mod:`tests.world.zygote`). It starts

- the FBS simulator (REST and SIP2 over TCP) on loopback with the seed patrons of
  ``docs/demo-patrons.md``;
- a ccTalk coin acceptor, an SSP note validator, a ZVT card terminal and an ESC/POS printer, each
  the protocol emulator on a :class:`~drivers.emulation.pty.PtyPort` whose stable path is in DIR
  (``coin``, ``notes``, ``terminal``, ``printer``): an automat opens them as it opens
  ``/dev/serial/by-id/...``. The port keeps its own slave fd, so a SIGKILLed automat does not
  break the master and the next automat process opens the same device with its state intact;
- a control channel, JSON lines on ``DIR/control.sock``: the citizen's hands (drop a coin, feed
  a note, what the terminal does next, fresh claims at FBS, a bon bought at the desk) and the
  **truth**, counted from the devices' own state and never from the automat: coins the acceptor
  took (its credit buffered, read by a host or not), notes stacked (not those given back from
  escrow), card payments the terminal's journal approved minus reversals, each fee's payment
  calls and registrations at the simulator, the slips the printer cut.

``DIR/world.json`` (paths, URLs, ports) appears once everything listens.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socketserver
import sys
import threading
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from drivers.cctalk.emulator import CoinAcceptorEmulator
from drivers.emulation.pty import PtyPort
from drivers.escpos.emulator import EscposEmulator
from drivers.ssp import codec as ssp_codec
from drivers.ssp.emulator import SspEmulator
from drivers.zvt.emulator import ZvtEmulator
from kiosk.fbs.simulator.seed import seeded_state
from kiosk.fbs.simulator.server import SimulatorHandle, start_simulator
from kiosk.fbs.simulator.state import PaymentResult, SimulatorError, SimulatorState
from tests.world.wire import Channel

log = logging.getLogger("world")

#: coin value in øre → the coin id the acceptor reports (its ccTalk name)
COIN_IDS = {50: "DK050A", 100: "DK100A", 200: "DK200A", 500: "DK500A", 1000: "DK1K0A",
            2000: "DK2K0A"}
COIN_VALUES = {ident: value for value, ident in COIN_IDS.items()}
NOTES_KR = (50, 100, 200, 500, 1000)  # the SSP validator's channels 1..5
#: the seed patron with old (FBS) and new (debtor) claims: docs/demo-patrons.md
PATRON_ID = 1003
FIRST_FEE_ID = 900_001
#: how long the terminal waits for the host's ACK before it gives a dialogue up (ZVT's T3 is
#: 5 s; shorter here, or every kill in a card dialogue would cost the next start-up 5 s)
ZVT_ACK_TIMEOUT_S = 1.5


class WorldFbs(SimulatorState):
    """The simulator's state, also keeping every payment call per fee (a retried registration
    with the same order is fine; a fee paid by two orders, or a repeated SIP2 37 that paid
    again, shows here), and adding fresh claims so one world serves many citizens."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.pay_calls: list[tuple[str, int, str]] = []  # (order id, fee id, status or error)
        self._next_fee = FIRST_FEE_ID
        self.added: list[int] = []

    def pay(
        self, patron_id: int, order_id: str, fee_ids: Any, *, today: date | None = None
    ) -> list[PaymentResult]:
        ids = list(fee_ids)
        try:
            results = super().pay(patron_id, order_id, ids, today=today)
        except SimulatorError as exc:
            with self._lock:
                self.pay_calls += [(order_id, f, f"error: {exc}") for f in ids if type(f) is int]
            raise
        with self._lock:
            self.pay_calls += [(order_id, r.fee_id, r.payment_status) for r in results]
        return results

    def add_claims(
        self, patron_id: int, old: list[int], new: list[int], *, only: bool = False
    ) -> dict[str, list[int]]:
        """Fresh claims for the next citizen: ``old`` (before the cut-off: pay here into FBS) and
        ``new`` (debtor system) amounts in øre. The patron's other open debtor claims are first
        reported paid in the debtor system, as the municipality does, so the fresh ones are the
        oldest open debtor claims and can be selected alone. ``only``: the patron's open old
        claims that no automat ever tried to pay are paid at the library's desk too, so the
        fresh ones are all the patron owes (the soak benchmark's citizen pays what is shown)."""
        today = date.today()
        with self._lock:
            tried = {fee_id for _order, fee_id, _status in self.pay_calls}
            for fee in self.fees(patron_id):
                debtor = not fee.payable_by_client and not fee.never_transferred
                if debtor or (only and fee.payable_by_client and fee.fee_id not in tried):
                    self._fees[fee.fee_id] = replace(fee, paid_date=today)
            made: dict[str, list[int]] = {"old": [], "new": []}
            for kind, amounts, days in (("old", old, -30), ("new", new, 10)):
                for amount in amounts:
                    fee_id, self._next_fee = self._next_fee, self._next_fee + 1
                    self.add_fee(
                        patron_id,
                        fee_id,
                        kind="fee",
                        reason="Gebyr for sen aflevering",
                        amount_ore=amount,
                        created=self.cut_off_date + timedelta(days=days),
                        due=self.cut_off_date + timedelta(days=days + 30),
                        sip2_fee_type="04",
                    )
                    made[kind].append(fee_id)
                    self.added.append(fee_id)
            return made

    def fee_truth(self) -> dict[str, Any]:
        """Per fee with any payment call: the calls per order, and the order FBS holds it paid
        by (None: not paid, or paid elsewhere)."""
        with self._lock:
            calls = list(self.pay_calls)
            paid = {f.fee_id: f.paid_by_order for f in self._fees.values()}
            registrations = list(self.registrations)
        fees: dict[str, Any] = {}
        for order, fee_id, status in calls:
            entry = fees.setdefault(str(fee_id), {"calls": {}, "statuses": [], "registered": 0})
            entry["calls"][order] = entry["calls"].get(order, 0) + 1
            entry["statuses"].append(status)
        for _order, fee_id in registrations:
            entry = fees.setdefault(str(fee_id), {"calls": {}, "statuses": [], "registered": 0})
            entry["registered"] += 1
        for fee_id, entry in fees.items():
            entry["paid_by"] = paid.get(int(fee_id))
        return fees


class World:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started = time.time()
        self.fbs = seeded_state(WorldFbs)
        self.sim: SimulatorHandle = start_simulator(self.fbs, host="127.0.0.1", sip2_port=0)
        self.coin = CoinAcceptorEmulator(port=PtyPort("coin", folder))
        self.notes = SspEmulator(port=PtyPort("notes", folder))
        self.terminal = ZvtEmulator(
            port=PtyPort("terminal", folder), prompt_repeat_s=0.1, ack_timeout=ZVT_ACK_TIMEOUT_S
        )
        self.printer = EscposEmulator(port=PtyPort("printer", folder)).start()
        self._history = len(self.terminal.journal)  # the terminal's yesterday is not ours
        self.desk: list[dict[str, Any]] = []  # bons bought with cash at the library's desk
        self.drops: list[dict[str, Any]] = []  # every coin and note a citizen offered
        self._lock = threading.Lock()

    def describe(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "coin": self.coin.path,
            "notes": self.notes.path,
            "terminal": self.terminal.path,
            "printer": self.printer.path,
            "rest_url": self.sim.rest_url,
            "sip2_host": self.sim.host,
            "sip2_port": self.sim.sip2_port,
            "agency_id": self.fbs.agency_id,
            "cut_off_date": self.fbs.cut_off_date.isoformat(),
            "patron_id": PATRON_ID,
            "control": str(self.folder / "control.sock"),
        }

    def close(self) -> None:
        for close in (self.coin.close, self.notes.close, self.terminal.close, self.printer.stop,
                      self.sim.stop):
            with contextlib.suppress(Exception):
                close()

    # -- the citizen's hands -------------------------------------------------------------------
    def drop_coin(self, value: int) -> dict[str, Any]:
        accepted = self.coin.insert_coin(COIN_IDS[value])
        with self._lock:
            self.drops.append({"t": time.time(), "what": "coin", "ore": value,
                               "accepted": accepted})
        return {"accepted": accepted, "counter": self.coin.counter}

    def feed_note(self, kroner: int) -> dict[str, Any]:
        accepted = self.notes.insert_note(kroner)
        with self._lock:
            self.drops.append({"t": time.time(), "what": "note", "ore": kroner * 100,
                               "accepted": accepted})
        return {"accepted": accepted}

    def cash_ready(self) -> dict[str, Any]:
        coin = self.coin.accepts(self.coin.position_of(COIN_IDS[2000]))
        with self.notes.lock:
            notes = self.notes.enabled and bool(self.notes.inhibits & 1)
        return {"coin": coin, "notes": notes}

    def validator_quiet(self) -> dict[str, Any]:
        """No note in escrow or on its way to the cash box, no event waiting for a poll."""
        with self.notes.lock:
            quiet = (self.notes.escrow is None and self.notes.stacking is None
                     and not self.notes.pending)
        return {"quiet": quiet}

    def validator_state(self) -> dict[str, Any]:
        """Where a fed note is: ``held`` (in escrow, and the validator has reported it: the
        host must accept or return it) or ``stacking`` (on its way into the cash box)."""
        with self.notes.lock:
            reported = not any(event[0] == ssp_codec.READ_NOTE for event in self.notes.pending)
            return {"held": self.notes.escrow is not None and reported,
                    "stacking": self.notes.stacking is not None}

    def terminal_next(self, plan: str) -> dict[str, Any]:
        script = {
            "approve": self.terminal.approve_next,
            "decline": self.terminal.decline_next,
            "abort": self.terminal.citizen_abort_next,
            "drop": lambda: self.terminal.drop_link_mid_authorisation(approve=True),
            "drop_decline": lambda: self.terminal.drop_link_mid_authorisation(approve=False),
        }
        self.terminal.forget_script()  # a plan an earlier, killed automat never used
        script[plan]()
        return {}

    def terminal_plug(self) -> dict[str, Any]:
        """Plug the terminal's cable back in (after a scripted link drop)."""
        if not self.terminal.port.plugged:
            self.terminal.replug()
        return {"plugged": self.terminal.port.plugged}

    # -- the truth -----------------------------------------------------------------------------
    def truth(self) -> dict[str, Any]:
        with self.coin.lock:
            taken = list(self.coin.taken)
        coins = [{"counter": c, "id": i, "ore": COIN_VALUES[i]} for c, i in taken]
        with self.notes.lock:
            stacked = [NOTES_KR[ch - 1] * 100 for ch in self.notes.stacked]
            stacking = self.notes.stacking
            escrow = self.notes.escrow
            returned = [NOTES_KR[ch - 1] * 100 for ch in self.notes.returned]
        if stacking is not None:  # on its way into the cash box: taken, reported or not
            stacked.append(NOTES_KR[stacking - 1] * 100)
        journal = list(self.terminal.journal)[self._history:]
        approved = [
            {"trace": t.trace_no, "ore": t.amount_ore, "receipt": t.receipt_no}
            for t in journal
            if t.kind == "payment" and t.result_code == 0 and not t.reversed
        ]
        with self._lock:
            desk = list(self.desk)
            drops = list(self.drops)
        return {
            "coins": {"ore": sum(c["ore"] for c in coins), "taken": coins},
            "notes": {
                "ore": sum(stacked),
                "stacked": stacked,
                "in_escrow": NOTES_KR[escrow - 1] * 100 if escrow else 0,
                "returned": returned,
            },
            "card": {
                "ore": sum(a["ore"] for a in approved),
                "approved": approved,
                "declined": sum(1 for t in journal if t.kind == "payment" and t.result_code),
            },
            "desk": {"ore": sum(d["ore"] for d in desk), "bons": desk},
            "fbs": self.fbs.fee_truth(),
            "slips": len(self.printer.slips),
            "drops": drops,
        }

    def slips(self) -> dict[str, Any]:
        return {"slips": [{"text": s.text, "qr": s.qr_codes} for s in self.printer.slips]}

    def add_claims(self, old: list[int], new: list[int], only: bool = False) -> dict[str, Any]:
        return self.fbs.add_claims(PATRON_ID, old, new, only=only)

    def desk_bon(self, code: str, ore: int) -> dict[str, Any]:
        """Staff took ``ore`` in cash at the desk and issued bon ``code`` for it."""
        with self._lock:
            self.desk.append({"code": code, "ore": ore})
        return {}

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        args = {k: v for k, v in request.items() if k != "op"}
        handler = {
            "ping": lambda: {"pid": os.getpid()},
            "drop_coin": self.drop_coin,
            "feed_note": self.feed_note,
            "cash_ready": self.cash_ready,
            "validator_quiet": self.validator_quiet,
            "validator_state": self.validator_state,
            "terminal_next": self.terminal_next,
            "terminal_plug": self.terminal_plug,
            "truth": self.truth,
            "slips": self.slips,
            "add_claims": self.add_claims,
            "desk_bon": self.desk_bon,
        }.get(op or "")
        if handler is None:
            return {"error": f"unknown op {op!r}"}
        try:
            return {"ok": True, **handler(**args)}
        except Exception as exc:  # a bad request must not take the world down
            log.exception("control %s failed", op)
            return {"error": f"{type(exc).__name__}: {exc}"}


class _Control(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True
    world: World


class _ControlHandler(socketserver.BaseRequestHandler):
    server: _Control

    def handle(self) -> None:
        channel = Channel(self.request)
        while True:
            request = channel.recv()
            if request is None:
                return
            channel.send(self.server.world.handle(request))


def serve(folder: Path, until: threading.Event | None = None, parent: Channel | None = None) -> int:
    """Start the world in ``folder`` and serve until ``until`` is set or ``parent`` (the channel
    of whoever started it) closes; SIGTERM ends it too."""
    folder.mkdir(parents=True, exist_ok=True)
    stop = until or threading.Event()
    world = World(folder)
    sock_path = folder / "control.sock"
    with contextlib.suppress(FileNotFoundError):
        sock_path.unlink()
    control = _Control(str(sock_path), _ControlHandler)
    control.world = world
    thread = threading.Thread(target=control.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    described = world.describe()
    tmp = folder / "world.json.new"
    tmp.write_text(json.dumps(described, indent=1))
    os.replace(tmp, folder / "world.json")
    if parent is not None:
        parent.send({"event": "ready", "world": described})
        threading.Thread(target=lambda: (parent.recv(), stop.set()), daemon=True).start()
    with contextlib.suppress(ValueError):  # not the main thread: no signal handler
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    log.info("world ready in %s", folder)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        control.shutdown()
        control.server_close()
        world.close()
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.world.server DIR", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    return serve(Path(argv[0]).resolve())


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
