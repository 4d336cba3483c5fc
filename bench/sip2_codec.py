"""SIP2 speed: our codec against pysip2's on the same messages, and a patron lookup over loopback
against a bare-socket round-trip floor. ``bench/fbs.py`` imports these functions; run alone it
prints a table, or one JSON object with ``--json``.

    python bench/sip2_codec.py [--json] [--rounds R]

* ``codec_ratio_vs_pysip2``: encode a 63 request and decode the 64 reply (FBS's recorded shape,
  three fine items), encode a 37 and decode the 38, with error detection, bytes in and out, in
  both codecs. Batches alternate between the two; the ratio of medians is ours / pysip2's.
* ``sip2_floor_ms``: a client that sends a 63 line on a TCP socket and reads a reply line from a
  server that answers with a prebuilt 64: the least any SIP2 lookup on this machine can take.
* ``sip2_lookup_ms``: ``Sip2FbsPort.authenticate`` + ``claims`` (classified) against the
  simulator's SIP2 TCP server on the same loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.fbs.sip2.codec import decode, encode, make

DATE = "20170619    125151"
REPLY_64 = (
    "64              00920161021    145207000000000002000300000004AODK-761500|AALN:3208100032|"
    "AETestlåner Aarhus|BZ9999|CA9999|CB9999|BLY|CQY|BHDKK|BV215.00|CC200.00|AS|AT|AU|"
    "AV%289097%20160920%175.00%%%%%|AV4711%289098%20210105%20.00%Krig og fred%Tolstoj%%|"
    "AV%289099%20210301%20.00%Gebyr%%%|BU|CD|"
)
REPLY_38 = "38Y20170619    125151AODK-761500|AALN:3208100032|BKorder-1-289097|"


def _ours_messages() -> tuple[Callable[[], object], ...]:
    request_63 = make(
        "63",
        language="009",
        transaction_date=DATE,
        summary="   Y      ",
        AO="DK-761500",
        AA="3208100032",
        AC="",
        AD="1234",
    )
    request_37 = make(
        "37",
        transaction_date=DATE,
        fee_type="01",
        payment_type="00",
        currency_type="DKK",
        BV="175.00",
        AO="DK-761500",
        AA="3208100032",
        CG="289097",
        BK="order-1-289097",
    )
    frame_64 = (encode(decode(REPLY_64), sequence=3) + "\r").encode("cp850")
    frame_38 = (encode(decode(REPLY_38), sequence=4) + "\r").encode("cp850")

    def lookup() -> object:
        (encode(request_63, sequence=3) + "\r").encode("cp850")
        return decode(frame_64.decode("cp850"))

    def pay() -> object:
        (encode(request_37, sequence=4) + "\r").encode("cp850")
        return decode(frame_38.decode("cp850"))

    return lookup, pay


def _pysip2_messages() -> tuple[Callable[[], object], ...]:
    import pysip2

    request_63 = pysip2.PatronInformationRequest(
        language="009",
        transaction_date=DATE,
        summary="   Y      ",
        institution_id="DK-761500",
        patron_identifier="3208100032",
        terminal_password="",
        patron_password="1234",
    )
    request_37 = pysip2.FeePaidRequest(
        transaction_date=DATE,
        fee_type="01",
        payment_type="00",
        currency_type="DKK",
        fee_amount="175.00",
        institution_id="DK-761500",
        patron_identifier="3208100032",
        fee_identifier="289097",
        transaction_id="order-1-289097",
    )
    frame_64 = (encode(decode(REPLY_64), sequence=3) + "\r").encode("cp850")
    frame_38 = (encode(decode(REPLY_38), sequence=4) + "\r").encode("cp850")

    def lookup() -> object:
        pysip2.encode_message(request_63, sequence_number=3, checksum=True)
        return pysip2.decode_message(frame_64)

    def pay() -> object:
        pysip2.encode_message(request_37, sequence_number=4, checksum=True)
        return pysip2.decode_message(frame_38)

    return lookup, pay


def _rate(functions: tuple[Callable[[], object], ...], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        for fn in functions:
            fn()
    return n * len(functions) / (time.perf_counter() - start)


def codec_ratio_vs_pysip2(rounds: int = 15, n: int = 2000) -> dict[str, float]:
    """Messages per second (encode + decode pairs) of both codecs; ratio of medians, ours/theirs."""
    ours, theirs = _ours_messages(), _pysip2_messages()
    _rate(ours, 200), _rate(theirs, 200)  # warm up
    ours_rates, their_rates = [], []
    for _ in range(rounds):
        ours_rates.append(_rate(ours, n))
        their_rates.append(_rate(theirs, n))
    ours_median, their_median = statistics.median(ours_rates), statistics.median(their_rates)
    return {
        "sip2_codec_msgs_per_s": round(ours_median),
        "pysip2_codec_msgs_per_s": round(their_median),
        "sip2_codec_ratio": round(ours_median / their_median, 2),
    }


def _read_line(sock: socket.socket, buffer: bytearray) -> bytes:
    while (end := buffer.find(b"\r")) < 0:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        buffer += chunk
    line = bytes(buffer[:end])
    del buffer[: end + 1]
    return line


def sip2_floor_ms(n: int = 300) -> float:
    """Median ms of a bare-socket SIP2 round trip (63 line out, prebuilt 64 line back)."""
    reply = (encode(decode(REPLY_64), sequence=0) + "\r").encode("cp850")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buffer = bytearray()
        with conn:
            try:
                while True:
                    _read_line(conn, buffer)
                    conn.sendall(reply)
            except (ConnectionError, OSError):
                return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    request = (
        encode(
            make(
                "63",
                language="009",
                transaction_date=DATE,
                summary="   Y      ",
                AO="DK-761500",
                AA="3208100032",
                AD="1234",
            ),
            sequence=0,
        )
        + "\r"
    ).encode("cp850")
    client = socket.create_connection(("127.0.0.1", port))
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buffer = bytearray()
    times = []
    for i in range(n + 20):
        start = time.perf_counter()
        client.sendall(request)
        _read_line(client, buffer)
        if i >= 20:
            times.append((time.perf_counter() - start) * 1000)
    client.close()
    listener.close()
    thread.join(timeout=10)
    return statistics.median(times)


def sip2_lookup_ms(n: int = 300) -> float:
    """Median ms of authenticate + classified claims through Sip2FbsPort against the simulator."""
    from kiosk.config.fbs import Sip2Settings
    from kiosk.fbs.simulator import seed
    from kiosk.fbs.simulator.sip2_tcp import Sip2TcpServer
    from kiosk.fbs.simulator.state import SimulatorState
    from kiosk.fbs.sip2.adapter import Sip2FbsPort

    state = SimulatorState.seeded()
    os.environ.setdefault("BENCH_SIP2_PASSWORD", state.sip2_client.password)
    card, pin = f"321000{seed.MIXED - 1000:04d}", f"{seed.MIXED - 1000:02d}" * 2
    with Sip2TcpServer(state) as server:
        settings = Sip2Settings.model_validate(
            {
                "host": server.host,
                "port": server.port,
                "username": state.sip2_client.username,
                "password": {"env": "BENCH_SIP2_PASSWORD"},
            }
        )
        fbs = Sip2FbsPort(settings, institution=state.agency_id, cut_off_date=state.cut_off_date)
        times = []
        for i in range(n + 20):
            start = time.perf_counter()
            claims = fbs.claims(fbs.authenticate(card, pin))
            if i >= 20:
                times.append((time.perf_counter() - start) * 1000)
        assert len(claims) == len(state.fees(seed.MIXED))
        fbs.close()
    return statistics.median(times)


def run(rounds: int = 15) -> dict[str, float]:
    result: dict[str, float] = dict(codec_ratio_vs_pysip2(rounds))
    floor, lookup = sip2_floor_ms(), sip2_lookup_ms()
    result.update(
        sip2_floor_ms=round(floor, 3),
        sip2_lookup_ms=round(lookup, 3),
        sip2_lookup_over_floor_ms=round(lookup - floor, 3),
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    result = run(args.rounds)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{'measure':<28}{'median':>12}")
        for key, value in result.items():
            print(f"{key:<28}{value:>12,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
