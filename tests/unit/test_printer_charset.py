"""Text the printer's code page lacks is transliterated, never printed as ``?`` (issue 13, item 3).

Read back through the printer emulator: what python-escpos sends for a document is parsed and
decoded with the code page the host selected, as the paper would show it.
"""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.base.charset import MISSING, describe, printable, unprintable
from drivers.base.printer import Document, Text, render_text
from drivers.escpos.codec import encode_document
from drivers.escpos.emulator import EscposParser
from kiosk.domain import PayableIn
from kiosk.money import Money
from kiosk.receipts import (
    BonData,
    FaultSlipData,
    PaidClaim,
    ReceiptData,
    as_text,
    render_bon,
    render_fault_slip,
    render_receipt,
)
from tests.conftest import REPO

TRANSLATIONS = sorted((REPO / "ui" / "translations").glob("*.ts"))


def printed(document: Document, code_page: str = "CP865") -> str:
    """The paper: the document encoded as the driver sends it, read back by the emulator."""
    parser = EscposParser()
    parser.feed(encode_document(document, code_page=code_page))
    assert parser.errors == [], parser.errors  # nothing in the text became a printer command
    return "".join(slip.text for slip in parser.slips)


def question_marks(text: str) -> int:
    """The question marks a text really has (also inside ``⁇`` or a full-width ``？``)."""
    return unicodedata.normalize("NFKD", text).count("?")


def receipt(*claims: PaidClaim, library: str = "Søllerød Bibliotek", **more: object) -> ReceiptData:
    return ReceiptData(
        library_name=library,
        automat_id="rud-01",
        paid_at=datetime(2026, 11, 25, 13, 7, tzinfo=UTC),
        claims=claims or (PaidClaim("Gebyr for sen aflevering", Money(2000), PayableIn.FBS),),
        method="cash",
        transaction_ref="T-20261125-0042",
        **more,  # type: ignore[arg-type]
    )


def test_a_receipt_printed_before_fbs_confirmed_shows_a_dash_not_a_question_mark() -> None:
    """The line printed whenever FBS has not confirmed at print time (issue 13, item 3)."""
    claims = (
        PaidClaim("Gebyr A", Money(2000), PayableIn.FBS, fbs_state="pending"),
        PaidClaim("Gebyr B", Money(3000), PayableIn.FBS, fbs_state="follow_up"),
    )
    document = render_receipt(receipt(*claims))
    paper = " ".join(printed(document).split())  # the long line wraps
    assert "Betalt her - registreres i FBS" in paper
    assert "Betalt her - biblioteket registrerer betalingen i FBS" in paper
    assert "?" not in paper
    assert "Betalt her – registreres i FBS" in as_text(document)  # the screen keeps the dash


def test_danish_letters_are_printed_as_they_are() -> None:
    text = "Søllerød, Ærø, Åse og blåbærgrød: ÆØÅ æøå é ü ß ½ «citat»"
    assert printable(text) == "Søllerød, Ærø, Åse og blåbærgrød: ÆØÅ æøå é ü ß ½ \"citat\""
    paper = " ".join(printed(Document("receipt", (Text(text),))).split())
    assert paper == "Søllerød, Ærø, Åse og blåbærgrød: ÆØÅ æøå é ü ß ½ \"citat\""


@pytest.mark.parametrize(
    ("text", "on_paper"),
    [
        ("Betalt her – registreres", "Betalt her - registreres"),
        ("2020—2026 ‒ 5 − 3", "2020-2026 - 5 - 3"),
        ("‘enkelt’ “dobbelt” „nede“", "'enkelt' \"dobbelt\" \"nede\""),
        ("»Ringenes Herre«", '"Ringenes Herre"'),
        ("Vent …", "Vent ..."),
        ("12 €", "12 EUR"),
        ("Dvořák, Łódź, Şişli, Ångström", "Dvorák, Lódz, Sisli, Ångström"),
        ("ﬁnde Ａ１", "finde A1"),
        ("e\u0301 a\u030a", "é å"),  # decomposed letters the page has are put together
        ("soft\u00adhyphen\u200b zero", "softhyphen zero"),
        ("™ © ®", "TM (c) (R)"),
        ("三体", MISSING * 2),
        ("Война и мир", f"{MISSING * 5} {MISSING} {MISSING * 3}"),
        ("📚\ufe0f", MISSING),
        ("tab\there\x1b@\x1dV\x00end", "tab here @ V end"),
    ],
)
def test_what_cp865_lacks_is_transliterated(text: str, on_paper: str) -> None:
    assert printable(text) == on_paper
    assert printed(Document("receipt", (Text(text),))).rstrip("\n") == on_paper


def test_a_page_without_danish_letters_spells_them_out() -> None:
    assert printable("Søllerød Ærø Åse", "cp437") == "Soelleroed Æroe Åse"  # 437 lacks ø
    assert printable("Æbleø", "ISO_8859-15") == "Æbleø"


def test_every_message_of_every_translation_prints_without_a_question_mark() -> None:
    """The screen's words (sources and translations) may reach paper too, e.g. when a layout
    quotes them: each prints without a ``?`` it did not have and without a missing letter."""
    assert TRANSLATIONS, "no translations found"
    for ts in TRANSLATIONS:
        for message in ET.parse(ts).iter("message"):
            texts = [message.findtext("source") or ""]
            translation = message.find("translation")
            if translation is not None:
                texts += [translation.text or ""] + [
                    n.text or "" for n in translation.iter("numerusform")
                ]
            for text in texts:
                paper = printed(Document("receipt", (Text(text),)))
                assert paper.count("?") == question_marks(text), (ts.name, text, paper)
                assert MISSING not in paper and unprintable(text) == [], (ts.name, text)


