"""Real file-system faults for tests: a read-only folder and a full disk.

As root, permission bits do not stop a write, so a read-only folder is a read-only tmpfs mounted
on it, and a full disk is a small tmpfs filled to the last byte. Without root (or where mounting
is not allowed, e.g. an unprivileged container) a read-only folder is ``chmod 555``, and a test
that needs a full disk skips with the reason.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


@functools.cache
def can_mount() -> bool:
    """Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    probe = Path(f"/tmp/kiosk-mount-probe-{uuid.uuid4().hex[:8]}")
    probe.mkdir()
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)], capture_output=True
        )
        if done.returncode != 0:
            return False
        subprocess.run(["umount", str(probe)], check=True)
        return True
    finally:
        probe.rmdir()


@contextlib.contextmanager
def tmpfs(folder: Path, size_kb: int, *, read_only: bool = False) -> Iterator[Path]:
    """A tmpfs of ``size_kb`` on ``folder`` (created if missing), unmounted afterwards."""
    if not can_mount():
        pytest.skip("needs root and permission to mount a tmpfs")
    folder.mkdir(parents=True, exist_ok=True)
    options = f"size={size_kb}k,mode=0755" + (",ro" if read_only else "")
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@contextlib.contextmanager
def read_only_folder(folder: Path) -> Iterator[Path]:
    """``folder`` (created if missing) refusing new files: a read-only mount as root, else mode
    555."""
    if os.geteuid() == 0:
        with tmpfs(folder, 64, read_only=True):
            yield folder
        return
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o555)
    try:
        yield folder
    finally:
        folder.chmod(0o755)


def fill(folder: Path) -> None:
    """Write into ``folder`` until its file system has no byte left."""
    chunk = b"\0" * 4096
    with open(folder / "filler", "wb", buffering=0) as f:
        while True:
            try:
                f.write(chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                break
        for size in (512, 64, 1):  # the last partial page too
            with contextlib.suppress(OSError):
                while True:
                    f.write(b"\0" * size)


@contextlib.contextmanager
def full_folder(folder: Path, size_kb: int = 256) -> Iterator[Path]:
    """``folder`` on a small tmpfs with no space left (files can still be created empty)."""
    with tmpfs(folder, size_kb):
        fill(folder)
        yield folder
