"""Months at the automat in one run: thousands of citizen sessions through the real core, and what
a kill mid-payment costs the next start.

The world is ``tests/world/server.py`` in a process of its own (the FBS simulator on loopback,
the ccTalk coin acceptor, SSP note validator, ZVT terminal and ESC/POS printer emulators on
ptys); the automat is this process: the window of ``kiosk run`` (Qt offscreen) over
``build_core`` from a real configuration (every device a real driver on the world's ptys, SQLite
in WAL mode with ``synchronous=FULL``, the FBS outbox and debtor export workers running), played
through its buttons by ``bench/soak_sessions.py``: card, cash with change, exact cash, desk bon
with a remainder bon, bon then card, cancel and timeout with cash in (credit bons), wrong PIN,
looking and leaving; FBS and debtor claims.

- ``sessions_per_s`` over the whole run; ``rss_growth_mb``, ``threads_growth`` (the process's
  OS threads) and ``fds_growth`` (its open file descriptors) from after the first 500 sessions
  (``--baseline``) to after the last, each measured once the automat has been idle a moment with
  Python's garbage collected; the RSS also split into anonymous memory and file-backed pages
  (``rss_anon_growth_mb``, ``rss_file_growth_mb``: a leak grows the first); ``audit_clean``:
  ``kiosk audit`` of the ledger (no open session) and the crash proof's checks against the
  world's own count (money the devices took = money accounted, every fee registered once, every
  debtor item in one delivered file).
- ``restart_to_ready_s``: the production ``kiosk run`` (``tests/qt_automat.py``) SIGKILLed with
  coins in a payment, then a new process until systemd's ``READY=1`` (the attract screen painted,
  recovery done), against ``clean_start_s``, a start after a clean stop, interleaved in the same
  run; ``restart_ratio`` of the medians.

    python bench/soak.py [--json] [--sessions N] [--baseline N] [--restart-rounds R]
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import json
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CONFIG = """\
[automat]
id = "soak-01"
library_name = "Udholdenhedsbiblioteket"

[database]
data_dir = "{folder}/data"

[logging]
level = "WARNING"

[fbs]
adapter = "rest"
agency_id = "{agency_id}"
outbox_interval_s = 10

[fbs.rest]
base_url = "{rest_url}"
username = "demo"
password = {{ file = "fbs-password" }}

[claims]
cut_off_date = {cut_off_date}

[bons]
signing_key = {{ file = "bon-key" }}

[debtor]
profile = "generic-csv"
output_dir = "{folder}/debtor-outgoing"
interval_minutes = 1

[ui]
idle_seconds = 600
countdown_seconds = 5
end_screen_seconds = 120

