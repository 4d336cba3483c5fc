"""A kill campaign: one world, one ledger, many automat processes, each killed, each restart
checked against the world's truth.

The test process only orchestrates and checks. The zygote forks the world (which lives for the
whole campaign) and every automat process. For each :class:`Step` an automat process starts
(recovering what the previous one left), the checks of :mod:`tests.world.checks` run against it
once it is ready, then it plays the step's scenario and is SIGKILLed: by itself right after a
journal point, by the test at a random delay after a mark (a coin dropped, a note fed, the card
token written, a cancel, a timeout), by the test during its own start-up (recovery itself), or,
when nothing killed it, by the test once the citizen has left. The truth is cumulative (the
hardware keeps its state across every kill), and so are the checks.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from kiosk.ledger.db import make_engine
from tests.world.checks import Books, DebtorFiles, Discrepancy, check, device_money
from tests.world.client import WorldClient
from tests.world.wire import Channel

REPO = Path(__file__).resolve().parents[2]
EVENT_TIMEOUT_S = 60.0  # no automat step takes this long, even on a loaded machine


class CampaignError(Exception):
    """The machinery itself failed (a process that would not start, a world that died)."""


class Zygote:
    """The forking parent of :mod:`tests.world.zygote`, started once per test session."""

    def __init__(self, folder: Path) -> None:
        self.path = str(folder / "zygote.sock")
        self.log = folder / "zygote.log"
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.world.zygote", self.path],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log.open("ab"),
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if line.strip() != b"ready":
            raise CampaignError(f"the zygote did not start: {line!r}; see {self.log}")
        self.start_s = time.monotonic() - started

    def spawn(self, role: str, args: dict[str, Any], log: Path) -> Child:
        channel = Channel.connect(self.path)
        channel.send({"op": "spawn", "role": role, "args": args, "log": str(log)})
        first = channel.recv(timeout=EVENT_TIMEOUT_S)
        if first is None or first.get("event") != "spawned":
            raise CampaignError(f"{role} did not start: {first}; see {log}")
        return Child(int(first["pid"]), channel, log)

    def returncode(self, pid: int, timeout: float = EVENT_TIMEOUT_S) -> int:
        channel = Channel.connect(self.path)
        try:
            reply = channel.request({"op": "status", "pid": pid}, timeout)
        finally:
            channel.close()
        return int(reply["returncode"])

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class Child:
    pid: int
    channel: Channel
    log: Path
    events: list[dict[str, Any]] = field(default_factory=list)
    killed_at: float | None = None

    def next_event(self, timeout: float = EVENT_TIMEOUT_S) -> dict[str, Any] | None:
        try:
            event = self.channel.recv(timeout)
        except TimeoutError:
            raise CampaignError(f"automat {self.pid} silent for {timeout:.0f} s; see {self.log}"
                                ) from None
        if event is not None:
            self.events.append(event)
        return event

    def kill(self) -> None:
        if self.killed_at is None:
            self.killed_at = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)

    def wait_gone(self) -> None:
        """Read until the end of the stream: the kernel closes it when the process is gone."""
        while self.next_event() is not None:
            pass
        self.channel.close()


@dataclass
class Step:
    """One automat process's citizen and how it dies."""

    scenario: str
    crash_at: str = ""  # a journal point: the automat SIGKILLs itself right after that write
    mark: str = ""  # a random moment: the test SIGKILLs it delay_s after the nth such mark
    nth: int = 1
    delay_s: float = 0.0
    #: or, after the mark, the moment the note validator reaches this state (``note_held``: in
    #: escrow and reported; ``note_held_or_stacking``: or already on its way to the cash box)
    until: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    #: then the next automat is SIGKILLed this long after it started (recovery under a kill)
    kill_startup_after_s: float | None = None

    @property
    def label(self) -> str:
        plan = f"[{self.options['plan']}]" if self.options.get("plan") else ""
        if self.crash_at:
            where = f"after journal point {self.crash_at}"
        elif self.mark and self.until:
            where = f"when the validator shows {self.until} after {self.mark}"
        elif self.mark:
            nth = f"#{self.nth}" if self.nth > 1 else ""
            where = f"{self.delay_s * 1000:.0f} ms after {self.mark}{nth}"
        else:
            where = "once the citizen left"
        startup = (f", then its restart killed {self.kill_startup_after_s * 1000:.0f} ms into"
                   " start-up" if self.kill_startup_after_s is not None else "")
        return f"{self.scenario}{plan} killed {where}{startup}"


