"""The Z-report as text for staff, in Danish: on the staff screen, on the receipt printer (42
columns) and from ``kiosk report``. The words are the finance files' (:mod:`kiosk.reports.words`),
so the slip, the CSV and the PDF name each figure alike. Unlike those files it names credit bons
by their short code and follow-up items by the patron's name and masked id: staff at the automat
look them up with it, and the text does not leave the automat."""

from __future__ import annotations

from collections.abc import Iterable

from kiosk.cashbox import ROLE_WORDS, Emptying
from kiosk.clock import local
from kiosk.followup import FollowUpItem
from kiosk.money import Money
from kiosk.reports.figures import Count, FleetReport, ZReport
from kiosk.reports.words import (
    CASH_KINDS,
    CREDITED,
    DEBTOR_STATES,
    FBS_STATES,
    METHODS,
    OUTCOMES,
    SESSION_STATES,
    SETTLED,
    TOTAL,
)

WIDTH = 42
LABEL = WIDTH - 6 - 12  # a label, then the count (6) and the amount (12) on one line


def kr(m: Money) -> str:
    return m.format_da(suffix="")


def row(label: str, count: int | None = None, amount: Money | None = None) -> list[str]:
    """``  label     count      amount``; a label too long for its column gets its own line."""
    figures = f"{'' if count is None else count:>6}{'' if amount is None else kr(amount):>12}"
    label = f"  {label}"
    if len(label) > LABEL:
        return [label, f"{'':<{LABEL}}{figures}".rstrip()]
    return [f"{label:<{LABEL}}{figures}".rstrip()]


def role(name: str | None) -> str:
    return ROLE_WORDS.get(name or "", name or "")


def counted(label: str, c: Count) -> list[str]:
    return row(label, c.count, c.amount)


def report_lines(report: ZReport | FleetReport) -> list[str]:
    """A fleet: the totals, then each automat under a rule."""
    if isinstance(report, FleetReport):
        out = zreport_lines(report.total)
        for automat in report.automats:
            out += ["", "-" * WIDTH, "", *zreport_lines(automat)]
        return out
    return zreport_lines(report)


def zreport_lines(r: ZReport) -> list[str]:
    period = r.period.first.strftime("%d.%m.%Y")
    if not r.period.one_day:
        period += f" – {r.period.last:%d.%m.%Y}"
    scope = "alle automater" if len(r.automat_ids) > 1 else f"automat {r.automat_id}"
    out = [f"Z-rapport {period}, {scope}"]
    if len(r.automat_ids) > 1:
        out.append(f"Automater: {', '.join(r.automat_ids)}")
    out += ["", "Sessioner"]
    for state, n in sorted(r.sessions.items()):
        out += row(SESSION_STATES.get(state, f"åben ({state})"), n)
    out += row(TOTAL, sum(r.sessions.values()))
    out += ["", "Modtaget pr. betalingsmiddel"]
    for kind in ("coin", "note", "card", "bon"):
        out += counted(METHODS[kind], r.tenders.get(kind, Count()))
    out += row(TOTAL, sum(c.count for c in r.tenders.values()), r.received)
    out += ["", "Kontanter pr. enhed og valør"]
    for (device, kind, ore), pieces in sorted(r.cash_by_device.items()):
        label = f"{device} {CASH_KINDS.get(kind, kind)} {kr(Money(ore))}"
        out += row(label, pieces, Money(ore * pieces))
    out += row(TOTAL, sum(r.cash_by_device.values()), r.cash_total)
    out += ["", "Afregnet"]
    for key, label in SETTLED.items():
        out += row(label, amount=r.settled.get(key, Money(0)))
    out += row(TOTAL, amount=r.settled_total)
    out += ["", "Krediteret som bon (fra sessioner)"]
    for key, label in CREDITED.items():
        if key in r.credited:
            out += counted(label, r.credited[key])
    out += counted(TOTAL, r.credited_total)
    out += ["", "FBS-registreringer"]
    for state, label in FBS_STATES.items():
        out += counted(label, r.fbs.get(state, Count()))
    out += follow_up_lines(r)
    out += closed_lines(r.follow_ups_closed)
    out += ["", "Debitorposter"]
    for state, label in DEBTOR_STATES.items():
        out += counted(label, r.debtor.get(state, Count()))
    out += ["", "Bons"]
    out += counted("udstedt i skranken", r.bons_issued_at_desk)
    out += counted("indløst her", r.bons_redeemed)
    out += counted("annulleret", r.bons_voided)
    out += counted("udestående (alle automater)", r.bons_outstanding)
    out += counted("udløbet (alle automater)", r.bons_expired)
    out += emptying_lines(r.emptyings)
    out += recovered_lines(r)
    if r.device_losses:
        out += ["", "Taget af en enhed, men ikke aflæst: tæl kassen"]
        out += [f"  {local(at):%H:%M} {text}" for at, text in r.device_losses]
    return [*out, "", verdict(r.unbalanced_sessions)]


