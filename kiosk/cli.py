"""The one ``kiosk`` command: ``run``, ``demo``, ``migrate``, ``audit``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from pathlib import Path

from kiosk import __version__
from kiosk.config import ConfigError, KioskConfig, load_config
from kiosk.logs import setup_logging

DEFAULT_CONFIG = Path("/etc/kiosk/kiosk.toml")
EXIT_CONFIG = 2


def _load(args: argparse.Namespace) -> KioskConfig:
    config = load_config(args.config)
    setup_logging(config.logging.level)
    return config


def cmd_migrate(args: argparse.Namespace) -> int:
    from kiosk.app import open_database
    from kiosk.ledger.migrate import current_revision

    config = _load(args)
    engine = open_database(config)
    print(f"ledger at revision {current_revision(engine)}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from kiosk.app import open_database
    from kiosk.ledger.audit import run_audit

    config = _load(args)
    report = run_audit(open_database(config))
    for line in report.lines():
        print(line)
    return 0 if report.clean else 1


def _frontend() -> Callable[..., int]:
    """The UI registers itself under the ``kiosk.frontends`` entry point: the core never imports
    Qt, the UI depends on the core, not the other way round."""
    found = entry_points(group="kiosk.frontends", name="qt")
    if not found:
        raise SystemExit("kiosk: no user interface is installed (entry point kiosk.frontends:qt)")
    return next(iter(found)).load()


def cmd_run(args: argparse.Namespace) -> int:
    return _frontend()(_load(args), demo=False)


def cmd_demo(args: argparse.Namespace) -> int:
    return _frontend()(_load(args), demo=True, walkthrough=args.walkthrough)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description=__doc__)
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, func: Callable[[argparse.Namespace], int], help_: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_)
        p.add_argument(
            "--config",
            type=Path,
            default=DEFAULT_CONFIG,
            metavar="FILE",
            help=f"configuration file (default {DEFAULT_CONFIG})",
        )
        p.set_defaults(func=func)
        return p

    add("run", cmd_run, "run the automat full-screen")
    demo = add("demo", cmd_demo, "run the automat with emulated FBS and devices")
    demo.add_argument(
        "--walkthrough",
        type=Path,
        metavar="DIR",
        help="run scripted sessions offscreen and save screenshots to DIR",
    )
    add("migrate", cmd_migrate, "create or upgrade the ledger database")
    add("audit", cmd_audit, "check that every session's money adds up")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"kiosk: config error: {exc}", file=sys.stderr)
        return EXIT_CONFIG


if __name__ == "__main__":
    sys.exit(main())
