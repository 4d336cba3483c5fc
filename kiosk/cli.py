"""The one ``kiosk`` command: ``run``, ``demo``, ``migrate``, ``audit``, ``bon``, ``staff``,
``export``, ``cashbox``, ``followup`` …"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from pathlib import Path

from kiosk import __version__
from kiosk.cli_back_office import add_back_office_parsers
from kiosk.cli_common import (
    DEFAULT_CONFIG,
    EXIT_CONFIG,
    STAFF_REFUSALS,
    action_parsers,
    load_for_command,
    staff_login,
)
from kiosk.cli_staff import add_staff_parser
from kiosk.config import ConfigError
from kiosk.preflight import StorageProblem, check_storage
from kiosk.staff.roles import Permission


def cmd_migrate(args: argparse.Namespace) -> int:
    from kiosk.app import open_database
    from kiosk.ledger.migrate import current_revision

    config = load_for_command(args, storage=True)
    engine = open_database(config)
    print(f"ledger at revision {current_revision(engine)}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from kiosk.app import open_database
    from kiosk.ledger.audit import run_audit

    config = load_for_command(args, storage=True)
    report = run_audit(open_database(config))
    for line in report.lines():
        print(line)
    return 0 if report.clean else 1


def cmd_bon(args: argparse.Namespace) -> int:
    """``kiosk bon issue|list|void``: staff work with bons from a shell, in the words of the
    screen and the slip (:mod:`kiosk.bon_words`: Danish, or ``--lang en``) and in Danish time."""
    from kiosk import bon_words
    from kiosk.app import open_database
    from kiosk.bons import BonError, BonUsageError, bon_book_for
    from kiosk.clock import SystemClock
    from kiosk.money import Money, MoneyError
    from kiosk.receipts import as_text, render_bon

    config = load_for_command(args, storage=True)
    clock = SystemClock()
    book = bon_book_for(config, open_database(config), clock)
    lang = args.lang
    try:
        if args.bon_command == "issue":
            amount = Money.parse(args.amount)
            book.check_amount(amount)  # a bad amount is refused before the PIN is asked
            staff, role = staff_login(args, config, Permission.ISSUE_BON)
            ticket = book.issue(amount, staff, args.reason, role=role)
            print(as_text(render_bon(ticket.print_data(config.automat.library_name))))
        elif args.bon_command == "list":
            tickets = book.outstanding(include_expired=args.all)
            now = clock.now()
            for t in tickets:
                print(bon_words.listing(t, now, lang))
            print(bon_words.listing_total(tickets, lang))
        else:
            staff, role = staff_login(args, config, Permission.VOID_BON)
            ticket = book.void(args.code, staff, args.why, role=role)
            print(bon_words.voided(ticket, lang))
    except BonError as exc:
        print(f"kiosk: {bon_words.refusal(exc, lang)}", file=sys.stderr)
        return 1
    except (BonUsageError, MoneyError, *STAFF_REFUSALS) as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """``kiosk export --now | --redeliver BATCH | --list``: the debtor files by hand."""
    from kiosk.app import open_database
    from kiosk.debtor.exporter import ExportError
    from kiosk.debtor.setup import DebtorNotConfigured, exporter_from_config

    config = load_for_command(args, storage=True)
    try:
        exporter = exporter_from_config(config, open_database(config))
        if args.redeliver is not None:
            batch = exporter.redeliver(args.redeliver, actor=args.actor)
            print(f"redelivered {batch.describe()} to {exporter.delivery.target}")
        elif args.list:
            for batch in exporter.batches(args.limit):
                print(batch.describe())
        else:
            batches = exporter.run()
            for batch in batches:
                print(f"delivered {batch.describe()} to {exporter.delivery.target}")
            if not batches:
                print("nothing to export")
    except (DebtorNotConfigured, ExportError) as exc:
        print(f"kiosk: export: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    """``kiosk purge [--dry-run]``: remove CPRs and records past their retention (counts only)."""
    from kiosk.app import open_database
    from kiosk.clock import SystemClock
    from kiosk.retention import purger_from_config

    config = load_for_command(args, storage=True)
    purger = purger_from_config(config, open_database(config), SystemClock())
    for line in purger.purge(dry_run=args.dry_run, actor=args.actor).lines():
        print(line)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """``kiosk report [--day D | --from D [--to D]] [--fleet] [--csv FILE] [--pdf FILE]``: the
    Z-report of this automat (or every automat) over Danish days; with files, for the finance
    office. Bad dates or files are one line and exit 2, and nothing is written."""
    from datetime import datetime

    from kiosk.clock import LOCAL_TIME
    from kiosk.reports.period import PeriodError, period_from_args

    try:
        period = period_from_args(args.day, args.first, args.last, datetime.now(LOCAL_TIME).date())
    except PeriodError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if args.csv is not None and args.pdf is not None and args.csv.resolve() == args.pdf.resolve():
        print(f"kiosk: --csv and --pdf name the same file ({args.csv})", file=sys.stderr)
        return EXIT_CONFIG

    from kiosk.app import open_database
    from kiosk.reports import fleet_report, period_report, report_lines, verdict
    from kiosk.reports.files import ReportFileError, write_report_files

    config = load_for_command(args, storage=True)
    engine = open_database(config)
    report = (
        fleet_report(engine, period)
        if args.fleet
        else period_report(engine, period, (config.automat.id,))
    )
    if args.csv is None and args.pdf is None:
        for line in report_lines(report):
            print(line)
    else:
        try:
            written = write_report_files(
                report,
                csv_path=args.csv,
                pdf_path=args.pdf,
                library_name=config.automat.library_name,
            )
        except ReportFileError as exc:
            print(f"kiosk: {exc}", file=sys.stderr)
            return EXIT_CONFIG
        for path in written:
            print(f"written: {path}")
        print(verdict(report.unbalanced_sessions))
    return 1 if report.unbalanced_sessions else 0


def _frontend(name: str = "qt") -> Callable[..., int]:
    """The UIs register themselves under the ``kiosk.frontends`` entry point (``qt``: the
    automat; ``console``: the fleet console): the core never imports Qt or the web, the front ends
    depend on the core, not the other way round."""
    found = entry_points(group="kiosk.frontends", name=name)
    if not found:
        raise SystemExit(
            f"kiosk: no user interface is installed (entry point kiosk.frontends:{name})"
        )
    return next(iter(found)).load()


def cmd_run(args: argparse.Namespace) -> int:
    config = load_for_command(args, storage=True)
    if args.check:  # the unit's ExecCondition: checked, no window (exit 2 on a problem, above)
        return 0
    return _frontend()(config, demo=False)


def cmd_demo(args: argparse.Namespace) -> int:
    # a walkthrough plays on a fresh ledger of its own in DIR/data, never the configured one
    config = load_for_command(args, storage=args.walkthrough is None)
    return _frontend()(config, demo=True, walkthrough=args.walkthrough)


def cmd_console(args: argparse.Namespace) -> int:
    config = load_for_command(args)
    if args.address:
        try:
            console = config.console.model_validate(
                {**config.console.model_dump(), "address": args.address}
            )
        except ValueError:
            print(f"kiosk: --address: write host and port, e.g. 127.0.0.1:8470, not"
                  f" {args.address!r}", file=sys.stderr)
            return EXIT_CONFIG
        config = config.model_copy(update={"console": console})
    check_storage(config)
    return _frontend("console")(config)


def cmd_doctor(args: argparse.Namespace) -> int:
    """``kiosk doctor``: one line per check as it finishes; 1 if any line is ``FAIL``."""
    from kiosk.doctor import exit_status, run_doctor

    lines = []
    for line in run_doctor(args.config, demo=args.demo, wait_s=args.wait):
        print(line, flush=True)
        lines.append(line)
    return exit_status(lines)


def cmd_fbs_sim(args: argparse.Namespace) -> int:
    from kiosk.fbs.simulator.launch import run_foreground

    return run_foreground(load_for_command(args), args.host, args.rest_port, args.sip2_port)


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

    run = add("run", cmd_run, "run the automat full-screen")
    run.add_argument(
        "--check",
        action="store_true",
        help="only check the configuration and the ledger (migrating it) as run does before its"
        " window opens: exit 0, or 2 with one line naming the problem",
    )
    demo = add("demo", cmd_demo, "run the automat with emulated FBS and devices")
    demo.add_argument(
        "--walkthrough",
        type=Path,
        metavar="DIR",
        help="run scripted sessions offscreen and save screenshots to DIR",
    )
    console = add(
        "console", cmd_console, "serve the fleet console (web pages for desk, finance, technicians)"
    )
    console.add_argument("--address", metavar="HOST:PORT", help="instead of [console] address")
    add("migrate", cmd_migrate, "create or upgrade the ledger database")
    add("audit", cmd_audit, "check that every session's money adds up")
    export = add("export", cmd_export, "write and deliver debtor import files")
    what = export.add_mutually_exclusive_group(required=True)
    what.add_argument("--now", action="store_true", help="export pending payments now")
    what.add_argument(
        "--redeliver", type=int, metavar="BATCH", help="deliver a batch's file again (same bytes)"
    )
    what.add_argument("--list", action="store_true", help="list the latest batches")
    export.add_argument("--limit", type=int, default=50, help="how many batches --list shows")
    export.add_argument("--actor", default="cli", help="who asks for --redeliver (audit log)")
    doctor = add(
        "doctor",
        cmd_doctor,
        "check configuration, ledger, disk, clock, debtor delivery, FBS and devices",
    )
    doctor.description = (
        "One line per check: 'ok', 'warn' (worth a look, the automat can work) or 'FAIL'. "
        "Exit status 1 if any line is FAIL; warn lines do not change it. Stop the automat "
        "first: it holds the devices' serial ports."
    )
    doctor.add_argument("--demo", action="store_true", help="against the simulator and emulators")
    doctor.add_argument("--wait", type=float, default=5.0, help="seconds to wait for devices")
    sim = add("fbs-sim", cmd_fbs_sim, "run the FBS simulator (REST, SIP2) in the foreground")
    sim.add_argument("--host", default="127.0.0.1", help="address to listen on")
    sim.add_argument("--rest-port", type=int, default=8080, help="HTTP port (REST, SIP2 envelope)")
    sim.add_argument("--sip2-port", type=int, default=6001, help="SIP2 TCP port")
    purge = add("purge", cmd_purge, "remove CPRs and records past their retention period")
    purge.add_argument("--dry-run", action="store_true", help="count only, change nothing")
    purge.add_argument("--actor", default="cli", help="who runs it (audit log)")
    report = add("report", cmd_report, "the Z-report (reconciliation) of a day or a period")
    report.add_argument("--day", metavar="YYYY-MM-DD", help="the Danish day (default today)")
    report.add_argument(
        "--from", dest="first", metavar="YYYY-MM-DD", help="the period's first Danish day"
    )
    report.add_argument(
        "--to", dest="last", metavar="YYYY-MM-DD", help="its last day (default today)"
    )
    report.add_argument(
        "--fleet", action="store_true", help="every automat in the database, and their totals"
    )
    report.add_argument("--csv", type=Path, metavar="FILE", help="write the report as CSV")
    report.add_argument("--pdf", type=Path, metavar="FILE", help="write the report as PDF")
    for action, p in action_parsers(sub, "bon", "issue, list or void bons (staff)", [
        ("issue", "issue a bon for cash taken at the desk and print the slip"),
        ("list", "list outstanding bons"),
        ("void", "void an issued bon (audit-logged)"),
    ], cmd_bon):
        p.add_argument(
            "--lang", choices=["da", "en"], default="da", help="the words' language (default da)"
        )
        if action == "issue":
            p.add_argument("--amount", required=True, help="kroner, e.g. 50.00")
            p.add_argument("--as", dest="as_staff", required=True, metavar="STAFF_NO",
                           help="the member of staff who took the cash (PIN asked; on the slip)")
            p.add_argument("--reason", default="desk_cash", choices=["desk_cash", "automat_credit"])
        elif action == "list":
            p.add_argument("--all", action="store_true", help="include expired bons")
        else:
            p.add_argument("code", help="the short code or the QR payload")
            p.add_argument("--as", dest="as_staff", required=True, metavar="STAFF_NO",
                           help="the member of staff voiding it (PIN asked; audit-logged)")
            p.add_argument("--why", default="", help="reason, for the audit log")
    add_staff_parser(sub)
    add_back_office_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"kiosk: config error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except StorageProblem as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return EXIT_CONFIG


if __name__ == "__main__":
    sys.exit(main())
