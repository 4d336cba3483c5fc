"""The citizen session's states and its explicit transition table.

Every state change goes through :func:`next_state`; anything not in the table is refused. Cancel
and timeout are defined from every state. What happens to money already received is decided by
the session (credit bon for cash, card abort), not by the table: the table only says where the
session goes.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    IDLE = "idle"
    IDENTIFYING = "identifying"
    PIN = "pin"
    LOADING_CLAIMS = "loading_claims"
    CLAIMS = "claims"
    CHOOSING_TENDER = "choosing_tender"
    PAYING = "paying"
    SETTLING = "settling"
    RECEIPT = "receipt"
    DONE = "done"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    #: a money write failed (disk full, database gone): no money is taken, what came in is held
    #: in memory and on a paper slip, and the writes are retried until the ledger takes them.
    #: Never written to the ledger itself: the row keeps its last state for start-up recovery.
    LEDGER_FAULT = "ledger_fault"
    #: staff mode, entered only from the attract screen (a staff card, or the long press):
    #: the staff PIN (and number) asked, then the staff menu. No citizen session is in progress
    #: and none is written: these two are never in the ledger either
    STAFF_LOGIN = "staff_login"
    STAFF = "staff"


class Event(StrEnum):
    START = "start"  # citizen touched the attract screen or showed a card
    IDENTIFIED = "identified"  # a card number or CPR was read or typed
    PIN_ENTERED = "pin_entered"  # FBS accepted card and PIN: now loading the claims
    PIN_REJECTED = "pin_rejected"  # wrong PIN, try again
    CLAIMS_LOADED = "claims_loaded"
    SELECTION_FIXED = "selection_fixed"  # the citizen pressed "pay" with a non-empty selection
    BACK = "back"
    TENDER_CHOSEN = "tender_chosen"  # card, cash or bon: the selection is now committed
    TENDER_FAILED = "tender_failed"  # card declined/aborted, bon refused: choose again
    MORE_NEEDED = "more_needed"  # a bon paid part of the total: choose how to pay the rest
    PAID_IN_FULL = "paid_in_full"
    SETTLED = "settled"  # allocations and outbox rows written
    FINISHED = "finished"  # receipt printed or shown
    FAILED = "failed"  # FBS unavailable, patron locked …: end with an explanation
    CANCEL = "cancel"
    TIMEOUT = "timeout"
    RESET = "reset"  # a finished session gives way to the attract screen
    LEDGER_FAILED = "ledger_failed"  # a money write failed: out of order until it is written
    LEDGER_BACK_PAID = "ledger_back_paid"  # every held write is in and the plan is covered
    LEDGER_BACK_UNPAID = "ledger_back_unpaid"  # written; not covered: a credit bon ends it
    #: money came when no plan was committed (a coin after the end, one found at start-up): it
    #: is credited to a bon at once and the session ends showing it
    STRAY_MONEY = "stray_money"
    STAFF_CARD = "staff_card"  # a staff card was read at the attract screen (or in staff mode)
    STAFF_ASKED = "staff_asked"  # the long press on the attract screen's corner
    STAFF_IN = "staff_in"  # staff number or card and PIN accepted
    STAFF_OUT = "staff_out"  # log out: the button, or a citizen's card


S, E = State, Event

#: (state, event) → next state. Cancel and timeout appear for every state.
TRANSITIONS: dict[tuple[State, Event], State] = {
    (S.IDLE, E.START): S.IDENTIFYING,
    (S.IDLE, E.IDENTIFIED): S.PIN,
    (S.IDLE, E.CANCEL): S.IDLE,
    (S.IDLE, E.TIMEOUT): S.IDLE,
    (S.IDENTIFYING, E.IDENTIFIED): S.PIN,
    (S.IDENTIFYING, E.CANCEL): S.CANCELLED,
    (S.IDENTIFYING, E.TIMEOUT): S.TIMED_OUT,
    (S.PIN, E.PIN_ENTERED): S.LOADING_CLAIMS,
    (S.PIN, E.PIN_REJECTED): S.PIN,
    (S.PIN, E.BACK): S.IDENTIFYING,
    (S.PIN, E.FAILED): S.CANCELLED,
    (S.PIN, E.CANCEL): S.CANCELLED,
    (S.PIN, E.TIMEOUT): S.TIMED_OUT,
    (S.LOADING_CLAIMS, E.CLAIMS_LOADED): S.CLAIMS,
    (S.LOADING_CLAIMS, E.FAILED): S.CANCELLED,
    (S.LOADING_CLAIMS, E.CANCEL): S.CANCELLED,
    (S.LOADING_CLAIMS, E.TIMEOUT): S.TIMED_OUT,
    (S.CLAIMS, E.SELECTION_FIXED): S.CHOOSING_TENDER,
    (S.CLAIMS, E.CANCEL): S.CANCELLED,
    (S.CLAIMS, E.TIMEOUT): S.TIMED_OUT,
    (S.CHOOSING_TENDER, E.TENDER_CHOSEN): S.PAYING,
    (S.CHOOSING_TENDER, E.BACK): S.CLAIMS,
    (S.CHOOSING_TENDER, E.CANCEL): S.CANCELLED,
    (S.CHOOSING_TENDER, E.TIMEOUT): S.TIMED_OUT,
    (S.PAYING, E.TENDER_CHOSEN): S.PAYING,  # mixed tenders: another method for the rest
    (S.PAYING, E.TENDER_FAILED): S.CHOOSING_TENDER,
    (S.PAYING, E.MORE_NEEDED): S.CHOOSING_TENDER,
    (S.PAYING, E.PAID_IN_FULL): S.SETTLING,
    (S.PAYING, E.CANCEL): S.CANCELLED,  # cash received so far becomes a credit bon
    (S.PAYING, E.TIMEOUT): S.TIMED_OUT,  # likewise
    (S.SETTLING, E.SETTLED): S.RECEIPT,
    (S.SETTLING, E.CANCEL): S.SETTLING,  # the money is committed: settlement finishes
    (S.SETTLING, E.TIMEOUT): S.SETTLING,
    (S.RECEIPT, E.FINISHED): S.DONE,
    (S.RECEIPT, E.CANCEL): S.DONE,  # the receipt is kept for reprint
    (S.RECEIPT, E.TIMEOUT): S.DONE,
    (S.DONE, E.RESET): S.IDLE,
    (S.DONE, E.CANCEL): S.IDLE,
    (S.DONE, E.TIMEOUT): S.IDLE,
    (S.CANCELLED, E.RESET): S.IDLE,
    (S.CANCELLED, E.CANCEL): S.IDLE,
    (S.CANCELLED, E.TIMEOUT): S.IDLE,
    (S.TIMED_OUT, E.RESET): S.IDLE,
    (S.TIMED_OUT, E.CANCEL): S.IDLE,
    (S.TIMED_OUT, E.TIMEOUT): S.IDLE,
    (S.CHOOSING_TENDER, E.LEDGER_FAILED): S.LEDGER_FAULT,  # plan, card start or bon not written
    (S.PAYING, E.LEDGER_FAILED): S.LEDGER_FAULT,  # a coin, note or card approval not written
    (S.SETTLING, E.LEDGER_FAILED): S.LEDGER_FAULT,  # settlement not written
    (S.RECEIPT, E.LEDGER_FAILED): S.LEDGER_FAULT,  # a late coin not written
    # money with no plan, and a late coin after the end, are written before they are shown
    **{(state, E.LEDGER_FAILED): S.LEDGER_FAULT
       for state in (S.IDLE, S.IDENTIFYING, S.PIN, S.LOADING_CLAIMS, S.CLAIMS, S.DONE,
                     S.CANCELLED, S.TIMED_OUT)},
    **{(state, E.STRAY_MONEY): S.CANCELLED
       for state in (S.IDLE, S.IDENTIFYING, S.PIN, S.LOADING_CLAIMS, S.CLAIMS,
                     S.CHOOSING_TENDER)},
    # staff mode: in only from the attract screen, so never in the middle of a citizen's session;
    # every way out (log out, idle, a citizen's card, money) leads back to the attract screen
    (S.IDLE, E.STAFF_CARD): S.STAFF_LOGIN,
    (S.IDLE, E.STAFF_ASKED): S.STAFF_LOGIN,
    (S.STAFF_LOGIN, E.STAFF_CARD): S.STAFF_LOGIN,  # another staff card: their PIN instead
    (S.STAFF_LOGIN, E.STAFF_IN): S.STAFF,
    (S.STAFF, E.STAFF_CARD): S.STAFF_LOGIN,  # another member of staff takes over
    **{(state, event): S.IDLE
       for state in (S.STAFF_LOGIN, S.STAFF)
       for event in (E.STAFF_OUT, E.CANCEL, E.TIMEOUT)},
    **{(state, E.STRAY_MONEY): S.CANCELLED for state in (S.STAFF_LOGIN, S.STAFF)},
    **{(state, E.LEDGER_FAILED): S.LEDGER_FAULT for state in (S.STAFF_LOGIN, S.STAFF)},
    (S.LEDGER_FAULT, E.LEDGER_BACK_PAID): S.SETTLING,
    (S.LEDGER_FAULT, E.LEDGER_BACK_UNPAID): S.CANCELLED,
    (S.LEDGER_FAULT, E.CANCEL): S.LEDGER_FAULT,  # unrecorded money cannot become a bon yet
    (S.LEDGER_FAULT, E.TIMEOUT): S.LEDGER_FAULT,
}

ENDED = frozenset({S.DONE, S.CANCELLED, S.TIMED_OUT})
STAFF_MODE = frozenset({S.STAFF_LOGIN, S.STAFF})


class InvalidTransition(RuntimeError):
    def __init__(self, state: State, event: Event) -> None:
        super().__init__(f"no transition from {state.value} on {event.value}")
        self.state, self.event = state, event


def next_state(state: State, event: Event) -> State:
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise InvalidTransition(state, event) from None
