"""The citizen UI's speed and memory, each against a baseline measured in the same run.

- ``startup_ratio``: cold start of a new process to the attract screen painted (configuration
  read, data folder and ledger checked as ``kiosk run`` does, translation loaded; the ledger and
  session load on the session worker right after), over
  a bare PySide6 window in a new process; median of ``--rounds`` starts each, interleaved.
- ``rss_ratio``: resident memory of those processes once idle (the automat with its real core
  loaded, as ``kiosk run`` builds it: ledger, FBS REST client, workers, recovery; the
  configuration names no devices), automat over bare window.
- ``scan_to_claims_ms``: identifier and PIN given → the claims screen shown (FBS answers at once:
  this is our cost: worker, ledger look-up, queued signal, drawing).
- ``coin_to_screen_ms``: a credit event from a device → the new amount on the cash screen
  (includes the durable ledger write, SQLite ``synchronous=FULL``).

    python bench/ui.py [--json] [--rounds R] [--samples N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CONFIG = """
[automat]
id = "bench-01"
library_name = "Benchbiblioteket"
[database]
data_dir = "{data}"
[fbs]
adapter = "rest"
agency_id = "DK-999999"
[fbs.rest]
base_url = "http://127.0.0.1:1/rest/external/v1"
username = "bench"
password = {{ file = "secret" }}
[claims]
cut_off_date = 2020-09-01
pay_elsewhere_url = "https://kommune.example/betal"
[bons]
signing_key = {{ file = "secret" }}
"""

BARE = """
import os, time
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
w = QLabel("Betalingsautomat")
w.resize(1280, 800)
w.show()
app.processEvents()
w.grab()
print("ready", flush=True)
"""

AUTOMAT = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from PySide6.QtWidgets import QApplication
from kiosk.config import load_config
from kiosk.preflight import check_storage
from ui.compose import build_automat
config = load_config(Path({config!r}))
check_storage(config)  # as `kiosk run` does before its window: data folder, ledger at head
app = QApplication([])

def build():  # what `kiosk run` builds: ledger, FBS client, workers, recovery (no devices here)
    from kiosk.app import build_core
    core = build_core(config, demo=False)
    core.attach_device_listener(w.bridge.device_listener)
    return core.new_session()

w = build_automat(build, library_name=config.automat.library_name, claims=config.claims,
                  cash=config.cash)
w.resize(1280, 800)
w.show()
app.processEvents()
assert w.stack.currentWidget() is w.attract
w.grab()
print("ready", flush=True)
from ui.app import wait_for_core
assert wait_for_core(w, 60)  # the core is loaded before memory is measured
"""

TAIL = """
import time
for _ in range(20):  # idle a moment, as on the attract screen
    app.processEvents()
    time.sleep(0.01)
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS"))
print("rss", rss, flush=True)
"""


def start_once(code: str) -> tuple[float, int]:
    """Seconds from spawning the process to its first painted window, and its idle RSS in kB."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    if line.strip() != "ready":
        raise RuntimeError(f"child did not start: {line!r}")
    rss = int(proc.stdout.readline().split()[1])
    proc.wait(timeout=60)
    return elapsed, rss


def startup(rounds: int, config: Path) -> dict[str, float]:
    automat = AUTOMAT.format(root=str(ROOT), config=str(config)) + TAIL
    bare = BARE + TAIL
    start_once(automat)  # first run migrates the database and compiles the translation
    a_times, b_times, a_rss, b_rss = [], [], [], []
    for _ in range(rounds):
        t, r = start_once(bare)
        b_times.append(t)
        b_rss.append(r)
        t, r = start_once(automat)
        a_times.append(t)
        a_rss.append(r)
    return {
        "startup_bare_s": statistics.median(b_times),
        "startup_automat_s": statistics.median(a_times),
        "startup_ratio": statistics.median(a_times) / statistics.median(b_times),
        "rss_bare_mb": statistics.median(b_rss) / 1024,
        "rss_automat_mb": statistics.median(a_rss) / 1024,
        "rss_ratio": statistics.median(a_rss) / statistics.median(b_rss),
    }


def interaction(samples: int, config: Path) -> dict[str, float]:
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from bench.fake_world import fake_session
    from kiosk.config import load_config
    from kiosk.payment.states import State
    from ui.compose import build_automat, shutdown

    loaded = load_config(config)
    app = QApplication.instance() or QApplication([])
    session, hands = fake_session(loaded)
    w = build_automat(session, library_name="Bench", claims=loaded.claims, cash=loaded.cash)
    for acceptor in session.devices.acceptors:
        acceptor.sink = w.bridge.device_listener
    w.resize(1280, 800)
    w.show()

    def until(condition, limit: float = 30.0) -> None:
        deadline = time.perf_counter() + limit
        while not condition():
            if time.perf_counter() > deadline:
                raise RuntimeError("bench: timed out")
            QCoreApplication.processEvents()

    def state() -> State:
        return w.snapshot.view.state if w.snapshot else State.IDLE

    scan = []
    identifier, pin = hands.identity("demo")
    for _ in range(samples):
        until(lambda: w.stack.currentWidget() is w.attract)
        start = time.perf_counter()
        w.input_scanned(identifier)
        w.bridge.enter_pin(pin)  # a PIN pad beside the reader: both arrive together
        until(lambda: w.stack.currentWidget() is w.claims and w.claims.claim_buttons != {})
        app.processEvents()  # the paint
        scan.append((time.perf_counter() - start) * 1000)
        w.bridge.cancel()
        until(lambda: state() is State.CANCELLED)
        w.bridge.reset()
        until(lambda: state() is State.IDLE)

    w.input_scanned(identifier)
    w.bridge.enter_pin(pin)
    until(lambda: state() is State.CLAIMS)
    w.bridge.pay()
    until(lambda: state() is State.CHOOSING_TENDER)
    w.bridge.choose_cash()
    until(lambda: w.stack.currentWidget() is w.cash)
    coin = []
    for n in range(1, samples + 1):
        expected = f"{n // 2},{50 if n % 2 else 0:02d} kr"
        start = time.perf_counter()
        hands.insert_coin(50)
        until(lambda e=expected: e in w.cash.amounts.text().split("\n")[1])
        app.processEvents()
        coin.append((time.perf_counter() - start) * 1000)
    w.bridge.cancel()
    until(lambda: state() is State.CANCELLED)
    shutdown(w)
    hands.core.close()
    return {
        "scan_to_claims_ms": statistics.median(scan),
        "coin_to_screen_ms": statistics.median(coin),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--samples", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "secret").write_text("bench-secret-key-at-least-32-bytes\n")
        config = folder / "kiosk.toml"
        config.write_text(CONFIG.format(data=folder / "data"))
        os.environ["XDG_CACHE_HOME"] = str(folder / "cache")
        result = startup(args.rounds, config)
        result.update(interaction(args.samples, config))
    targets = {
        "startup_ratio": 2.0,
        "scan_to_claims_ms": 150,
        "coin_to_screen_ms": 50,
        "rss_ratio": 1.5,
    }
    if args.json:
        print(json.dumps({k: round(v, 3) for k, v in result.items()}, indent=2))
        return 0
    print(f"{'measure':<20} {'median':>10} {'target':>8}")
    for key, value in result.items():
        target = targets.get(key)
        print(f"{key:<20} {value:>10.2f} {('≤ ' + str(target)) if target else '':>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
