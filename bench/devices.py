"""Cash device timing: how long a coin takes from the acceptor to a ``Credit``, against the floor.

``coin_latency_ms`` is the median, over ``--coins`` coins dropped at random moments, of the time
from the emulator buffering a credit to the driver's ``Credit`` event, through a real pty at
9600 baud with echo. ``coin_floor_ms`` is the physical floor measured against in the same run:
half the polling interval (a coin waits on average half a cycle) plus the wire time of the poll
and its reply (the echo comes back while the request is still being sent, so it adds no time).
``idle_poll_cpu_pct`` is the CPU of one idle polling driver thread (``pthread_getcpuclockid``),
as % of one core, for the ccTalk coin acceptor and the SSP validator. ``raw_loop_latency_ms`` is
the baseline measured in the same run: a bare pyserial loop sending the same poll at the same
interval, with no driver around it.

    python bench/devices.py [--json] [--coins N] [--idle-seconds S]
"""

from __future__ import annotations

import argparse
import json
import queue
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.base import Credit, Health, HealthChanged
from drivers.cctalk import codec
from drivers.cctalk.coin import CcTalkCoinAcceptor
from drivers.cctalk.emulator import CoinAcceptorEmulator
from drivers.emulation.pty import wire_time_s
from drivers.ssp.device import SspValidator
from drivers.ssp.emulator import SspEmulator
from kiosk.money import DKK_COINS

BAUD = 9600


def _wait_ok(events: queue.Queue, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            ev = events.get(timeout=0.1)
        except queue.Empty:
            continue
        if isinstance(ev, HealthChanged) and ev.health == Health.OK:
            return
    raise RuntimeError("device did not come up")


def coin_latency(coins: int) -> dict[str, float]:
    events: queue.Queue = queue.Queue()

    def listener(ev: object) -> None:
        events.put((time.perf_counter(), ev) if isinstance(ev, Credit) else ev)

    with CoinAcceptorEmulator(echo=True, baudrate=BAUD) as emu:
        dev = CcTalkCoinAcceptor(emu.path, denominations=DKK_COINS, echo=True, baudrate=BAUD)
        dev.start(listener)
        try:
            _wait_ok(events)
            dev.enable([100])
            while not (emu.master_enabled and emu.inhibit_mask):
                time.sleep(0.01)
            interval = dev.poll_interval_s
            samples = []
            for _ in range(coins):
                time.sleep(random.uniform(0.0, interval))
                t0 = time.perf_counter()
                emu.insert_coin("DK100A")
                while True:
                    item = events.get(timeout=10)
                    if isinstance(item, tuple):
                        samples.append((item[0] - t0) * 1000)
                        break
        finally:
            dev.stop()
    poll = len(codec.encode(codec.Frame(2, codec.READ_BUFFERED_CREDIT)))
    reply = len(codec.encode(codec.Frame(1, 0, bytes(11), src=2)))
    floor = interval / 2 * 1000 + wire_time_s(poll + reply, BAUD) * 1000
    samples.sort()
    return {
        "coin_latency_ms": round(statistics.median(samples), 2),
        "coin_latency_p90_ms": round(samples[int(len(samples) * 0.9)], 2),
        "coin_floor_ms": round(floor, 2),
        "coin_latency_over_floor_ms": round(statistics.median(samples) - floor, 2),
        "poll_interval_ms": round(interval * 1000, 1),
        "coins": coins,
    }


def raw_baseline_latency(coins: int, interval: float) -> float:
    """The same measurement with a bare pyserial loop: poll 229, read echo + reply, no driver."""
    import threading

    import serial

    request = codec.encode(codec.Frame(2, codec.READ_BUFFERED_CREDIT))
    seen: queue.Queue = queue.Queue()
    stop = threading.Event()
    with CoinAcceptorEmulator(echo=True, baudrate=BAUD) as emu:
        emu.inhibit_mask, emu.master_enabled = 0xFFFF, True

        def loop() -> None:
            with serial.Serial(emu.path, BAUD, timeout=1) as port:
                last = emu.counter
                next_at = time.monotonic()
                while not stop.is_set():
                    port.write(request)
                    raw = port.read(len(request) + 16)[len(request):]
                    if len(raw) == 16 and raw[4] != last:
                        last = raw[4]
                        seen.put(time.perf_counter())
                    next_at += interval
                    stop.wait(max(0.0, next_at - time.monotonic()))

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        time.sleep(0.3)
        samples = []
        for _ in range(coins):
            time.sleep(random.uniform(0.0, interval))
            t0 = time.perf_counter()
            emu.insert_coin("DK100A")
            samples.append((seen.get(timeout=10) - t0) * 1000)
        stop.set()
        thread.join(timeout=5)
    return round(statistics.median(samples), 2)


def _thread_cpu_s(ident: int) -> float:
    return time.clock_gettime(time.pthread_getcpuclockid(ident))


def idle_cpu(make, seconds: float) -> float:  # type: ignore[no-untyped-def]
    events: queue.Queue = queue.Queue()
    emu, dev = make()
    try:
        dev.start(events.put)
        _wait_ok(events)
        time.sleep(0.5)  # past start-up
        ident = dev.thread_ident
        assert ident is not None
        cpu0, wall0 = _thread_cpu_s(ident), time.perf_counter()
        time.sleep(seconds)
        cpu1, wall1 = _thread_cpu_s(ident), time.perf_counter()
    finally:
        dev.stop()
        emu.close()
    return round((cpu1 - cpu0) / (wall1 - wall0) * 100, 3)


def cctalk_rig() -> tuple[CoinAcceptorEmulator, CcTalkCoinAcceptor]:
    emu = CoinAcceptorEmulator(echo=True, baudrate=BAUD)
    return emu, CcTalkCoinAcceptor(emu.path, denominations=DKK_COINS)


def ssp_rig() -> tuple[SspEmulator, SspValidator]:
    emu = SspEmulator(baudrate=BAUD)
    return emu, SspValidator(emu.path, poll_interval_s=0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--coins", type=int, default=200)
    parser.add_argument("--idle-seconds", type=float, default=5.0)
    args = parser.parse_args()
    result = coin_latency(args.coins)
    result["raw_loop_latency_ms"] = raw_baseline_latency(
        args.coins, result["poll_interval_ms"] / 1000
    )
    result["latency_ratio_vs_raw"] = round(
        result["coin_latency_ms"] / result["raw_loop_latency_ms"], 3
    )
    result["idle_poll_cpu_pct"] = idle_cpu(cctalk_rig, args.idle_seconds)
    result["idle_poll_cpu_pct_ssp"] = idle_cpu(ssp_rig, args.idle_seconds)
    result["latency_target_met"] = result["coin_latency_ms"] <= result["coin_floor_ms"] + 5
    result["cpu_target_met"] = result["idle_poll_cpu_pct"] <= 2.0
    if args.json:
        print(json.dumps(result))
        return
    print(f"{'measure':<28} {'value':>10}")
    for key, value in result.items():
        print(f"{key:<28} {value!s:>10}")


if __name__ == "__main__":
    main()