@dataclass
class Kill:
    number: int
    label: str
    how: str  # journal, random, idle, startup
    point: str = ""  # where it died (journal point reached, or the mark)
    new: list[Discrepancy] = field(default_factory=list)  # found at the restart after it
    error: str = ""  # the automat said a step did not happen as a citizen would see it
    seconds: float = 0.0


@dataclass
class CampaignResult:
    name: str
    database: str
    seed: int | None
    kills: list[Kill] = field(default_factory=list)
    truth: dict[str, Any] = field(default_factory=dict)
    accounted: dict[str, int] = field(default_factory=dict)
    open: list[Discrepancy] = field(default_factory=list)  # still there at the end
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    startups: list[float] = field(default_factory=list)
    known: str = ""  # why it is expected to fail today (the test's xfail reason), if it is

    @property
    def discrepancies(self) -> list[tuple[Kill, Discrepancy]]:
        return [(k, d) for k in self.kills for d in k.new]

    def report(self) -> str:
        """Every discrepancy with the kill after which it appeared (what a failure prints)."""
        seed = f", seed {self.seed} (KIOSK_CRASH_SEED={self.seed} replays it)" if (
            self.seed is not None) else ""
        lines = [f"{self.name} on {self.database}{seed}: {len(self.kills)} kills,"
                 f" {len(self.discrepancies)} discrepancies, {len(self.errors)} automat errors"]
        for kill, found in self.discrepancies:
            lines.append(f"  after kill #{kill.number} ({kill.label}): {found}")
        lines += [f"  automat error: {e}" for e in self.errors]
        return "\n".join(lines)


#: the world's devices as an automat's configuration names them (``str.format`` fields: the
#: emulators' ptys), for every automat run against the world
WORLD_DEVICES = """\
[devices.coin_acceptor]
port = "{coin}"

[devices.note_validator]
port = "{notes}"
protocol = "ssp"
channel_values = {{ "1" = 5000, "2" = 10000, "3" = 20000 }}

[devices.card_terminal]
port = "{terminal}"
transaction_timeout_s = 30

[devices.printer]
connection = "serial"
port = "{printer}"
"""

CONFIG = """\
[automat]
id = "world-01"
library_name = "Verdensbiblioteket"

[database]
url = "{ledger_url}"
data_dir = "{folder}/data"

[logging]
level = "INFO"

[fbs]
adapter = "{adapter}"
agency_id = "{agency_id}"
outbox_interval_s = 3600  # the start-up round only: the test checks between rounds

[fbs.rest]
base_url = "{rest_url}"
username = "demo"
password = {{ file = "fbs-password" }}

[fbs.sip2]
transport = "tcp"
host = "{sip2_host}"
port = {sip2_port}
username = "sip2"
password = {{ file = "sip2-password" }}
error_detection = true

[claims]
cut_off_date = {cut_off_date}

[bons]
signing_key = {{ file = "bon-key" }}

[debtor]
profile = "generic-csv"
output_dir = "{folder}/debtor-outgoing"
interval_minutes = 1440  # the start-up run only

""" + WORLD_DEVICES


