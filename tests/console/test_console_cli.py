"""``kiosk console`` as an operator starts it: the real command, its server on a free port, and
bad settings as one line with exit status 2."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.console.browser import free_port
from tests.console.rig import console_config

KIOSK = [sys.executable, "-m", "kiosk.cli"]


def test_the_command_serves_the_login_page(tmp_path: Path) -> None:
    config = console_config(tmp_path)
    port = free_port()
    server = subprocess.Popen(
        [*KIOSK, "console", "--config", str(config), "--address", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/", timeout=2,
                                        allow_redirects=False)
                break
            except requests.ConnectionError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "the console did not start"
                time.sleep(0.2)
        assert response.status_code == 302
        assert response.headers["Location"] == "/login?next=/"
        assert "csrf_token" in requests.get(f"http://127.0.0.1:{port}/login", timeout=5).text
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_bad_address_is_one_line_and_status_2(tmp_path: Path) -> None:
    config = console_config(tmp_path)
    done = subprocess.run(
        [*KIOSK, "console", "--config", str(config), "--address", "nonsense"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "kiosk: --address: write host and port, e.g. 127.0.0.1:8470, not 'nonsense'"
    ]


def test_a_bad_console_section_names_the_key(tmp_path: Path) -> None:
    config = console_config(tmp_path, "idle_minutes = 1\n")
    done = subprocess.run([*KIOSK, "console", "--config", str(config)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "console.idle_minutes" in line


def test_a_bad_console_address_in_the_file_names_the_key(tmp_path: Path) -> None:
    config = console_config(tmp_path, 'address = "8470"\n')
    done = subprocess.run([*KIOSK, "console", "--config", str(config)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "console.address" in line and "host and port" in line