"""

TARGETS = {"rss_growth_mb": "≤ 5", "threads_growth": "0", "fds_growth": "0",
           "audit_clean": "true", "restart_ratio": "≤ 1.3"}


# -- the world ---------------------------------------------------------------------------------
class World:
    """``tests/world/server.py`` in its own process, and the configuration over it."""

    def __init__(self, folder: Path) -> None:
        from tests.world.client import WorldClient

        self.folder = folder
        self.dir = folder / "world"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.world.server", str(self.dir)], cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
            stderr=(folder / "world.log").open("ab"),
        )
        deadline = time.monotonic() + 60
        while not (self.dir / "world.json").exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the world did not start; see {folder / 'world.log'}")
            time.sleep(0.05)
        self.client = WorldClient(self.dir)
        (folder / "fbs-password").write_text("demo\n")
        (folder / "bon-key").write_text("soak-benchmark-bon-signing-key-32-bytes\n")
        self.config = folder / "kiosk.toml"
        from tests.world.campaign import WORLD_DEVICES

        config = CONFIG + WORLD_DEVICES
        self.config.write_text(config.format(folder=folder, **self.client.info))

    def close(self) -> None:
        self.client.close()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)


# -- the process's own resources -----------------------------------------------------------------
def resources() -> dict[str, Any]:
    """Resident memory (MB), OS threads and open file descriptors of this process; SQLite's own
    memory (MB) and the Python threads by name, to tell what grew."""
    status = dict(
        line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines()
    )
    return {
        "rss_mb": int(status["VmRSS"].split()[0]) / 1024,
        # anonymous memory (the heaps, Python's arenas, thread stacks: where a leak shows) and
        # file-backed pages (code and data of the libraries as first used: no leak)
        "rss_anon_mb": int(status["RssAnon"].split()[0]) / 1024,
        "rss_file_mb": int(status["RssFile"].split()[0]) / 1024,
        "threads": int(status["Threads"]),
        "fds": len(os.listdir("/proc/self/fd")),
        "sqlite_mb": sqlite_memory_mb(),
        **heap_mb(),
        **anon_by_kind_mb(),
        "py_blocks": sys.getallocatedblocks(),
        "thread_names": Counter(t.name for t in threading.enumerate()),
    }


ARENA_ALIGN = 64 * 2**20  # glibc's HEAP_MAX_SIZE on 64 bits: a thread arena starts at a multiple
GUARD_MAX = 64 * 2**10  # a thread's guard page (glibc: one page); an arena's unused tail is MBs
ANON_KINDS = ("anon_heap_mb", "anon_arenas_mb", "anon_stacks_mb", "anon_other_mb")


def anon_by_kind_mb() -> dict[str, float]:
    """The process's anonymous memory (MB, ``/proc/self/smaps``) by where it lives:
    ``anon_heap_mb`` the main malloc arena (``[heap]``), ``anon_arenas_mb`` the other malloc
    arenas (mappings at multiples of 64 MB), ``anon_stacks_mb`` thread stacks (a mapping right
    after a guard page, or ``[stack]``; an arena's inaccessible tail, megabytes, is no guard),
    ``anon_other_mb`` the rest: Python's object arenas, malloc's large blocks (mmapped one
    each), what libraries mmap themselves."""
    kinds = dict.fromkeys(ANON_KINDS, 0.0)
    kind, after_guard = "anon_other_mb", False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split()
        if "-" in head[0] and len(head) >= 5:  # a mapping: start-end perms offset dev inode [name]
            start, end = (int(address, 16) for address in head[0].split("-"))
            name = head[5] if len(head) > 5 else ""
            kind = ("anon_heap_mb" if name == "[heap]" else
                    "anon_arenas_mb" if not name and start % ARENA_ALIGN == 0 else
                    "anon_stacks_mb" if name == "[stack]" or (after_guard and not name) else
                    "anon_other_mb")
            after_guard = head[1] == "---p" and not name and end - start <= GUARD_MAX
        elif head[0] == "Anonymous:":
            kinds[kind] += int(head[1]) / 1024
    return kinds


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def heap_mb() -> dict[str, float]:
    """glibc's heap (MB): ``heap_used_mb`` allocated by malloc and not freed (objects: a leak
    grows it), ``heap_free_mb`` freed but kept inside the arenas (fragmentation grows it); empty
    where the C library has no ``mallinfo2``."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallinfo2 = libc.mallinfo2
    except (OSError, AttributeError):
        return {}
    mallinfo2.restype = _Mallinfo2
    info = mallinfo2()
    return {"heap_used_mb": (info.uordblks + info.hblkhd) / 2**20,
            "heap_free_mb": info.fordblks / 2**20}


def object_counts() -> Counter[str]:
    """Python objects the garbage collector tracks, by type."""
    return Counter(type(o).__name__ for o in gc.get_objects())


def sqlite_memory_mb() -> float:
    """What SQLite's allocator holds in this process (page caches, prepared statements: memory
    tracemalloc does not see), from the shared library Python's ``sqlite3`` links (Debian's);
    -1 where that library cannot be loaded."""
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("sqlite3") or "libsqlite3.so.0")
    except OSError:
        return -1.0
    lib.sqlite3_memory_used.restype = ctypes.c_int64
    return int(lib.sqlite3_memory_used()) / 2**20


def settled(seconds: float = 1.0) -> dict[str, float]:
    """The automat idle on its attract screen a moment (workers between runs, devices polling),
    garbage collected, then its resources."""
    from PySide6.QtCore import QCoreApplication

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    gc.collect()
    return resources()