def verdict(unbalanced: list[str]) -> str:
    """The report's last line: whether every finished session of it balances."""
    if unbalanced:
        return f"BALANCERER IKKE: {', '.join(unbalanced)}"
    return "Alle afsluttede sessioner balancerer."


def follow_up_lines(r: ZReport) -> list[str]:
    if not r.follow_up:
        return []
    out = ["  Til opfølgning (FBS afviste; registrér manuelt):"]
    for f in r.follow_up:
        days = "dag" if f.age_days == 1 else "dage"
        out.append(
            f"    {f.order_id} gebyr {', '.join(f.fee_ids)} {kr(f.amount)}, {f.age_days} {days}"
        )
        out += [f"      låner {f.patron}", f"      {f.reason}"]
    return out


def closed_lines(items: Iterable[FollowUpItem]) -> list[str]:
    """Each refused registration closed by hand in the period, by whom and how."""
    listed = list(items)
    if not listed:
        return []
    out = ["", "Opfølgning lukket af personalet"]
    for item in listed:
        at = f"{local(item.closed_at):%d.%m %H:%M}" if item.closed_at else ""
        out.append(f"  {at} {item.order_id} gebyr {', '.join(item.fee_ids)} {kr(item.amount)}")
        out.append(f"      af {item.closed_by} ({role(item.closed_role)}): {item.outcome_text}")
    return out


def emptying_lines(emptyings: Iterable[Emptying]) -> list[str]:
    """Each emptying with who, the totals and each denomination that differs."""
    listed = list(emptyings)
    if not listed:
        return []
    out = ["", "Tømning af kasser (difference = optalt - forventet)"]
    for e in listed:
        out.append(
            f"  {local(e.emptied_at):%d.%m %H:%M} {e.box_name}, af {e.emptied_by} ({role(e.role)})"
        )
        out += row("forventet", amount=e.expected_total)
        out += row("optalt", amount=e.counted_total)
        out += row("difference", amount=e.difference)
        for line in e.lines:
            if line.expected != line.counted:
                out.append(
                    f"    {kr(Money(line.denomination))}: forventet {line.expected},"
                    f" optalt {line.counted}, difference {kr(line.difference)}"
                )
    return out + row(f"{TOTAL} difference", amount=sum((e.difference for e in listed), Money(0)))


def recovered_lines(r: ZReport) -> list[str]:
    if not r.recovered:
        return []
    out = [
        "",
        "Afsluttet ved genstart eller krediteret uden for en betaling",
        "(borgeren har måske ingen kvittering eller bon)",
    ]
    for s in r.recovered:
        outcome = OUTCOMES.get(s.outcome, "afsluttet ved genstart")
        out.append(f"  {local(s.started_at):%H:%M} {s.transaction_ref or s.session_id}: {outcome}")
        for code, amount in s.credit_bons:
            out.append(f"    tilgodebon {code[:5]}-{code[5:]} {kr(amount)}")
    return out
