"""A pre-imported parent that forks automat and world processes, so each costs a fork instead of
Python's start-up and ~1.7 s of imports (SQLAlchemy, pydantic, python-escpos's printer
capabilities, requests, psycopg …).

Run as ``python -m tests.world.zygote SOCKET``: it imports everything the children need, starts
no thread, prints ``ready`` and then serves JSON lines on the unix socket ``SOCKET``:

- ``{"op": "spawn", "role": "automat" | "world", "args": {...}, "log": PATH}``: fork; the child
  (a new process with its own pid, stdout and stderr appended to ``PATH``) keeps this connection
  as its channel and first sends ``{"event": "spawned", "pid": N}``;
- ``{"op": "status", "pid": N}``: the child's wait status once it has ended, as
  ``{"pid": N, "returncode": R}`` (``-9`` for SIGKILL, as :mod:`subprocess` writes it).

The zygote ends when its stdin closes (the test process is gone) or on ``{"op": "exit"}``.
Forking is safe because the zygote never starts a thread (checked before every fork).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import random
import select
import signal
import socket
import sys
import threading
import traceback
from typing import Any

from tests.world.wire import Channel

#: what an automat and a world import (and what SQLAlchemy and build_core import lazily)
PRELOAD = (
    "psycopg",
    "sqlalchemy.dialects.postgresql.psycopg",
    "sqlalchemy.dialects.sqlite.pysqlite",
    "kiosk.debtor.setup",
    "kiosk.fbs.sip2.adapter",
    "kiosk.ledger.audit",
    "kiosk.retention",
    "tests.world.automat",
    "tests.world.server",
)


def _preload() -> None:
    """Everything the children need, loaded once before any fork."""
    for name in PRELOAD:
        importlib.import_module(name)


def _returncode(status: int) -> int:
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def _child(channel: Channel, request: dict[str, Any]) -> None:
    """In the forked child: become the role's process; never returns."""
    code = 1
    try:
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.close(null)
        random.seed()
        channel.send({"event": "spawned", "pid": os.getpid()})
        role = request["role"]
        if role == "automat":
            from tests.world.automat import run

            code = run(channel, request["args"])
        elif role == "world":
            from pathlib import Path

            from tests.world.server import serve

            code = serve(Path(request["args"]["folder"]), parent=channel)
        else:
            raise ValueError(f"unknown role {role!r}")
    except BaseException:
        traceback.print_exc()
        with contextlib.suppress(Exception):
            channel.send({"event": "error", "message": traceback.format_exc()[-2000:]})
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def serve(path: str) -> int:
    _preload()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    statuses: dict[int, int] = {}
    waiting: dict[int, list[Channel]] = {}
    print("ready", flush=True)
    while True:
        ready, _, _ = select.select([listener, sys.stdin], [], [], 0.05)
        while True:  # reap every child that ended
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            statuses[pid] = _returncode(status)
            for waiter in waiting.pop(pid, []):
                with contextlib.suppress(Exception):
                    waiter.send({"pid": pid, "returncode": statuses[pid]})
                waiter.close()
        if sys.stdin in ready and not os.read(sys.stdin.fileno(), 1024):
            return 0
        if listener not in ready:
            continue
        conn, _ = listener.accept()
        channel = Channel(conn)
        request = channel.recv(timeout=10)
        if request is None:
            channel.close()
            continue
        op = request.get("op")
        if op == "exit":
            channel.close()
            return 0
        if op == "status":
            pid = int(request["pid"])
            if pid in statuses:
                channel.send({"pid": pid, "returncode": statuses[pid]})
                channel.close()
            else:
                waiting.setdefault(pid, []).append(channel)
            continue
        if op != "spawn":
            channel.send({"event": "error", "message": f"unknown op {op!r}"})
            channel.close()
            continue
        if threading.active_count() != 1:
            raise RuntimeError("the zygote started a thread: forking is no longer safe")
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            listener.close()
            for channels in waiting.values():
                for other in channels:
                    other.close()
            _child(channel, request)
        channel.close()  # the child has its own copy


if __name__ == "__main__":
    raise SystemExit(serve(sys.argv[1]))