# -- the sessions ------------------------------------------------------------------------------
def soak(world: World, sessions: int, baseline: int, progress: bool) -> dict[str, Any]:
    from PySide6.QtWidgets import QApplication

    from bench.soak_sessions import Citizen, WorldHands, play
    from drivers.base import Health
    from kiosk.config import load_config
    from kiosk.ledger.audit import run_audit
    from kiosk.payment.states import State
    from tests.world.checks import Books, DebtorFiles, check
    from ui.app import WINDOW_SIZE, automat_over_core, close_automat, wait_for_core
    from ui.qt_platform import install_message_handler
    from ui.walkthrough_driver import Driver, WalkthroughError

    config = load_config(world.config)
    restore_messages = install_message_handler()  # Qt's messages in the log, as `kiosk run`
    app = QApplication.instance() or QApplication([])
    window, built = automat_over_core(config, demo=False)
    window.resize(*WINDOW_SIZE)
    window.show()
    try:
        if not wait_for_core(window, 120):
            raise RuntimeError("the core did not load")
        core = built["core"]
        driver = Driver(window, WorldHands(world.client), world.folder)  # type: ignore[arg-type]
        driver.wait(lambda: all(h is Health.OK for h in core.devices.health().values()),
                    "every device up")
        citizen = Citizen(driver, world.client, core)
        kinds: Counter[str] = Counter()
        failures: list[str] = []
        #: sessions, RSS, SQLite, heap used, heap free (MB), Python's allocated blocks
        series: list[tuple[int, float, float, float, float, int]] = []
        first_objects = last_objects = Counter[str]()
        first = last = resources()
        began = time.monotonic()
        busy = 0.0
        for n in range(sessions):
            start = time.monotonic()
            kind, ok, why = play(citizen, n)
            busy += time.monotonic() - start
            kinds[kind] += 1
            if not ok:
                failures.append(f"session {n + 1} ({kind}): {why}")
                window.bridge.cancel()  # a clean automat for the next citizen
                window.bridge.reset()
                try:
                    driver.wait(lambda: driver.state is State.IDLE, "a clean start")
                except WalkthroughError:
                    break
            done = n + 1
            if done in (baseline, sessions) or done % baseline == 0:
                last = settled()
                last_objects = object_counts()
                if done == baseline:
                    first = last
                    first_objects = last_objects
                series.append((done, round(last["rss_mb"], 1), round(last["sqlite_mb"], 2),
                               round(last.get("heap_used_mb", -1), 2),
                               round(last.get("heap_free_mb", -1), 2), last["py_blocks"]))
                if progress:
                    print(f"soak: {done} sessions, {done / (time.monotonic() - began):.2f}/s,"
                          f" RSS {last['rss_mb']:.1f} MB (anon {last['rss_anon_mb']:.1f},"
                          f" file {last['rss_file_mb']:.1f}, SQLite {last['sqlite_mb']:.2f},"
                          f" heap used {last.get('heap_used_mb', -1):.2f}"
                          f" free {last.get('heap_free_mb', -1):.2f},"
                          f" Python blocks {last['py_blocks']};"
                          f" anon heap {last['anon_heap_mb']:.1f}"
                          f" arenas {last['anon_arenas_mb']:.1f}"
                          f" stacks {last['anon_stacks_mb']:.1f}"
                          f" other {last['anon_other_mb']:.1f}),"
                          f" {last['threads']} threads,"
                          f" {last['fds']} fds, {len(failures)} failed", file=sys.stderr,
                          flush=True)
        elapsed = time.monotonic() - began
        core.exporter.run()  # the last debtor file now, as technician mode's "export now"
        report = run_audit(core.engine)
        found = check(world.client.truth(), Books.read(core.engine),
                      DebtorFiles.read(world.folder / "debtor-outgoing"), core.engine,
                      world.client.slips())
    finally:
        close_automat(window, built)
        app.processEvents()
        restore_messages()
    return {
        "sessions": sessions,
        "sessions_failed": len(failures),
        "sessions_per_s": sessions / elapsed,
        "session_busy_s": busy / sessions,
        "rss_after_baseline_mb": first["rss_mb"],
        "rss_after_last_mb": last["rss_mb"],
        "rss_growth_mb": last["rss_mb"] - first["rss_mb"],
        "rss_anon_growth_mb": last["rss_anon_mb"] - first["rss_anon_mb"],
        "rss_file_growth_mb": last["rss_file_mb"] - first["rss_file_mb"],
        "threads_growth": last["threads"] - first["threads"],
        "threads_added": sorted((last["thread_names"] - first["thread_names"]).elements()),
        "sqlite_growth_mb": last["sqlite_mb"] - first["sqlite_mb"],
        "heap_used_growth_mb": last.get("heap_used_mb", 0) - first.get("heap_used_mb", 0),
        "heap_free_growth_mb": last.get("heap_free_mb", 0) - first.get("heap_free_mb", 0),
        "py_blocks_growth": last["py_blocks"] - first["py_blocks"],
        **{kind.replace("_mb", "_growth_mb"): last[kind] - first[kind]
           for kind in ANON_KINDS},
        "objects_grown": dict((last_objects - first_objects).most_common(8)),
        "fds_growth": last["fds"] - first["fds"],
        "audit_clean": report.clean and not report.open_sessions and not found,
        "audit_sessions_checked": report.sessions_checked,
        "audit_problems": report.lines()[:-1] + [str(d) for d in found],
        "failures": failures[:20],
        "kinds": dict(kinds),
        "rss_series_mb": series,
    }


