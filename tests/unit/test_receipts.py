"""Receipt and bon layouts: what the citizen gets on paper, and never a CPR number."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.base.printer import Document, QrCode, render_text
from drivers.escpos.codec import encode_document
from drivers.escpos.emulator import EscposParser
from kiosk.cpr import Cpr
from kiosk.domain import Claim, ClaimKind, Material, PayableIn
from kiosk.money import Money
from kiosk.receipts import (
    BonData,
    FaultSlipData,
    PaidClaim,
    ReceiptData,
    ReceiptError,
    as_text,
    mask_card_numbers,
    render_bon,
    render_fault_slip,
    render_receipt,
)

PAID_AT = datetime(2026, 11, 25, 14, 7)


def receipt_data(**changes: object) -> ReceiptData:
    base = dict(
        library_name="Søllerød Bibliotek",
        automat_id="rud-01",
        paid_at=PAID_AT,
        claims=(
            PaidClaim("Gebyr for sen aflevering", Money(2000), PayableIn.FBS),
            PaidClaim("Erstatning: Ærø rundt", Money(123450), PayableIn.DEBTOR),
        ),
        method="card",
        transaction_ref="T-20261125-0042",
        terminal_receipt_text="VISA\nKort: 4571 2345 6789 0123\nGodkendt 123456",
        credit_bon_ref="",
    )
    base.update(changes)
    return ReceiptData(**base)  # type: ignore[arg-type]


def bon_data(**changes: object) -> BonData:
    base = dict(
        amount=Money(5050),
        short_code="K7Q2-9XMD",
        qr_payload="BON1.0123abcd.signature-xyz",
        issued_at=datetime(2026, 11, 25, 10, 30),
        expires=date(2027, 2, 23),
        issuer="Åse på Hovedbiblioteket",
        reason="Kontant modtaget i skranken",
        library_name="Frederiksberg Bibliotek",
    )
    base.update(changes)
    return BonData(**base)  # type: ignore[arg-type]


def slip_data(**changes: object) -> FaultSlipData:
    base = dict(
        library_name="Søllerød Bibliotek",
        automat_id="rud-01",
        fault_at=PAID_AT,
        reference="T-20261125-0042",
        received=Money(6000),
        unrecorded=Money(2000),
        card_receipts=("VISA\nKort: 4571 2345 6789 0123\nGODKENDT 123456",),
    )
    base.update(changes)
    return FaultSlipData(**base)  # type: ignore[arg-type]


def test_receipt_shows_everything_the_citizen_needs() -> None:
    text = as_text(render_receipt(receipt_data()))
    for expected in (
        "Søllerød Bibliotek",
        "rud-01",
        "25.11.2026 kl. 14.07",
        "Gebyr for sen aflevering",
        "20,00 kr.",
        "Erstatning: Ærø rundt",
        "1.234,50 kr.",
        "Betalt i FBS",
        "Sendt til kommunens debitorsystem",
        "I alt betalt",
        "1.254,50 kr.",
        "Betalingskort",
        "T-20261125-0042",
        "************0123",
    ):
        assert expected in text, expected
    assert "4571" not in text


def test_receipt_qr_is_the_transaction_reference() -> None:
    assert render_receipt(receipt_data()).qr_codes == ("T-20261125-0042",)


def test_credit_bon_reference_and_cash_rounding_are_shown() -> None:
    text = as_text(
        render_receipt(receipt_data(method="cash", credit_bon_ref="B-77", cash_rounding=Money(-20)))
    )
    assert "Tilgodebevis (bon): B-77" in text
    assert "Øreafrunding" in text and "-0,20 kr." in text
    assert "1.254,30 kr." in text
    assert "Kontant" in text


def test_claim_from_domain_uses_reason_and_titles() -> None:
    claim = Claim(
        id="f1",
        kind=ClaimKind.COMPENSATION,
        amount=Money(9900),
        created=date(2025, 1, 2),
        payable_in=PayableIn.DEBTOR,
        materials=(Material(title="Palle alene i verden"),),
    )
    paid = PaidClaim.from_claim(claim)
    assert paid.reason == "Erstatning: Palle alene i verden"
    assert paid.amount == Money(9900)


@pytest.mark.parametrize(
    "changes",
    [
        {"claims": ()},
        {"transaction_ref": ""},
        {"claims": (PaidClaim("x", Money(100), PayableIn.ELSEWHERE),)},
    ],
)
def test_a_receipt_that_would_not_be_true_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ReceiptError):
        render_receipt(receipt_data(**changes))


def test_bon_shows_amount_code_qr_times_issuer_reason() -> None:
    doc = render_bon(bon_data())
    text = as_text(doc)
    for expected in (
        "BON",
        "50,50 kr.",
        "K7Q2-9XMD",
        "25.11.2026 kl. 10.30",
        "23.02.2027",
        "Åse på Hovedbiblioteket",
        "Kontant modtaget i skranken",
        "Frederiksberg Bibliotek",
    ):
        assert expected in text, expected
    assert doc.qr_codes == ("BON1.0123abcd.signature-xyz",)


@pytest.mark.parametrize(
    "changes", [{"amount": Money(0)}, {"qr_payload": ""}, {"short_code": ""}]
)
def test_bad_bon_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ReceiptError):
        render_bon(bon_data(**changes))


def test_card_numbers_are_masked_but_short_numbers_kept() -> None:
    assert mask_card_numbers("PAN 5413-3300-8909-9130 ok") == "PAN ************9130 ok"
    assert mask_card_numbers("Auth 123456, terminal 12345678") == "Auth 123456, terminal 12345678"
    assert mask_card_numbers("XXXX XXXX XXXX 1234") == "XXXX XXXX XXXX 1234"


def _valid_cprs() -> st.SearchStrategy[str]:
    return st.builds(
        lambda d, m, yy, serial: f"{d:02d}{m:02d}{yy:02d}{serial:04d}",
        st.integers(1, 28),
        st.integers(1, 12),
        st.integers(0, 99),
        st.integers(0, 9999),
    )


def _printed_text(document: Document) -> str:
    parser = EscposParser()
    parser.feed(encode_document(document))
    return "".join(slip.text for slip in parser.slips)


@settings(max_examples=60, deadline=None)
@given(cpr=_valid_cprs(), dash=st.booleans())
def test_no_cpr_on_any_receipt_or_bon(cpr: str, dash: bool) -> None:
    shown = f"{cpr[:6]}-{cpr[6:]}" if dash else cpr
    receipt = render_receipt(
        receipt_data(
            claims=(PaidClaim(f"Gebyr (borger {shown})", Money(2000), PayableIn.FBS),),
            terminal_receipt_text=f"Kunde {shown}",
        )
    )
    bon = render_bon(bon_data(issuer=f"Staff {shown}", reason=f"For {shown}"))
    slip = render_fault_slip(slip_data(card_receipts=(f"Kunde {shown}",)))
    for doc in (receipt, bon, slip):
        for text in (render_text(doc), _printed_text(doc), *doc.qr_codes):
            assert Cpr.parse(cpr).formatted not in text
            assert cpr not in text
            assert Cpr.parse(cpr).masked not in text  # not even masked


def test_documents_have_one_qr_each() -> None:
    for doc in (
        render_receipt(receipt_data()),
        render_bon(bon_data()),
        render_fault_slip(slip_data()),
    ):
        assert sum(isinstance(b, QrCode) for b in doc.blocks) == 1


def test_fbs_registration_not_yet_confirmed_is_not_called_paid_in_fbs() -> None:
    claims = (
        PaidClaim("Gebyr A", Money(2000), PayableIn.FBS, fbs_state="pending"),
        PaidClaim("Gebyr B", Money(3000), PayableIn.FBS, fbs_state="follow_up"),
    )
    text = as_text(render_receipt(receipt_data(claims=claims)), width=60)
    assert "Betalt i FBS" not in text
    assert "registreres i FBS" in text
    assert "biblioteket registrerer betalingen i FBS" in text
    with pytest.raises(ReceiptError):
        render_receipt(receipt_data(claims=(PaidClaim("x", Money(1), PayableIn.FBS, "maybe"),)))


def test_times_from_the_ledger_are_printed_in_danish_time() -> None:
    """The ledger keeps UTC; the citizen reads the clock on the wall (CET in winter, CEST in
    summer)."""
    from datetime import UTC

    paid_at = datetime(2026, 11, 25, 13, 7, tzinfo=UTC)
    winter = as_text(render_receipt(receipt_data(paid_at=paid_at)))
    summer = as_text(render_bon(bon_data(issued_at=datetime(2026, 6, 1, 8, 30, tzinfo=UTC))))
    assert "25.11.2026 kl. 14.07" in winter
    assert "01.06.2026 kl. 10.30" in summer


def test_fault_slip_is_the_citizens_proof_and_tells_them_to_see_staff() -> None:
    doc = render_fault_slip(slip_data())
    text = as_text(doc)
    for expected in (
        "Søllerød Bibliotek",
        "rud-01",
        "25.11.2026 kl. 14.07",
        "AUTOMATEN KUNNE IKKE GEMME BETALINGEN",
        "Indbetalt",
        "60,00 kr.",
        "Heraf ikke gemt",
        "20,00 kr.",
        "GODKENDT 123456",
        "************0123",
        "Reference: T-20261125-0042",
        "Tag denne seddel med til personalet",
    ):
        assert expected in text, expected
    assert "4571" not in text
    assert doc.kind == "fault_slip" and doc.qr_codes == ("T-20261125-0042",)


def test_fault_slip_with_everything_recorded_shows_no_unrecorded_line() -> None:
    text = as_text(render_fault_slip(slip_data(unrecorded=Money(0), card_receipts=())))
    assert "60,00 kr." in text and "ikke gemt" not in text


def test_fault_slip_time_is_danish() -> None:
    from datetime import UTC

    moment = datetime(2026, 6, 1, 8, 30, tzinfo=UTC)
    assert "01.06.2026 kl. 10.30" in as_text(render_fault_slip(slip_data(fault_at=moment)))


@pytest.mark.parametrize(
    "changes",
    [
        {"received": Money(0), "unrecorded": Money(0)},
        {"unrecorded": Money(7000)},
        {"unrecorded": Money(-1)},
        {"reference": ""},
    ],
)
def test_a_fault_slip_that_would_not_be_true_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ReceiptError):
        render_fault_slip(slip_data(**changes))
