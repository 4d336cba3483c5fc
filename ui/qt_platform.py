"""Around Qt: its X11 libraries checked before it starts, its messages filtered once it runs.

Qt 6.5+ needs ``libxcb-cursor0`` and a handful of other xcb libraries for its X11 platform plugin
(``libqxcb.so``), which a desktop often lacks: Qt then prints its own advice, aborts, and leaves a
core dump. :func:`xcb_problem` asks ``ldd`` about the plugin of the installed PySide6 without
starting Qt and words what is missing as one line with the ``apt install`` that fixes it.

Qt's offscreen platform prints "This plugin does not support propagateSizeHints()" for every
window it shows (over a hundred times in one walkthrough): :class:`QtMessages` drops the messages
known to be harmless (:data:`HARMLESS`, also the UI tests' list) and logs every other one once.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from importlib.util import find_spec
from pathlib import Path
from typing import Any

log = logging.getLogger("ui.qt")

#: Qt messages that say nothing about our code (the offscreen platform's own limits)
HARMLESS = ("propagateSizeHints", "This plugin does not support")

#: shared object → Debian/Ubuntu package, where the package is not simply the soname's pattern
_PACKAGES = {
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libOpenGL.so.0": "libopengl0",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
    "libdbus-1.so.3": "libdbus-1-3",
}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$", re.MULTILINE)
_SONAME = re.compile(r"^(lib[\w+.-]*?)\.so\.(\d+)$")


def qt_xcb_plugin() -> Path | None:
    """The X11 platform plugin of the installed PySide6 (found without importing PySide6)."""
    spec = find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        plugin = Path(folder) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.exists():
            return plugin
    return None


def uses_xcb(env: Mapping[str, str] = os.environ) -> bool:
    """Would Qt open its window through X11? Not offscreen, not on Wayland (which Qt prefers
    where a Wayland display exists), not without a display."""
    chosen = env.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":")[0].split(";")[0] == "xcb"
    return bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY")


def missing_libraries(plugin: Path, ldd: str | None = None) -> list[str]:
    """The shared objects ``ldd`` reports ``not found`` for ``plugin`` (in its order, each once);
    empty when nothing is missing or ``ldd`` cannot tell (absent, not an ELF file)."""
    tool = ldd or shutil.which("ldd")
    if tool is None or not plugin.exists():
        return []
    try:
        result = subprocess.run(
            [tool, str(plugin)], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return list(dict.fromkeys(_NOT_FOUND.findall(result.stdout)))


def debian_package(soname: str) -> str:
    """The package that installs ``soname``: ``libxcb-cursor.so.0`` → ``libxcb-cursor0``, a name
    ending in a digit gets a dash (``libxkbcommon-x11.so.0`` → ``libxkbcommon-x11-0``)."""
    if soname in _PACKAGES:
        return _PACKAGES[soname]
    match = _SONAME.match(soname)
    if match is None:
        return soname
    name, version = match[1].lower(), match[2]
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def xcb_problem(plugin: Path | None = None, ldd: str | None = None) -> str | None:
    """One line naming what Qt's X11 plugin lacks and the ``apt install`` that fixes it, or
    ``None`` when nothing is missing (or it cannot be told: then Qt speaks for itself)."""
    plugin = plugin or qt_xcb_plugin()
    if plugin is None:
        return None
    missing = missing_libraries(plugin, ldd)
    if not missing:
        return None
    packages = " ".join(dict.fromkeys(debian_package(s) for s in missing))
    return (
        f"kiosk: the window cannot open: Qt's X11 platform (xcb) needs {', '.join(missing)},"
        f" which are not installed; install them with: sudo apt install {packages}"
    )


class QtMessages:
    """A Qt message handler: known-harmless messages dropped, every other one logged once (a
    fatal one always: Qt aborts after it)."""

    MAX_REMEMBERED = 500

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, kind: Any, _context: Any, message: str) -> None:
        from PySide6.QtCore import QtMsgType

        if any(h in message for h in HARMLESS):
            return
        if kind is not QtMsgType.QtFatalMsg:
            if message in self.seen:
                return
            if len(self.seen) < self.MAX_REMEMBERED:
                self.seen.add(message)
        level = {
            QtMsgType.QtDebugMsg: logging.DEBUG,
            QtMsgType.QtInfoMsg: logging.INFO,
            QtMsgType.QtWarningMsg: logging.WARNING,
            QtMsgType.QtCriticalMsg: logging.ERROR,
        }.get(kind, logging.CRITICAL)
        log.log(level, "Qt: %s", message)


def install_message_handler() -> Callable[[], None]:
    """Route Qt's messages through :class:`QtMessages`; returns what puts the previous handler
    back."""
    from PySide6.QtCore import qInstallMessageHandler

    previous = qInstallMessageHandler(QtMessages())
    return lambda: qInstallMessageHandler(previous)
