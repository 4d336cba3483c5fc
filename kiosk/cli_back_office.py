"""``kiosk cashbox`` and ``kiosk followup``: the cash boxes' emptying (:mod:`kiosk.cashbox`) and
the FBS follow-up list (:mod:`kiosk.followup`) from a shell."""

from __future__ import annotations

import argparse
import sys

from kiosk.cli_common import STAFF_REFUSALS, action_parsers, load_for_command, staff_login
from kiosk.followup_words import CLOSE_OUTCOMES
from kiosk.staff.roles import Permission


def cmd_cashbox(args: argparse.Namespace) -> int:
    """``kiosk cashbox expected|empty``: what the ledger expects in each cash box; record an
    emptying with the counted pieces (``DENOMINATION=COUNT``, kroner) and print its slip."""
    from kiosk.app import open_database
    from kiosk.cashbox import CashBoxError, CashBoxes, cash_devices, parse_counted
    from kiosk.clock import SystemClock
    from kiosk.money import Money
    from kiosk.receipts import as_text, render_emptying_slip

    config = load_for_command(args, storage=True)
    boxes = CashBoxes(
        open_database(config), config.automat.id, SystemClock(), cash_devices(config.devices)
    )
    try:
        if args.cashbox_command == "expected":
            for box in boxes.expected():
                print(f"{box.device}: {box.total}")
                for ore, pieces in box.pieces.items():
                    print(f"  {Money(ore)!s:>12} {pieces:>6} stk.")
            return 0
        counted = parse_counted(args.counted)  # bad input refused before the PIN is asked
        staff, role = staff_login(args, config, Permission.EMPTY_CASH_BOX)
        emptying = boxes.empty(args.device, counted, staff=staff, role=role)
    except (CashBoxError, *STAFF_REFUSALS) as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 1
    print(as_text(render_emptying_slip(emptying, config.automat.library_name)))
    return 0


def cmd_followup(args: argparse.Namespace) -> int:
    """``kiosk followup list|close``: FBS registrations FBS refused, and closing one by hand."""
    from kiosk.app import open_database
    from kiosk.clock import SystemClock, local
    from kiosk.followup import FollowUpError, FollowUps

    config = load_for_command(args, storage=True)
    desk = FollowUps(open_database(config), config.automat.id, SystemClock())
    try:
        if args.followup_command == "close":
            staff, role = staff_login(args, config, Permission.FOLLOW_UP)
            items = [desk.close(args.id, args.outcome, staff=staff, role=role, note=args.note)]
        else:
            items = desk.items(include_closed=args.all, fleet=args.fleet)
    except (FollowUpError, *STAFF_REFUSALS) as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 1
    for item in items:
        print(f"{item.item_id:>6}  {local(item.paid_at):%d.%m.%Y}  {item.age_days:>3} dage"
              f"  {item.amount!s:>12}  gebyr {', '.join(item.fee_ids)}  {item.attempts} forsøg"
              f"  {item.state_text}")
        print(f"        FBS: {item.reason}")
        if item.closed and item.closed_at is not None:
            print(f"        lukket {local(item.closed_at):%d.%m.%Y %H.%M} af {item.closed_by}"
                  f" ({item.closed_role}): {item.outcome_text}")
    if not items:
        print("Ingen registreringer på opfølgningslisten.")
    return 0


def add_back_office_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The ``cashbox`` and ``followup`` subcommands."""
    for action, p in action_parsers(sub, "cashbox", "cash boxes: expected contents, emptying", [
        ("expected", "what the ledger expects in each cash box now"),
        ("empty", "record an emptying with the counted pieces and print its slip (audit-logged)"),
    ], cmd_cashbox):
        if action == "empty":
            p.add_argument("device", help="the cash box, e.g. coin_acceptor or note_validator")
            p.add_argument("counted", nargs="*", metavar="DENOMINATION=COUNT",
                           help="pieces counted per denomination in kroner, e.g. 20=3 0.50=12")
            p.add_argument("--as", dest="as_staff", required=True, metavar="STAFF_NO",
                           help="the technician or administrator who counted (PIN asked)")
    for action, p in action_parsers(sub, "followup", "the FBS follow-up list: list, close an"
                                    " item", [
        ("list", "registrations FBS refused that wait for staff"),
        ("close", "close an item with what was done by hand (audit-logged)"),
    ], cmd_followup):
        if action == "list":
            p.add_argument("--all", action="store_true",
                           help="also the items closed in the last 30 days")
            p.add_argument("--fleet", action="store_true", help="every automat's payments")
        else:
            p.add_argument("id", type=int, help="the item's number from the list")
            p.add_argument("--outcome", required=True, choices=list(CLOSE_OUTCOMES))
            p.add_argument("--as", dest="as_staff", required=True, metavar="STAFF_NO",
                           help="the member of staff who closes it (PIN asked)")
            p.add_argument("--note", default="", help="what was done (needed for 'other')")
