"""A report as rows for the finance office, in Danish: what the CSV holds and the PDF lays out.

Both files are made from these rows, so they cannot disagree. Every row belongs to a section
(``words.SECTIONS``) and an automat (``alle`` for a fleet's totals); detail rows (each card
payment, FBS fee, debtor item, emptying, follow-up) are given once, under their automat, and a
fleet's totals carry only the summary sections, so summing one automat's rows never counts a
payment twice. No patron id or CPR: payments are named by the session's reference (on the
citizen's receipt); free text (FBS's reasons, device details, staff ids) is scrubbed of anything
CPR-shaped. No bon short codes either: a code is a bearer secret, and these files leave the
automat; staff find a credit bon's code in the Z-report on the automat.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from kiosk.clock import LOCAL_TIME
from kiosk.cpr import scrub
from kiosk.money import Money
from kiosk.reports.figures import Count, FleetReport, ZReport
from kiosk.reports.words import (
    CASH_KINDS,
    CREDITED,
    DEBTOR_STATES,
    FBS_STATES,
    FILE_STATES,
    METHODS,
    OUTCOMES,
    SESSION_STATES,
    SETTLED,
    TOTAL,
)


@dataclass(frozen=True, slots=True)
class Entry:
    section: str
    automat: str
    item: str  # what the row counts: a method, a state, a denomination, a kind of bon …
    at: datetime | None = None
    reference: str = ""  # ours: the session's reference, an order id, a device, a file number
    external_ref: str = ""  # theirs: FBS's confirmation id, the terminal's, the debtor file
    text: str = ""
    count: int | None = None
    amount: Money | None = None
    age_days: int | None = None


def cell_text(entry: Entry, field: str) -> str:
    """A field as the PDF and the console's page print it: amounts in Danish form without
    "kr." (the column says it), times in Danish time."""
    value = getattr(entry, field)
    if value is None:
        return ""
    if field == "amount":
        return str(value.format_da(suffix=""))
    if field == "at":
        return f"{value.astimezone(LOCAL_TIME):%d.%m.%Y %H.%M}"
    return str(value)


def finance_entries(report: ZReport | FleetReport) -> list[Entry]:
    """The rows of a report: the report's own, then (a fleet) the totals, then each automat."""
    if isinstance(report, FleetReport):
        head = _about(report.total)
        parts = [*_scope(report.total, details=False)]
        for automat in report.automats:
            parts += _scope(automat, details=automat.details)
        return head + parts
    return _about(report) + list(_scope(report, details=report.details))


def _about(r: ZReport) -> list[Entry]:
    e = _Section("rapport", r.automat_id)
    return [
        e("første dag", text=r.period.first.isoformat()),
        e("sidste dag", text=r.period.last.isoformat()),
        e("dannet", at=r.made_at),
        e("automater", text=", ".join(r.automat_ids)),
    ]


class _Section:
    """Makes the rows of one section of one scope."""

    def __init__(self, section: str, automat: str) -> None:
        self.section = section
        self.automat = automat

    def __call__(
        self,
        item: str,
        *,
        at: datetime | None = None,
        reference: str = "",
        external_ref: str = "",
        text: str = "",
        count: int | None = None,
        amount: Money | None = None,
        age_days: int | None = None,
    ) -> Entry:
        return Entry(
            self.section,
            self.automat,
            item,
            at,
            reference,
            external_ref,
            scrub(text),
            count,
            amount,
            age_days,
        )

    def counted(self, item: str, c: Count) -> Entry:
        return self(item, count=c.count, amount=c.amount)


