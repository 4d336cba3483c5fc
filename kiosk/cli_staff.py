"""``kiosk staff``: the administrator's staff accounts from a shell (:mod:`kiosk.staff`)."""

from __future__ import annotations

import argparse
import sys

from kiosk.cli_common import action_parsers, load_for_command, read_typed

CARD_PROMPT = "Scan eller skriv kortnummeret: "


def cmd_staff(args: argparse.Namespace) -> int:
    """``kiosk staff add|list|remove|reset-pin|unlock|card``: staff accounts for the
    administrator, in Danish like the screens. Changes name the administrator (``--as``, whose
    PIN is asked and checked like a login at the automat) in the audit log; only while no
    administrator exists (a new installation) the operating-system user is named instead."""
    import getpass

    from kiosk.app import open_database
    from kiosk.clock import SystemClock
    from kiosk.receipts import danish_datetime
    from kiosk.staff.accounts import staff_book_for
    from kiosk.staff.roles import StaffUser, roles_text
    from kiosk.staff.rules import Actor, LoginRefused, NotPermitted, StaffUsageError

    config = load_for_command(args, storage=True)
    book = staff_book_for(config, open_database(config), SystemClock())
    action = args.staff_command
    try:
        if action == "list":
            accounts = book.accounts(include_removed=args.all)
            for a in accounts:
                state = []
                if a.has_card:
                    state.append("kort")
                if a.locked_until is not None:
                    state.append(f"låst til {danish_datetime(a.locked_until)}")
                if a.removed_at is not None:
                    state.append(f"lukket {danish_datetime(a.removed_at)}")
                print(f"{a.staff_no:>6}  {a.name:<30} {roles_text(a.roles):<28} {', '.join(state)}"
                      .rstrip())
            print(f"{len(accounts)} medarbejder" + ("" if len(accounts) == 1 else "e"))
            return 0
        by: StaffUser | Actor
        if args.as_staff:
            by = book.login(args.as_staff, read_typed(f"PIN for {args.as_staff}: "))
        elif book.has_administrator():
            raise StaffUsageError(
                "as_required", "der findes en administrator: angiv hvem du er med --as NUMMER"
            )
        else:
            by = Actor(f"os:{getpass.getuser()}", "system")
        number = args.staff_no
        if action == "add":
            pin = read_typed(f"Ny PIN for {number}: ", confirm=True)
            card = read_typed(CARD_PROMPT, hidden=False) if args.card else None
            account = book.add(number, args.name, args.roles, pin, by=by, card=card)
            print(f"Medarbejder {account.staff_no} ({account.name}, {roles_text(account.roles)})"
                  " er oprettet.")
        elif action == "remove":
            book.remove(number, by=by)
            print(f"Medarbejder {number} er lukket og kan ikke længere logge ind.")
        elif action == "reset-pin":
            book.reset_pin(number, read_typed(f"Ny PIN for {number}: ", confirm=True), by=by)
            print(f"Medarbejder {number} har fået en ny PIN-kode.")
        elif action == "unlock":
            was_locked = book.unlock(number, by=by)
            print(f"Medarbejder {number} er låst op." if was_locked
                  else f"Medarbejder {number} var ikke låst; forkerte forsøg er nulstillet.")
        else:  # card
            card = None if args.clear else read_typed(CARD_PROMPT, hidden=False)
            book.set_card(number, card, by=by)
            print(f"Medarbejder {number} har nu {'intet kort' if card is None else 'et nyt kort'}.")
    except (LoginRefused, StaffUsageError, NotPermitted, ValueError) as exc:
        print(f"kiosk: staff: {exc}", file=sys.stderr)
        return 1
    except EOFError as exc:
        print(f"kiosk: staff: inddata sluttede, før \"{exc}\" blev givet", file=sys.stderr)
        return 1
    return 0


def add_staff_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The ``staff`` subcommand and its actions."""
    for action, p in action_parsers(sub, "staff", "staff accounts: add, list, remove, reset a PIN,"
                                    " unlock", [
        ("add", "add an account (its PIN is asked, never an argument)"),
        ("list", "list the accounts"),
        ("remove", "close an account (its number is never given again)"),
        ("reset-pin", "give an account a new PIN (also lifts a lock)"),
        ("unlock", "lift a lock after too many wrong PINs"),
        ("card", "enrol a staff card for an account (scanned or typed), or --clear it"),
    ], cmd_staff):
        if action == "list":
            p.add_argument("--all", action="store_true", help="include removed accounts")
            continue
        p.add_argument("staff_no", metavar="STAFF_NO", help="the staff number (digits)")
        p.add_argument(
            "--as", dest="as_staff", metavar="STAFF_NO",
            help="the administrator making the change (their PIN is asked); required once an"
            " administrator exists",
        )
        if action == "add":
            p.add_argument("--name", required=True, help="the name staff see")
            p.add_argument(
                "--roles", required=True,
                help="staff, finance, technician, administrator (comma-separated)",
            )
            p.add_argument("--card", action="store_true", help="also enrol a staff card (asked)")
        elif action == "card":
            p.add_argument("--clear", action="store_true", help="forget the account's card")