class Campaign:
    def __init__(
        self,
        zygote: Zygote,
        folder: Path,
        ledger_url: str,
        *,
        name: str,
        database: str,
        seed: int | None = None,
        adapter: str = "rest",
    ) -> None:
        self.zygote = zygote
        self.folder = folder
        self.ledger_url = ledger_url
        self.result = CampaignResult(name, database, seed)
        self.adapter = adapter
        self._seen: set[tuple[str, str, int]] = set()
        self._starts = 0
        (folder / "logs").mkdir(parents=True, exist_ok=True)
        self._world = zygote.spawn("world", {"folder": str(folder / "world")},
                                   folder / "logs" / "world.log")
        ready = self._world.next_event()
        if ready is None or ready.get("event") != "ready":
            raise CampaignError(f"the world did not start: {ready}")
        self.world = WorldClient(folder / "world")
        self.config = self._write_config(self.world.info)
        self.engine: Engine = make_engine(ledger_url)

    def _write_config(self, info: dict[str, Any]) -> Path:
        (self.folder / "fbs-password").write_text("demo\n")
        (self.folder / "sip2-password").write_text("sip2\n")
        (self.folder / "bon-key").write_text("device-truth-proof-bon-signing-key-32b\n")
        path = self.folder / "kiosk.toml"
        path.write_text(CONFIG.format(ledger_url=self.ledger_url, folder=self.folder,
                                      adapter=self.adapter, **info))
        return path

    def close(self) -> None:
        self.engine.dispose()
        self.world.close()
        self._world.channel.close()  # the world ends when its parent's channel closes
        with contextlib.suppress(Exception):
            self.zygote.returncode(self._world.pid, timeout=15)

    # -- processes -------------------------------------------------------------------------------
    def _spawn(self) -> Child:
        self._starts += 1
        log = self.folder / "logs" / f"automat-{self._starts:03d}.log"
        return self.zygote.spawn("automat", {"config": str(self.config),
                                             "world": str(self.folder / "world")}, log)

    def _wait_ready(self, child: Child) -> None:
        while True:
            event = child.next_event()
            if event is None:
                raise CampaignError(f"automat {child.pid} died starting up; see {child.log}")
            if event["event"] == "ready":
                self.result.startups.append(event["startup_s"])
                return
            if event["event"] == "error":
                child.kill()
                child.wait_gone()
                raise CampaignError(f"automat {child.pid} could not start: {event['message']};"
                                    f" see {child.log}")

    def start(self) -> Child:
        child = self._spawn()
        self._wait_ready(child)
        return child

    def kill_during_startup(self, after_s: float) -> Kill:
        """Start an automat and SIGKILL it ``after_s`` into its start-up (build_core: recovery,
        the start-up outbox round and export)."""
        began = time.monotonic()
        child = self._spawn()
        while True:
            event = child.next_event()
            if event is None or event["event"] == "mark":
                break
        time.sleep(after_s)
        child.kill()
        child.wait_gone()
        self._expect_killed(child)
        marks = {e.get("name") or e["event"] for e in child.events}
        where = ("after ready" if "ready" in marks else
                 "after build_core (start-up outbox round, export, devices)" if "built" in marks
                 else "in build_core (ledger, devices, recovery)")
        kill = Kill(len(self.result.kills) + 1,
                    f"restart killed {after_s * 1000:.0f} ms into start-up", "startup", where)
        kill.seconds = time.monotonic() - began
        self.result.kills.append(kill)
        return kill

    def _expect_killed(self, child: Child) -> None:
        code = self.zygote.returncode(child.pid)
        if code != -signal.SIGKILL:
            raise CampaignError(f"automat {child.pid} ended with {code}, not by SIGKILL;"
                                f" see {child.log}")

    # -- one step --------------------------------------------------------------------------------
    def play(self, child: Child, step: Step) -> Kill:
        """The citizen of ``step`` on ``child``, until the process is dead."""
        began = time.monotonic()
        kill = Kill(len(self.result.kills) + 1, step.label,
                    "journal" if step.crash_at else "random" if step.mark else "idle")
        child.channel.send({"cmd": "play", "scenario": step.scenario, "crash_at": step.crash_at,
                            "options": step.options})
        marks = 0
        while True:
            event = child.next_event()
            if event is None:
                break
            what = event["event"]
            if what == "dying":
                kill.point = event["point"]
            elif what == "mark" and step.mark and event["name"] == step.mark:
                marks += 1
                if marks == step.nth and child.killed_at is None:
                    if step.until:
                        kill.point = f"{step.mark}, then {self._reached(step.until)}"
                    else:
                        time.sleep(step.delay_s)
                        kill.point = f"{step.mark}+{step.delay_s * 1000:.0f}ms"
                    child.kill()
                    late = (time.time() - event["t"]) * 1000
                    kill.point += f" (SIGKILL {late:.1f} ms after the mark was sent)"
            elif what == "completed":
                if not kill.point:
                    kill.point = "citizen left"
                    if step.crash_at or step.mark:  # the campaign would test less than it says
                        kill.error = f"{step.crash_at or step.mark} never came"
                        self.result.errors.append(f"kill #{kill.number} ({step.label}):"
                                                  f" {kill.error}; see {child.log}")
                child.kill()
            elif what == "error":
                kill.error = event["message"]
                self.result.errors.append(f"kill #{kill.number} ({step.label}):"
                                          f" {event['message']} (see {child.log})")
                child.kill()
        child.channel.close()
        self._expect_killed(child)
        kill.seconds = time.monotonic() - began
        self.result.kills.append(kill)
        return kill

    def _reached(self, until: str, timeout: float = 5.0) -> str:
        """Poll the world until the note validator is in state ``until``; what it showed."""
        wanted = {"note_held": ("held",), "note_held_or_stacking": ("held", "stacking")}[until]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.world.validator_state()
            shown = [name for name in wanted if state[name]]
            if shown:
                return shown[0]
            time.sleep(0.001)
        return f"no {until} within {timeout:.0f} s"

    # -- the checks ------------------------------------------------------------------------------
    def check(self, after: Kill | None) -> list[Discrepancy]:
        truth = self.world.truth()
        books = Books.read(self.engine)
        files = DebtorFiles.read(self.folder / "debtor-outgoing")
        found = check(truth, books, files, self.engine, self.world.slips())
        before = next((o for k, _s, o in self._seen if k == "money" and _s == "total"), 0)
        found = [
            Discrepancy(d.kind, d.subject, d.ore,
                        f"{d.ore - before:+d} øre since the restart before; {d.detail}")
            if (d.kind, d.subject) == ("money", "total") else d
            for d in found
        ]
        new = [d for d in found if d.key not in self._seen]
        self._seen = {d.key for d in found}
        if after is not None:
            after.new += new
        elif new:  # before the first kill: a fresh world and ledger must already agree
            raise CampaignError("a fresh world and ledger disagree: " + "; ".join(map(str, new)))
        self.result.truth = truth
        self.result.accounted = {"settled": books.settled, "credited": books.credited,
                                 "refunded": books.refunded, "desk_redeemed": books.desk_redeemed}
        self.result.open = found
        return found

    def run(self, steps: list[Step]) -> CampaignResult:
        """Every step in one world; checks after every restart; a last clean start at the end."""
        began = time.monotonic()
        child = self.start()
        self.check(None)
        for step in steps:
            kill = self.play(child, step)
            self.world.terminal_plug()  # a terminal whose link dropped comes back
            if step.kill_startup_after_s is not None:
                self.kill_during_startup(step.kill_startup_after_s)
                kill = self.result.kills[-1]
            child = self.start()
            self.check(kill)
        child.channel.send({"cmd": "exit"})
        child.wait_gone()
        code = self.zygote.returncode(child.pid)
        if code != 0:
            self.result.errors.append(f"the last automat ended with {code}; see {child.log}")
        self.result.seconds = time.monotonic() - began
        return self.result


def money_line(result: CampaignResult) -> str:
    truth = result.truth
    devices = device_money(truth) if truth else {"coins": 0, "notes": 0, "card": 0}
    acc = result.accounted or {"settled": 0, "credited": 0, "refunded": 0, "desk_redeemed": 0}
    money_in = sum(devices.values()) + acc["desk_redeemed"]
    accounted = acc["settled"] + acc["credited"] + acc["refunded"]
    return (f"in {money_in} øre (coins {devices['coins']}, notes {devices['notes']}, card"
            f" {devices['card']}, desk bons {acc['desk_redeemed']}); accounted {accounted}"
            f" (settled {acc['settled']}, credited {acc['credited']}, refunded"
            f" {acc['refunded']})")
