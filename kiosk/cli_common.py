"""What every ``kiosk`` subcommand shares: where the configuration is by default, the exit code
of a configuration error, and loading the configuration before a command runs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from kiosk.config import KioskConfig, load_config
from kiosk.logs import setup_logging
from kiosk.preflight import check_storage
from kiosk.staff.roles import Permission
from kiosk.staff.rules import LoginRefused, NotPermitted, StaffUsageError

DEFAULT_CONFIG = Path("/etc/kiosk/kiosk.toml")
EXIT_CONFIG = 2

#: why a command refused the member of staff it was run as
STAFF_REFUSALS = (LoginRefused, NotPermitted, StaffUsageError)

def load_for_command(args: argparse.Namespace, *, storage: bool = False) -> KioskConfig:
    """The configuration; with ``storage``, also the pre-flight of the data folder and the
    ledger (:mod:`kiosk.preflight`), before the command (or the window) starts."""
    config = load_config(args.config)
    setup_logging(config.logging.level)
    if storage:
        check_storage(config)
    return config


def read_typed(prompt: str, *, hidden: bool = True, confirm: bool = False) -> str:
    """One line typed by the administrator: from the terminal without echo (``getpass``), or,
    when stdin is not a terminal (a script), the next line of stdin. Never an argument: argv is
    visible to every user in ``ps`` and kept in the shell's history."""
    import getpass

    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            raise EOFError(prompt.strip().rstrip(":"))
        return line.rstrip("\r\n")
    first = getpass.getpass(prompt) if hidden else input(prompt)
    if confirm and getpass.getpass("Gentag: ") != first:
        raise ValueError("de to indtastninger er ikke ens; intet er ændret")
    return first


def staff_login(
    args: argparse.Namespace, config: KioskConfig, permission: Permission
) -> tuple[str, str]:
    """(staff number, role) of the member of staff ``--as`` names, their PIN asked
    (:func:`read_typed`) and checked as at the automat (wrong tries count and lock), who must hold
    ``permission``: the audit log then names who did it, as in staff mode. Raises one of
    :data:`STAFF_REFUSALS` (one line each)."""
    from kiosk.app import open_database
    from kiosk.clock import SystemClock
    from kiosk.staff.accounts import staff_book_for

    book = staff_book_for(config, open_database(config), SystemClock())
    try:
        pin = read_typed(f"PIN for {args.as_staff}: ")
    except EOFError:
        raise StaffUsageError("no_pin", "no PIN was given") from None
    user = book.login(args.as_staff, pin)
    role = user.role_for(permission)
    if role is None:
        raise NotPermitted(user, permission)
    return user.staff_no, role.value


def action_parsers(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    command: str,
    help_: str,
    actions: list[tuple[str, str]],
    func: Callable[[argparse.Namespace], int],
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """``kiosk COMMAND ACTION``: each action's parser, taking ``--config`` and run by ``func``
    (which reads the action from ``args.<command>_command``); the caller adds the rest."""
    group = sub.add_parser(command, help=help_)
    group_sub = group.add_subparsers(dest=f"{command}_command", required=True, metavar="ACTION")
    for action, action_help in actions:
        p = group_sub.add_parser(action, help=action_help)
        p.add_argument("--config", type=Path, default=DEFAULT_CONFIG, metavar="FILE")
        p.set_defaults(func=func)
        yield action, p