def _scope(r: ZReport, *, details: bool) -> Iterator[Entry]:
    a = r.automat_id
    e = _Section("sessioner", a)
    for state, n in sorted(r.sessions.items()):
        yield e(SESSION_STATES.get(state, f"åben ({state})"), count=n)
    yield e(TOTAL, count=sum(r.sessions.values()))

    e = _Section("modtaget", a)
    for kind in ("coin", "note", "card", "bon"):
        yield e.counted(METHODS[kind], r.tenders.get(kind, Count()))
    yield e(TOTAL, count=sum(c.count for c in r.tenders.values()), amount=r.received)

    e = _Section("kontanter", a)
    for (device, kind, ore), pieces in sorted(r.cash_by_device.items()):
        label = f"{CASH_KINDS.get(kind, kind)} {Money(ore).format_da()}"
        yield e(label, reference=device, count=pieces, amount=Money(ore * pieces))
    yield e(TOTAL, count=sum(r.cash_by_device.values()), amount=r.cash_total)

    if details:
        e = _Section("kortbetalinger", a)
        for card in r.card_payments:
            yield e(
                "kortbetaling",
                at=card.at,
                reference=card.transaction_ref,
                external_ref=card.terminal_ref,
                amount=card.amount,
            )

    e = _Section("afregnet", a)
    for key, label in SETTLED.items():
        yield e(label, amount=r.settled.get(key, Money(0)))
    yield e(TOTAL, amount=r.settled_total)

    e = _Section("krediteret", a)
    for key, label in CREDITED.items():
        yield e.counted(label, r.credited.get(key, Count()))
    yield e.counted(TOTAL, r.credited_total)

    e = _Section("bons", a)
    yield e.counted("udstedt i skranken", r.bons_issued_at_desk)
    yield e.counted("udstedt af automaten (krediteret)", r.credited_total)
    yield e.counted("indløst", r.bons_redeemed)
    yield e.counted("annulleret", r.bons_voided)
    yield e.counted("udestående ved periodens slutning (alle automater)", r.bons_outstanding)
    yield e.counted("udløbet i perioden (alle automater)", r.bons_expired)

    e = _Section("fbs", a)
    for state, label in FBS_STATES.items():
        yield e.counted(label, r.fbs.get(state, Count()))
    if details:
        e = _Section("fbs_gebyrer", a)
        for reg in r.fbs_registrations:
            for fee in reg.fees:
                yield e(
                    FBS_STATES.get(reg.state, reg.state),
                    at=reg.done_at or reg.created_at,
                    reference=reg.order_id,
                    text=f"gebyr {fee.fee_id}",
                    external_ref=fee.confirmation_id,
                    amount=fee.amount,
                )
    e = _Section("opfølgning", a)
    if details:
        for f in r.follow_up:
            yield e(
                "afvist",
                at=f.refused_since,
                reference=f.order_id,
                text=f"{f.patron}, gebyr {', '.join(f.fee_ids)}: {f.reason}",
                amount=f.amount,
                age_days=f.age_days,
            )
    yield e.counted(TOTAL, r.follow_up_total)
    if details:
        for c in r.follow_ups_closed:
            yield e(
                "lukket",
                at=c.closed_at,
                reference=c.order_id,
                text=f"{c.closed_by}: {c.outcome_text}",
                amount=c.amount,
            )

    e = _Section("debitor", a)
    for state, label in DEBTOR_STATES.items():
        yield e.counted(label, r.debtor.get(state, Count()))
    if details:
        e = _Section("debitor_poster", a)
        for d in r.debtor_items:
            number = f", fil nr. {d.batch_sequence}" if d.batch_sequence is not None else ""
            yield e(
                DEBTOR_STATES.get(d.state, d.state),
                at=d.paid_at,
                reference=d.transaction_ref,
                text=f"krav {d.claim_ref} ({d.claim_type}){number}",
                external_ref=d.file_name,
                amount=d.amount,
            )
        e = _Section("debitor_filer", a)
        for f in r.debtor_files:
            yield e(
                FILE_STATES.get(f.state, f.state),
                at=f.delivered_at or f.created_at,
                reference=str(f.sequence),
                external_ref=f.file_name,
                count=f.items.count,
                amount=f.items.amount,
            )

    e = _Section("tømninger", a)
    if details:
        for m in r.emptyings:
            for post, amount in (
                ("forventet", m.expected_total),
                ("optalt", m.counted_total),
                ("difference", m.difference),
            ):
                yield e(post, at=m.emptied_at, reference=m.device, text=m.emptied_by, amount=amount)
    yield e(
        f"{TOTAL} forventet",
        count=len(r.emptyings),
        amount=sum((m.expected_total for m in r.emptyings), Money(0)),
    )
    if r.emptyings:
        differences = [m.difference for m in r.emptyings]
        yield e(f"{TOTAL} difference", count=len(differences), amount=sum(differences, Money(0)))

    if details:
        e = _Section("genstart", a)
        for s in r.recovered:
            yield e(
                OUTCOMES.get(s.outcome, "afsluttet ved genstart"),
                at=s.started_at,
                reference=s.transaction_ref or s.session_id,
                amount=sum((amount for _, amount in s.credit_bons), Money(0)),
            )
        e = _Section("enhedstab", a)
        for at, text in r.device_losses:
            yield e("ikke aflæst", at=at, text=text)

    e = _Section("balance", a)
    for session_id in r.unbalanced_sessions:
        yield e("balancerer IKKE", reference=session_id)
    if not r.unbalanced_sessions:
        yield e("alle afsluttede sessioner balancerer")
