"""A desktop without Qt's X11 libraries gets the one ``apt install`` line that fixes it, before Qt
starts (issue 13, item 7); Qt's known-harmless noise does not reach the terminal."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QtMsgType

from ui.qt_platform import (
    QtMessages,
    debian_package,
    missing_libraries,
    qt_xcb_plugin,
    uses_xcb,
    xcb_problem,
)

DEMO = Path(__file__).resolve().parents[2] / "config" / "demo.toml"

#: what ldd says about Qt's xcb plugin on a desktop without three of the libraries it needs
LDD_MISSING = """\
\tlinux-vdso.so.1 (0x00007ffc1a5f0000)
\tlibQt6XcbQpa.so.6 => /opt/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f0d9c000000)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f0d9bd00000)
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxkbcommon-x11.so.0 => not found
"""


def fake_ldd(tmp_path: Path, output: str) -> Path:
    """An ``ldd`` that prints ``output`` for any file."""
    ldd = tmp_path / "bin" / "ldd"
    ldd.parent.mkdir(exist_ok=True)
    ldd.write_text(f"#!/bin/sh\ncat <<'EOF'\n{output}EOF\n")
    ldd.chmod(0o755)
    return ldd


def test_the_missing_libraries_and_the_apt_line_from_ldd(tmp_path: Path) -> None:
    ldd = fake_ldd(tmp_path, LDD_MISSING)
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"\x7fELF")
    assert missing_libraries(plugin, str(ldd)) == [
        "libxcb-cursor.so.0",
        "libxcb-icccm.so.4",
        "libxcb-keysyms.so.1",
        "libxkbcommon-x11.so.0",
    ]
    assert xcb_problem(plugin, str(ldd)) == (
        "kiosk: the window cannot open: Qt's X11 platform (xcb) needs libxcb-cursor.so.0,"
        " libxcb-icccm.so.4, libxcb-keysyms.so.1, libxkbcommon-x11.so.0, which are not"
        " installed; install them with: sudo apt install libxcb-cursor0 libxcb-icccm4"
        " libxcb-keysyms1 libxkbcommon-x11-0"
    )


def test_a_plugin_whose_library_is_really_missing(tmp_path: Path) -> None:
    """A real shared object with one dependency renamed to a library no system has, read by the
    real ldd: a fake plugin with a missing library."""
    real = Path("/lib/x86_64-linux-gnu/libxcb-render-util.so.0")
    if not real.exists() or shutil.which("ldd") is None:
        pytest.skip("needs ldd and libxcb-render-util0 to build the fake plugin")
    data = real.resolve().read_bytes()
    assert data.count(b"libxcb-render.so.0\0") == 1
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(data.replace(b"libxcb-render.so.0\0", b"libxcb-kiosk.so.0\0\0"))
    assert missing_libraries(plugin) == ["libxcb-kiosk.so.0"]
    problem = xcb_problem(plugin)
    assert problem is not None and problem.endswith("sudo apt install libxcb-kiosk0")


def test_nothing_to_say_when_nothing_is_missing_or_ldd_cannot_tell(tmp_path: Path) -> None:
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"not a shared object")
    complete = fake_ldd(tmp_path, "\tlibxcb.so.1 => /lib/libxcb.so.1\n")
    assert xcb_problem(plugin, str(complete)) is None
    assert xcb_problem(plugin, str(tmp_path / "no-ldd")) is None  # no ldd: Qt speaks for itself
    assert xcb_problem(tmp_path / "absent.so") is None
    assert qt_xcb_plugin() is None or qt_xcb_plugin().name == "libqxcb.so"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("soname", "package"),
    [
        ("libxcb-cursor.so.0", "libxcb-cursor0"),
        ("libxcb-render-util.so.0", "libxcb-render-util0"),
        ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
        ("libX11-xcb.so.1", "libx11-xcb1"),
        ("libEGL.so.1", "libegl1"),
        ("libfontconfig.so.1", "libfontconfig1"),
        ("libdbus-1.so.3", "libdbus-1-3"),
    ],
)
def test_debian_package_names(soname: str, package: str) -> None:
    assert debian_package(soname) == package


@pytest.mark.parametrize(
    ("env", "xcb"),
    [
        ({"DISPLAY": ":0"}, True),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, True),
        ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, False),  # Qt prefers Wayland there
        ({"WAYLAND_DISPLAY": "wayland-0", "QT_QPA_PLATFORM": "wayland"}, False),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, False),
        ({}, False),
    ],
)
def test_the_check_runs_only_where_qt_would_use_xcb(env: dict[str, str], xcb: bool) -> None:
    assert uses_xcb(env) is xcb


def test_demo_on_a_desktop_without_xcb_libraries_says_what_to_install(tmp_path: Path) -> None:
    """Before: Qt's own 'could not load the Qt platform plugin "xcb"' and a core dump."""
    ldd = fake_ldd(tmp_path, LDD_MISSING)
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(DISPLAY=":97", PATH=f"{ldd.parent}{os.pathsep}{env.get('PATH', '')}")
    config = tmp_path / "demo.toml"  # the demo on a ledger of its own, logging only warnings
    text = DEMO.read_text().replace('data_dir = "../.demo-data"', f'data_dir = "{tmp_path}/data"')
    text = text.replace('level = "INFO"', 'level = "WARNING"')
    secrets = f'{{ file = "{DEMO.parent}/demo-secrets/'
    config.write_text(text.replace('{ file = "demo-secrets/', secrets))
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "demo", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].endswith(
        "install them with: sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"
        " libxkbcommon-x11-0"
    )


def test_harmless_qt_noise_is_dropped_and_the_rest_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler = QtMessages()
    with caplog.at_level(logging.DEBUG, logger="ui.qt"):
        noise = "This plugin does not support propagateSizeHints()"
        for _ in range(40):
            handler(QtMsgType.QtWarningMsg, None, noise)
        for _ in range(3):
            handler(QtMsgType.QtWarningMsg, None, "QWidget::setLayout: already has a layout")
        handler(QtMsgType.QtCriticalMsg, None, "something broke")
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, "Qt: QWidget::setLayout: already has a layout"),
        (logging.ERROR, "Qt: something broke"),
    ]
