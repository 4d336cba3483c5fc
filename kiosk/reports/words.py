"""The finance office's words: the sections of a report, their columns, and the Danish names
of states, methods and kinds that the CSV and the PDF print."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SectionSpec:
    title: str
    #: the fields the PDF shows, with their headings (the CSV has every field)
    columns: tuple[tuple[str, str], ...]


def _cols(*names: str, **headings: str) -> tuple[tuple[str, str], ...]:
    return tuple((n, headings.get(n, HEADINGS[n])) for n in names)


HEADINGS = {
    "item": "Post",
    "at": "Tidspunkt",
    "reference": "Reference",
    "external_ref": "Ekstern reference",
    "text": "Tekst",
    "count": "Antal",
    "amount": "Beløb (kr.)",
    "age_days": "Alder (dage)",
}

SUMMARY = _cols("item", "count", "amount")
SECTIONS: dict[str, SectionSpec] = {
    "rapport": SectionSpec("Rapporten", _cols("item", "at", "text")),
    "sessioner": SectionSpec("Sessioner", _cols("item", "count")),
    "modtaget": SectionSpec("Modtaget pr. betalingsmiddel", SUMMARY),
    "kontanter": SectionSpec(
        "Kontanter pr. enhed og valør",
        _cols("item", "reference", "count", "amount", reference="Enhed"),
    ),
    "kortbetalinger": SectionSpec(
        "Kortbetalinger",
        _cols(
            "item",
            "at",
            "reference",
            "external_ref",
            "amount",
            external_ref="Terminalens reference",
        ),
    ),
    "afregnet": SectionSpec("Afregnet", _cols("item", "amount")),
    "krediteret": SectionSpec("Krediteret som bon (fra sessioner)", SUMMARY),
    "bons": SectionSpec("Bons", SUMMARY),
    "fbs": SectionSpec("FBS-registreringer", SUMMARY),
    "fbs_gebyrer": SectionSpec(
        "FBS-registreringer pr. gebyr",
        _cols(
            "item",
            "at",
            "reference",
            "text",
            "external_ref",
            "amount",
            reference="Ordre",
            text="Gebyr",
            external_ref="FBS' kvittering",
        ),
    ),
    "opfølgning": SectionSpec(
        "Opfølgning: registreringer FBS har afvist",
        _cols("item", "at", "reference", "text", "count", "amount", "age_days", reference="Ordre"),
    ),
    "debitor": SectionSpec("Debitorposter", SUMMARY),
    "debitor_poster": SectionSpec(
        "Debitorposter og deres fil",
        _cols("item", "at", "reference", "text", "external_ref", "amount", external_ref="Fil"),
    ),
    "debitor_filer": SectionSpec(
        "Debitorfiler dannet i perioden",
        _cols(
            "item",
            "at",
            "reference",
            "external_ref",
            "count",
            "amount",
            reference="Løbenr.",
            external_ref="Fil",
        ),
    ),
    "tømninger": SectionSpec(
        "Tømning af kasser",
        _cols(
            "item", "at", "reference", "text", "count", "amount", reference="Enhed", text="Tømt af"
        ),
    ),
    "genstart": SectionSpec(
        "Afsluttet ved genstart eller krediteret uden for en betaling",
        _cols("item", "at", "reference", "amount"),
    ),
    "enhedstab": SectionSpec(
        "Taget af en enhed, men ikke aflæst: tæl kassen", _cols("item", "at", "text")
    ),
    "balance": SectionSpec("Balance", _cols("item", "reference")),
}

SESSION_STATES = {
    "done": "gennemført",
    "cancelled": "annulleret",
    "timed_out": "afbrudt (inaktiv)",
    "recovered": "afsluttet ved genstart",
}
METHODS = {"coin": "mønter", "note": "sedler", "card": "kort", "bon": "bon"}
CASH_KINDS = {"coin": "mønt", "note": "seddel"}
SETTLED = {
    "fbs": "FBS (gamle krav)",
    "debtor": "debitorsystemet (nye krav)",
    "cash_rounding": "øreafrunding",
    "technician_test": "teknikerens test af mønter og sedler (i kassen, ikke en indtægt)",
}
CREDITED = {
    "automat_credit": "tilgodebon (overbetalt, annulleret eller afbrudt)",
    "remainder": "restbon (en bon dækkede mere end kravene)",
    "money_outside_payment": "penge modtaget uden for en betaling",
    "money_at_restart": "penge modtaget under en genstart",
    "restart": "krediteret ved genstart",
}
FBS_STATES = {
    "done": "registreret",
    "refused": "afvist",
    "parked": "afvist, venter på personalet",
    "closed": "lukket af personalet",
    "pending": "afventer",
}
DEBTOR_STATES = {"exported": "eksporteret", "pending": "afventer eksport"}
FILE_STATES = {"writing": "dannes", "written": "skrevet", "delivered": "leveret"}
OUTCOMES = {
    "money_at_restart": "penge modtaget under en genstart, krediteret",
    "money_outside_payment": "penge modtaget uden for en betaling, krediteret",
}
TOTAL = "i alt"