# -- restart after a kill ------------------------------------------------------------------------
def restart(world: World, rounds: int) -> dict[str, Any]:
    """Per round: a start after a clean stop (timed), a citizen's coins in, SIGKILL; a start
    that recovers that payment (timed); a clean stop at the attract screen."""
    from kiosk.config import load_config
    from kiosk.ledger.audit import run_audit
    from kiosk.ledger.db import make_engine
    from tests.qt_automat import NotifySocket

    config = load_config(world.config)
    clean, recovering = [], []
    recovered = True
    engine = make_engine(config.database_url())
    notify = NotifySocket()
    try:
        for n in range(rounds):
            automat, ready = start(world, notify, n * 2)
            clean.append(ready)
            automat.send({"cmd": "pay_cash", "old": [4000], "new": [], "coins": [2000, 500]})
            automat.expect("coins_in", timeout=120)
            automat.kill()
            automat, ready = start(world, notify, n * 2 + 1)
            recovering.append(ready)
            report = run_audit(engine)  # the killed payment finished by recovery, nothing lost
            recovered = recovered and report.clean and not report.open_sessions
            automat.signal(signal.SIGTERM)
            if automat.proc.wait(60) != 0:
                raise RuntimeError(f"no clean stop; see {automat.log}")
    finally:
        notify.close()
        engine.dispose()
    return {
        "clean_start_s": statistics.median(clean),
        "restart_to_ready_s": statistics.median(recovering),
        "restart_ratio": statistics.median(recovering) / statistics.median(clean),
        "restart_recovered": recovered,
    }


def start(world: World, notify: Any, n: int) -> tuple[Any, float]:
    """A new ``kiosk run`` process; seconds from its spawn to ``READY=1``."""
    from tests.qt_automat import QtAutomat

    ready_before = notify.count("READY=1")
    automat = QtAutomat(world.config, world.dir, world.folder / f"automat-{n:02d}.log", notify)
    notify.wait_for("READY=1", n=ready_before + 1, timeout=120)
    seconds = _ready_at(notify, ready_before) - automat.started
    automat.expect("loaded")
    return automat, seconds


def _ready_at(notify: Any, before: int) -> float:
    with notify._lock:
        readies = [t for t, m in notify.messages if m.split("\n")[0] == "READY=1"]
    return readies[before]


# -- main ----------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=500,
                        help="sessions before the first measurement (at most half of them)")
    parser.add_argument("--restart-rounds", type=int, default=5)
    parser.add_argument("--progress", action="store_true", help="a line on stderr per stage")
    args = parser.parse_args()
    if args.sessions < 2 or args.restart_rounds < 0:
        parser.error("--sessions must be at least 2 and --restart-rounds not negative")
    baseline = max(1, min(args.baseline, args.sessions // 2))
    with tempfile.TemporaryDirectory(prefix="kiosk-soak-") as tmp:
        folder = Path(tmp)
        os.environ["XDG_CACHE_HOME"] = str(folder / "cache")
        logging.basicConfig(filename=folder / "soak.log", level=logging.WARNING)
        world = World(folder)
        try:
            result = soak(world, args.sessions, baseline, args.progress)
            if args.restart_rounds:
                result.update(restart(world, args.restart_rounds))
        finally:
            world.close()
    if threading.active_count() > 1 and args.progress:
        print(f"soak: {threading.active_count()} Python threads at the end", file=sys.stderr)
    if args.json:
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v
                          for k, v in result.items()}, indent=2, ensure_ascii=False))
        return 0
    print(f"{'measure':<24} {'value':>10} {'target':>8}")
    for key, value in result.items():
        if isinstance(value, (list, dict)):
            continue
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        print(f"{key:<24} {shown:>10} {TARGETS.get(key, ''):>8}")
    for line in result["failures"] + result["audit_problems"]:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
