"""The device-truth proof's checks find what they are there to find: a checker that lets a lost
coin, a fee paid twice or a debtor item in two files through proves nothing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.world.checks import Books, DebtorFiles, _debtor, _fbs, _money, _paper


def truth(coins: Sequence[tuple[int, int]] = (), notes: Sequence[int] = (),
          card: Sequence[int] = (), desk: Sequence[tuple[str, int]] = (),
          fees: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "coins": {"ore": sum(o for _, o in coins),
                  "taken": [{"counter": c, "id": "x", "ore": o} for c, o in coins]},
        "notes": {"ore": sum(notes), "stacked": list(notes), "in_escrow": 0, "returned": []},
        "card": {"ore": sum(card), "approved": [{"ore": a} for a in card]},
        "desk": {"ore": sum(o for _, o in desk), "bons": [{"code": c, "ore": o} for c, o in desk]},
        "fbs": fees or {},
    }


def books(tenders: Sequence[tuple[str, int, str]] = (), settled: int = 0, credited: int = 0,
          bons: Sequence[dict[str, Any]] = (), outbox: Sequence[dict[str, Any]] = ()) -> Books:
    rows = [{"id": i, "session_id": "s1", "kind": k, "state": "received", "amount_ore": a,
             "device": "", "reference": ref} for i, (k, a, ref) in enumerate(tenders)]
    return Books(rows, settled, credited, 0, list(bons), list(outbox), {"s1": {"state": "done"}})


def test_money_that_adds_up_passes() -> None:
    t = truth(coins=[(1, 2000)], notes=[5000], card=[3500])
    b = books([("coin", 2000, "1"), ("note", 5000, "1"), ("card", 3500, "")], settled=10000,
              credited=500)
    assert _money(t, b) == []


def test_a_coin_the_acceptor_took_but_the_ledger_never_saw_is_found_by_its_counter() -> None:
    t = truth(coins=[(1, 2000), (2, 500)])
    b = books([("coin", 2000, "1")], settled=2000)
    found = _money(t, b)
    assert {(d.kind, d.subject, d.ore) for d in found} == {("money", "total", 500),
                                                           ("device", "coins", 500)}
    assert "('2', 500)" in next(d for d in found if d.kind == "device").detail


def test_money_in_the_ledger_but_not_taken_by_a_device_is_found() -> None:
    found = _money(truth(card=[3500]), books([("card", 3500, ""), ("card", 3500, "")],
                                             settled=7000))
    assert {(d.kind, d.subject, d.ore) for d in found} == {("money", "total", -3500),
                                                           ("device", "card", -3500)}


def test_a_desk_bon_the_desk_never_sold_is_found() -> None:
    bon = {"id": "b", "short_code": "X1", "amount_ore": 5000, "reason": "desk_cash",
           "state": "redeemed", "origin_session_id": None, "redeemed_session_id": "s1"}
    b = books([("bon", 5000, "")], settled=5000, bons=[bon])
    assert _money(truth(desk=[("X1", 5000)]), b) == []
    assert [d.subject for d in _money(truth(), b)] == ["bon X1"]


def fbs_item(state: str = "done", fees: tuple[str, ...] = ("7",), key: str = "O1") -> dict:
    return {"id": 1, "session_id": "s1", "kind": "fbs_registration", "state": state,
            "idempotency_key": key, "amount_ore": 1500, "payload": {"fee_ids": list(fees)},
            "batch_id": None}


def fee(calls: dict[str, int], registered: int = 1, paid_by: str | None = "O1") -> dict:
    return {"calls": calls, "statuses": [], "registered": registered, "paid_by": paid_by}


def test_fbs_registered_once_by_the_ledger_s_order_passes() -> None:
    assert _fbs(truth(fees={"7": fee({"O1": 2})}), books(outbox=[fbs_item()]), True) == []


def test_fbs_a_fee_asked_by_two_orders_is_found() -> None:
    found = _fbs(truth(fees={"7": fee({"O1": 1, "O2": 1})}), books(outbox=[fbs_item()]), True)
    assert [d.subject for d in found] == ["fee 7"]


def test_fbs_a_registration_the_ledger_does_not_know_is_found() -> None:
    found = _fbs(truth(fees={"8": fee({"O9": 1}, paid_by="O9")}), books(), True)
    assert [d.detail for d in found] == [
        "registered at FBS but settled by no session in the ledger"]


def test_fbs_the_ledger_done_but_the_simulator_never_registered_is_found() -> None:
    found = _fbs(truth(), books(outbox=[fbs_item()]), True)
    assert [d.subject for d in found] == ["fee 7"]


def test_fbs_an_item_still_pending_after_the_start_up_round_is_found() -> None:
    found = _fbs(truth(), books(outbox=[fbs_item("pending")]), True)
    assert [d.subject for d in found] == ["outbox item 1"]


def debtor_item(item_id: int, ref: str, claim: str, state: str = "exported") -> dict:
    return {"id": item_id, "session_id": "s1", "kind": "debtor_item", "state": state,
            "idempotency_key": f"{ref}-{claim}", "amount_ore": 2000, "batch_id": 1,
            "payload": {"transaction_ref": ref, "claim_ref": claim}}


def write_file(folder: Path, name: str, lines: list[tuple[str, str]], count: int | None = None,
               total: str | None = None) -> None:
    rows = ["cpr;kravtype;beløb_kr;betalt;betalingsmåde;automat;transaktion;krav"]
    rows += [f"0303903333;BIBGEB;20,00;2026-01-01 10:00:00;card;w;{r};{c}" for r, c in lines]
    rows.append(f"I ALT;{len(lines) if count is None else count};"
                f"{total or f'{20 * len(lines)},00'};1;2026-01-01")
    (folder / name).write_bytes(("\r\n".join(rows) + "\r\n").encode())


def test_debtor_each_item_in_exactly_one_delivered_file_passes(tmp_path: Path) -> None:
    write_file(tmp_path, "a.csv", [("K1", "900002")])
    write_file(tmp_path, ".b.csv.part", [("K1", "900002")])  # not delivered yet: skipped
    files = DebtorFiles.read(tmp_path)
    assert _debtor(books(outbox=[debtor_item(1, "K1", "900002")]), files, True) == []


def test_debtor_an_item_in_two_files_in_none_or_a_stray_line_is_found(tmp_path: Path) -> None:
    write_file(tmp_path, "a.csv", [("K1", "1"), ("K9", "9")])
    write_file(tmp_path, "b.csv", [("K1", "1")])
    b = books(outbox=[debtor_item(1, "K1", "1"), debtor_item(2, "K2", "2", "pending")])
    found = {d.subject: d.detail for d in _debtor(b, DebtorFiles.read(tmp_path), True)}
    assert found["item 1"].startswith("in 2 delivered files")
    assert found["item 2"].startswith("'pending' but in no delivered file")
    assert "no ledger item" in found["line ('K9', '9')"]


def test_debtor_a_trailer_that_does_not_match_its_lines_is_found(tmp_path: Path) -> None:
    write_file(tmp_path, "a.csv", [("K1", "1")], count=2)
    assert DebtorFiles.read(tmp_path).problems


def test_a_printed_bon_the_ledger_does_not_have_is_found() -> None:
    bon = {"id": "b1", "short_code": "X", "amount_ore": 250, "reason": "automat_credit",
           "state": "issued", "origin_session_id": "s1", "redeemed_session_id": None}
    slips = [{"text": "", "qr": ["BON1.b1.250.0.sig", "https://example"]}]
    assert _paper(books(bons=[bon]), slips) == []
    found = _paper(books(), [{"text": "", "qr": ["BON1.b2.900.0.sig"]}])
    assert [(d.subject, d.ore) for d in found] == [("bon b2", 900)]