def test_the_layouts_own_words_need_no_transliteration_but_their_dashes() -> None:
    """Every fixed word of the receipt, bon and fault slip prints as written, apart from the
    en dash of the FBS lines (which becomes '-')."""
    documents = [
        render_receipt(receipt(PaidClaim("x", Money(100), PayableIn.FBS, state)))
        for state in ("registered", "pending", "follow_up")
    ]
    documents.append(render_receipt(receipt(PaidClaim("x", Money(100), PayableIn.DEBTOR))))
    documents.append(render_bon(bon()))
    documents.append(render_fault_slip(fault_slip()))
    for document in documents:
        # the printer aligns lines itself (the screen pads them) and prints the QR code natively
        screen = [
            "" if line.strip().startswith("[QR: ") else line.strip().replace("–", "-")
            for line in render_text(document, 48).splitlines()
        ]
        paper = [line.strip() for line in printed(document).splitlines()]
        assert paper == screen


def bon(**changes: object) -> BonData:
    base: dict[str, object] = dict(
        amount=Money(5050),
        short_code="K7Q2-9XMD",
        qr_payload="BON1.0123abcd.signature-xyz",
        issued_at=datetime(2026, 11, 25, 10, 30, tzinfo=UTC),
        expires=date(2027, 2, 23),
        issuer="Åse",
        reason="Betalt kontant i skranken",
        library_name="Frederiksberg Bibliotek",
    )
    base.update(changes)
    return BonData(**base)  # type: ignore[arg-type]


def fault_slip(**changes: object) -> FaultSlipData:
    base: dict[str, object] = dict(
        library_name="Søllerød Bibliotek",
        automat_id="rud-01",
        fault_at=datetime(2026, 11, 25, 13, 7, tzinfo=UTC),
        reference="T-20261125-0042",
        received=Money(6000),
        unrecorded=Money(2000),
    )
    base.update(changes)
    return FaultSlipData(**base)  # type: ignore[arg-type]


#: what outside texts really bring, more often than uniform Unicode would
TRICKY = list("–—‒−‘’“”„»«…€ßæøåÆØÅéüÿõ\u0301\u00ad\u200b\ufe0f\x1b\x1d\x10\t\r\n?？⁇¿三😀Я\ue000")
#: any Unicode: controls, format characters, private use, unassigned, lone surrogates
ANY_TEXT = st.text(
    st.one_of(st.characters(exclude_categories=()), st.sampled_from(TRICKY)), max_size=40
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    library=ANY_TEXT,
    reasons=st.lists(ANY_TEXT, min_size=1, max_size=3),
    terminal=ANY_TEXT,
    issuer=ANY_TEXT,
    bon_reason=ANY_TEXT,
    card_receipt=ANY_TEXT,
    fbs_state=st.sampled_from(["registered", "pending", "follow_up"]),
    message=st.sampled_from(
        [
            (m.findtext("translation") or m.findtext("source") or "")
            for ts in TRANSLATIONS
            for m in ET.parse(ts).iter("message")
        ]
    ),
)
def test_any_text_in_any_layout_prints_without_a_question_mark_it_did_not_have(
    library: str,
    reasons: list[str],
    terminal: str,
    issuer: str,
    bon_reason: str,
    card_receipt: str,
    fbs_state: str,
    message: str,
) -> None:
    """Operator texts (library name), FBS texts (claim reasons and titles), the terminal's
    receipt text and staff texts (issuer, reason), in every layout, with a translated message
    beside them: CP865 on paper, and a ``?`` only where the text had one."""
    claims = [
        PaidClaim(reason, Money(100 * (i + 1)), payable, fbs_state)
        for i, reason in enumerate(reasons)
        for payable in (PayableIn.FBS, PayableIn.DEBTOR)
    ]
    documents = {
        "receipt": (
            render_receipt(
                receipt(*claims, library=library, terminal_receipt_text=terminal,
                        credit_bon_ref="B-77")
            ),
            [library, terminal, *reasons, *reasons],  # each reason on two claims
        ),
        "bon": (
            render_bon(bon(library_name=library, issuer=issuer, reason=bon_reason)),
            [library, issuer, bon_reason],
        ),
        "fault_slip": (
            render_fault_slip(fault_slip(library_name=library, card_receipts=(card_receipt,))),
            [library, card_receipt],
        ),
        "message": (Document("receipt", (Text(message),)), [message]),
    }
    for name, (document, sources) in documents.items():
        paper = printed(document)
        paper.encode("cp865")  # every character on paper is one the page has
        had = sum(question_marks(s) for s in sources)
        assert paper.count("?") <= had, (name, sources, paper)


def test_the_unprintable_are_named_by_code_point() -> None:
    assert unprintable("Bibliotek 三体 三") == ["三", "体"]
    assert unprintable("Søllerød – “Bibliotek” €") == []
    assert describe("三") == "U+4E09 CJK UNIFIED IDEOGRAPH-4E09"
