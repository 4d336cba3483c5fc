"""FBS look-up latency: patron authenticate → classified claims against the simulator on
loopback, ours against the bare round trips in the same run.

* ``rest_lookup_ms``: ``RestFbsPort.authenticate`` + ``claims`` (JSON → Patron and Claims, exact
  amounts, classification). ``rest_floor_ms``: the same two HTTP requests with a bare
  ``requests.Session`` and ``json.loads``, nothing else.
* ``sip2_lookup_ms``, ``sip2_floor_ms``, ``codec_ratio_vs_pysip2``: from ``bench/sip2_codec.py``
  (the SIP2 codec and adapter's own benchmark) when present, else null.

Medians of ``--rounds`` look-ups (≥ 200), measured alternately so both sides see the same load.

    python bench/fbs.py [--json] [--rounds N]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.fbs.rest import ClaimClassifier, RestClient, RestFbsPort  # noqa: E402
from kiosk.fbs.simulator.server import start_simulator  # noqa: E402
from kiosk.fbs.simulator.state import SimulatorState  # noqa: E402

CARD, PIN = "3210000003", "0303"  # mixed old and new claims: 4 fees, 2 with material


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def rest(rounds: int) -> dict[str, float]:
    state = SimulatorState.seeded()
    with start_simulator(state, sip2_port=None) as sim:
        port = RestFbsPort(
            RestClient(sim.rest_url, state.agency_id, "demo", "demo"),
            ClaimClassifier.of(state.cut_off_date, (), ["andet bibliotek"]),
        )
        bare = requests.Session()
        root = f"{sim.rest_url}/{state.agency_id}"
        key = bare.post(
            f"{root}/authentication/login", json={"username": "demo", "password": "demo"}
        ).json()["sessionKey"]
        bare.headers["X-Session"] = key

        def ours() -> None:
            port.claims(port.authenticate(CARD, PIN))

        def floor() -> None:
            reply = bare.post(
                f"{root}/patrons/authenticate", json={"libraryCardNumber": CARD, "pincode": PIN}
            )
            patron_id = json.loads(reply.content)["patron"]["patronId"]
            fees = bare.get(
                f"{root}/patron/{patron_id}/fees",
                params={"includepaid": "false", "includenonpayable": "true"},
            )
            json.loads(fees.content)

        samples = _alternate({"ours": ours, "floor": floor}, rounds)
        port.close()
        bare.close()
    return {
        "rest_lookup_ms": _median_ms(samples["ours"]),
        "rest_floor_ms": _median_ms(samples["floor"]),
    }


def _alternate(funcs: dict[str, Callable[[], None]], rounds: int) -> dict[str, list[float]]:
    for func in funcs.values():  # warm up connections and code paths
        for _ in range(10):
            func()
    samples: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(rounds):
        for name, func in funcs.items():
            start = time.perf_counter()
            func()
            samples[name].append(time.perf_counter() - start)
    return samples


def sip2(rounds: int) -> dict[str, Any]:
    """Delegate to H1's ``bench/sip2_codec.py`` when it is there."""
    path = ROOT / "bench" / "sip2_codec.py"
    result: dict[str, Any] = {"sip2_lookup_ms": None, "sip2_floor_ms": None,
                              "codec_ratio_vs_pysip2": None}  # fmt: skip
    if not path.exists():
        result["sip2_note"] = "bench/sip2_codec.py not present"
        return result
    spec = importlib.util.spec_from_file_location("sip2_codec_bench", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in ("sip2_lookup_ms", "sip2_floor_ms"):
        if hasattr(module, name):
            result[name] = round(float(getattr(module, name)(rounds)), 3)
    if hasattr(module, "codec_ratio_vs_pysip2"):
        codec = module.codec_ratio_vs_pysip2()
        if isinstance(codec, dict):  # {"sip2_codec_ratio": ..., msgs/s of both codecs}
            result.update({k: v for k, v in codec.items() if k != "sip2_codec_ratio"})
            codec = codec.get("sip2_codec_ratio")
        result["codec_ratio_vs_pysip2"] = codec
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--rounds", type=int, default=300, help="look-ups per side (≥ 200)")
    args = parser.parse_args()
    rounds = max(args.rounds, 200)
    result: dict[str, Any] = {**rest(rounds), **sip2(rounds), "rounds": rounds}
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"FBS look-up (authenticate → classified claims), median of {rounds}, loopback")
    print(f"{'measure':<24}{'value':>12}")
    for name, value in result.items():
        if name != "rounds":
            print(f"{name:<24}{value if value is not None else '—'!s:>12}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
