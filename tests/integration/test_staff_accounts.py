"""Staff accounts on SQLite and PostgreSQL: PINs and cards stored keyed and hashed, logins,
the lockout on a fake clock, refusals that change nothing but the audit log, administration,
and wrong PINs typed at several automats at once all counted (PostgreSQL)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select, text

from kiosk.clock import FakeClock
from kiosk.ledger.db import make_engine
from kiosk.ledger.models import AuditEntry, StaffAccount
from kiosk.staff.accounts import (
    LOCK_DURATION,
    MAX_FAILED_TRIES,
    Actor,
    LoginReason,
    LoginRefused,
    NotPermitted,
    StaffBook,
    StaffUsageError,
)
from kiosk.staff.roles import Role

SECRET = "s3cret-bon-key-for-tests-0123456789"
#: argon2id with tiny costs: the tests hash many PINs (production uses argon2-cffi's defaults)
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
SYSTEM = Actor("os:test", "system")
PIN = "4711"


def book_on(engine: Engine, clock: FakeClock, automat: str = "automat-a") -> StaffBook:
    return StaffBook(engine, clock, automat, SECRET, hasher=FAST)


@dataclass
class Staff:
    engine: Engine
    clock: FakeClock
    book: StaffBook

    def accounts(self) -> list[tuple]:
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(select(StaffAccount).order_by(StaffAccount.id))]

    def audit(self) -> list[tuple[str, str, str, dict]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(AuditEntry).order_by(AuditEntry.id)).all()
        return [(r.actor, r.role, r.action, r.details) for r in rows]

    def actions(self) -> list[str]:
        return [a for _, _, a, _ in self.audit()]


@pytest.fixture
def staff(engine: Engine) -> Staff:
    clock = FakeClock()
    book = book_on(engine, clock)
    book.add("1", "Ada Admin", "administrator", "90909", by=SYSTEM)
    book.add("17", "Sofie Skranke", "staff", PIN, by=SYSTEM, card="STAFFCARD-0017")
    return Staff(engine, clock, book)


def refused(staff: Staff, call, reason: LoginReason) -> LoginRefused:  # type: ignore[no-untyped-def]
    """The login is refused for ``reason`` and the accounts are as they were (only the audit log
    has the try); a wrong PIN changes only its account's count of wrong tries."""
    before = staff.accounts()
    with pytest.raises(LoginRefused) as err:
        call()
    assert err.value.reason is reason
    tries = StaffAccount.__table__.columns.keys().index("failed_tries")
    if reason is LoginReason.WRONG_PIN:
        after = staff.accounts()
        assert [r[:tries] + r[tries + 1:] for r in after] == [
            r[:tries] + r[tries + 1:] for r in before
        ]
        assert sum(r[tries] for r in after) == sum(r[tries] for r in before) + 1
    else:
        assert staff.accounts() == before
    return err.value


def test_a_login_gives_the_user_and_is_audited_without_the_pin(staff: Staff) -> None:
    user = staff.book.login("17", PIN)
    assert (user.staff_no, user.name, user.roles) == ("17", "Sofie Skranke", {Role.STAFF})
    assert staff.book.login(" 1 ", "90909").roles == {Role.ADMINISTRATOR}
    assert staff.audit()[-2:] == [
        ("17", "staff", "staff_login", {"via": "number", "roles": ["staff"]}),
        ("1", "administrator", "staff_login", {"via": "number", "roles": ["administrator"]}),
    ]
    with staff.engine.connect() as conn:
        stored = conn.execute(
            select(StaffAccount.pin_hash, StaffAccount.card_hash).order_by(StaffAccount.id)
        ).all()
    for pin_hash, _card in stored:
        assert pin_hash.startswith("$argon2id$")
    assert stored[1][1] is not None and len(stored[1][1]) == 64
    everything = json.dumps([staff.accounts(), staff.audit()], default=str)
    for secret in (PIN, "90909", "STAFFCARD-0017"):
        assert secret not in everything


def test_the_pin_is_keyed_with_the_installations_secret(staff: Staff) -> None:
    """A copy of the database and the right PIN are not enough without the secret."""
    other = StaffBook(
        staff.engine, staff.clock, "automat-a", "another-secret-0123456789", hasher=FAST
    )
    refused(staff, lambda: other.login("17", PIN), LoginReason.WRONG_PIN)
    assert other.card_holder("STAFFCARD-0017") is None


def test_a_staff_card_and_the_pin_log_in(staff: Staff) -> None:
    assert staff.book.card_holder(" STAFFCARD-0017\n") == "17"
    assert staff.book.card_holder("CITIZEN-1234") is None
    assert staff.book.card_holder("") is None
    assert staff.book.login_by_card("STAFFCARD-0017", PIN).staff_no == "17"
    assert staff.audit()[-1][2:] == ("staff_login", {"via": "card", "roles": ["staff"]})
    refused(staff, lambda: staff.book.login_by_card("CITIZEN-1234", PIN), LoginReason.UNKNOWN)
    with pytest.raises(LoginRefused) as err:
        staff.book.login_by_card("STAFFCARD-0017", "0000")
    assert err.value.reason is LoginReason.WRONG_PIN
    assert staff.audit()[-1][2:] == (
        "staff_login_failed", {"reason": "wrong_pin", "via": "card", "tries": 1}
    )


def test_five_wrong_pins_lock_for_five_minutes(staff: Staff) -> None:
    for tries in range(1, MAX_FAILED_TRIES):
        with pytest.raises(LoginRefused) as err:
            staff.book.login("17", "0000")
        assert err.value.reason is LoginReason.WRONG_PIN
        assert str(err.value) == "Forkert medarbejdernummer eller PIN-kode."
        assert staff.audit()[-1] == (
            "17", "staff", "staff_login_failed", {"reason": "wrong_pin", "via": "number",
                                                  "tries": tries},
        )
    with pytest.raises(LoginRefused) as err:
        staff.book.login_by_card("STAFFCARD-0017", "0000")  # the fifth, by card: counts alike
    assert (err.value.reason, err.value.minutes_left) == (LoginReason.LOCKED, 5)
    assert str(err.value) == (
        "Kontoen er låst efter for mange forkerte PIN-koder. Prøv igen om 5 minutter, eller bed"
        " en administrator låse den op."
    )
    until = staff.clock.now() + LOCK_DURATION
    assert staff.actions()[-2:] == ["staff_login_failed", "staff_locked"]
    assert staff.audit()[-1][3] == {"until": until.isoformat(), "via": "card"}

    # the right PIN does not open a locked account, and the tries change nothing
    staff.clock.advance(4 * 60)
    err2 = refused(staff, lambda: staff.book.login("17", PIN), LoginReason.LOCKED)
    assert err2.minutes_left == 1 and "Prøv igen om 1 minut," in str(err2)
    assert staff.audit()[-1] == ("17", "staff", "staff_login_refused",
                                 {"reason": "locked", "via": "number", "minutes_left": 1})
    staff.clock.advance(59)
    refused(staff, lambda: staff.book.login("17", "0000"), LoginReason.LOCKED)

    staff.clock.advance(1)  # five minutes on: open again, with five fresh tries
    assert staff.book.login("17", PIN).staff_no == "17"
    for _ in range(MAX_FAILED_TRIES - 1):
        with pytest.raises(LoginRefused, match="Forkert"):
            staff.book.login("17", "0000")


def test_a_login_resets_the_count_of_wrong_pins(staff: Staff) -> None:
    for _ in range(MAX_FAILED_TRIES - 1):
        with pytest.raises(LoginRefused):
            staff.book.login("17", "0000")
    staff.book.login("17", PIN)
    for _ in range(MAX_FAILED_TRIES - 1):
        with pytest.raises(LoginRefused) as err:
            staff.book.login("17", "0000")
        assert err.value.reason is LoginReason.WRONG_PIN


def test_unknown_and_removed_read_like_a_wrong_pin(staff: Staff) -> None:
    unknown = refused(staff, lambda: staff.book.login("999", PIN), LoginReason.UNKNOWN)
    assert staff.audit()[-1] == ("unknown", "none", "staff_login_refused",
                                 {"reason": "unknown", "via": "number"})
    refused(staff, lambda: staff.book.login("not a number", PIN), LoginReason.UNKNOWN)
    staff.book.remove("17", by=SYSTEM)
    removed = refused(staff, lambda: staff.book.login("17", PIN), LoginReason.REMOVED)
    assert str(unknown) == str(removed) == "Forkert medarbejdernummer eller PIN-kode."
    assert staff.book.card_holder("STAFFCARD-0017") is None  # a removed account's card is freed


def test_an_administrator_unlocks_and_resets_pins(staff: Staff) -> None:
    admin = staff.book.login("1", "90909")
    for _ in range(MAX_FAILED_TRIES):
        with pytest.raises(LoginRefused):
            staff.book.login("17", "0000")
    assert staff.book.accounts()[1].locked_until is not None
    assert staff.book.unlock("17", by=admin) is True
    assert staff.audit()[-1] == ("1", "administrator", "staff_unlocked",
                                 {"staff_no": "17", "was_locked": True})
    assert staff.book.login("17", PIN)

    for _ in range(MAX_FAILED_TRIES):
        with pytest.raises(LoginRefused):
            staff.book.login("17", "0000")
    staff.book.reset_pin("17", "246810", by=admin)  # a new PIN also lifts the lock
    assert staff.audit()[-1] == ("1", "administrator", "staff_pin_reset", {"staff_no": "17"})
    refused(staff, lambda: staff.book.login("17", PIN), LoginReason.WRONG_PIN)
    assert staff.book.login("17", "246810").staff_no == "17"
    assert "246810" not in json.dumps(staff.audit())


def test_only_an_administrator_manages_staff(staff: Staff) -> None:
    clerk = staff.book.login("17", PIN)
    before = staff.accounts()
    for change in (
        lambda: staff.book.add("18", "Bo", "staff", "1234", by=clerk),
        lambda: staff.book.remove("1", by=clerk),
        lambda: staff.book.reset_pin("1", "1234", by=clerk),
        lambda: staff.book.unlock("1", by=clerk),
    ):
        with pytest.raises(NotPermitted, match="Medarbejder 17 har ikke adgang"):
            change()
    assert staff.accounts() == before
    assert staff.audit()[-1] == ("17", "staff", "staff_not_permitted",
                                 {"permission": "manage_staff"})


@pytest.mark.parametrize(
    ("field", "value", "reason", "words"),
    [
        ("pin", "12a4", "pin_not_digits", "PIN-koden må kun bestå af cifre."),
        ("pin", "123", "pin_length", "PIN-koden skal være 4 til 12 cifre."),
        ("pin", "1234567890123", "pin_length", "PIN-koden skal være 4 til 12 cifre."),
        ("staff_no", "A17", "staff_no_format", "Medarbejdernummeret skal være 1 til 12 cifre"),
        ("staff_no", "17", "staff_no_taken", "Medarbejdernummer 17 er allerede i brug."),
        ("roles", "staff,boss", "roles", "ukendt rolle 'boss'"),
        ("name", " ", "name", "Navnet skal være 1 til 64 tegn."),
        ("card", "STAFFCARD-0017", "card_taken", "Kortet er allerede knyttet til en anden konto"),
        ("card", "  ", "card_empty", "Kortnummeret er tomt."),
    ],
)
def test_a_bad_account_is_refused_and_nothing_changes(
    staff: Staff, field: str, value: str, reason: str, words: str
) -> None:
    fields = {"staff_no": "18", "name": "Bo Bog", "roles": "staff", "pin": "1234", "card": None}
    fields[field] = value
    before, audit = staff.accounts(), staff.audit()
    with pytest.raises(StaffUsageError) as err:
        staff.book.add(fields.pop("staff_no"), fields.pop("name"), fields.pop("roles"),
                       fields.pop("pin"), by=SYSTEM, card=fields.pop("card"))
    assert err.value.reason == reason and words in str(err.value)
    if field == "pin":
        assert value not in str(err.value)
    assert (staff.accounts(), staff.audit()) == (before, audit)


def test_a_removed_number_is_never_given_again_and_the_last_administrator_stays(
    staff: Staff,
) -> None:
    staff.book.remove("17", by=SYSTEM)
    assert staff.audit()[-1] == ("os:test", "system", "staff_removed", {"staff_no": "17"})
    before = staff.accounts()
    with pytest.raises(StaffUsageError, match=r"Medarbejdernummer 17 tilhørte en konto, der blev"
                       r" lukket 24\.11\.2026 kl\. 11\.00"):
        staff.book.add("17", "Ny", "staff", "1234", by=SYSTEM)
    with pytest.raises(StaffUsageError, match="sidste administrator"):
        staff.book.remove("1", by=SYSTEM)
    with pytest.raises(StaffUsageError, match="Der er ingen medarbejder med nummer 5"):
        staff.book.unlock("5", by=SYSTEM)
    with pytest.raises(StaffUsageError, match="Medarbejder 17 blev lukket"):
        staff.book.reset_pin("17", "1234", by=SYSTEM)
    assert staff.accounts() == before
    assert [a.staff_no for a in staff.book.accounts()] == ["1"]
    assert [a.staff_no for a in staff.book.accounts(include_removed=True)] == ["1", "17"]


def test_an_administrator_cannot_remove_their_own_account(staff: Staff) -> None:
    """Even with another administrator left: closing one's own login is for a colleague to do,
    so the audit log always names a second person for it."""
    staff.book.add("2", "Bo Admin", "administrator", "80808", by=SYSTEM)
    ada = staff.book.login("1", "90909")
    before, audit = staff.accounts(), staff.audit()
    with pytest.raises(StaffUsageError, match="kan ikke lukke sin egen konto") as err:
        staff.book.remove("1", by=ada)
    assert err.value.reason == "self"
    assert (staff.accounts(), staff.audit()) == (before, audit)
    staff.book.remove("1", by=staff.book.login("2", "80808"))
    assert [a.staff_no for a in staff.book.accounts()] == ["17", "2"]


def test_one_account_works_at_every_automat_of_the_database(staff: Staff) -> None:
    elsewhere = book_on(staff.engine, staff.clock, "automat-b")
    assert elsewhere.login("17", PIN).staff_no == "17"
    with staff.engine.connect() as conn:
        automats = conn.scalars(select(AuditEntry.automat_id).order_by(AuditEntry.id)).all()
    assert automats[-1] == "automat-b"


@pytest.mark.postgres
def test_wrong_pins_at_several_automats_at_once_are_all_counted(postgres_engine: Engine) -> None:
    """Eight wrong PINs typed at the same moment on four automats (each its own engine and
    connections): the first five are counted (the fifth locks), the other three meet the lock.
    A read-then-write count would lose tries here and leave the account open."""
    clock = FakeClock()
    with postgres_engine.connect() as conn:
        schema = conn.scalar(text("SELECT current_schema()"))
    engines = [postgres_engine] + [
        make_engine(postgres_engine.url.render_as_string(hide_password=False),
                    connect_args={"options": f"-csearch_path={schema}"})
        for _ in range(3)
    ]
    try:
        books = [book_on(e, clock, f"automat-{i}") for i, e in enumerate(engines)]
        books[0].add("17", "Sofie", "staff", PIN, by=SYSTEM)
        for attempt in range(3):
            barrier = threading.Barrier(8, timeout=30)
            reasons: list[str] = []

            def wrong(
                book: StaffBook, barrier: threading.Barrier = barrier, reasons: list[str] = reasons
            ) -> None:
                barrier.wait()
                try:
                    book.login("17", "0000")
                except LoginRefused as exc:
                    reasons.append(exc.reason.value)

            threads = [threading.Thread(target=wrong, args=(books[i % 4],)) for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            assert sorted(reasons) == ["locked"] * 4 + ["wrong_pin"] * 4, (attempt, reasons)
            with postgres_engine.connect() as conn:
                actions = conn.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
                row = conn.execute(select(StaffAccount.failed_tries,
                                          StaffAccount.locked_until)).one()
            assert actions.count("staff_locked") == attempt + 1
            assert actions.count("staff_login_failed") == 5 * (attempt + 1)
            assert row.failed_tries == 0 and row.locked_until == clock.now() + LOCK_DURATION
            clock.advance(LOCK_DURATION.total_seconds())
    finally:
        for e in engines[1:]:
            e.dispose()


def test_two_administrators_closing_each_other_at_once_leave_one(staff: Staff) -> None:
    """PostgreSQL, read committed: one removal of an administrator is written and not yet
    committed while the other runs; the second must wait for it and then refuse, or the two
    would each count two administrators and leave none."""
    if staff.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time")
    staff.book.add("2", "Bo Admin", "administrator", "80808", by=SYSTEM)
    outcome: list[str] = []
    table = StaffAccount.__table__
    with staff.engine.connect() as first:
        first.begin()
        first.execute(  # the first removal, as remove() writes it, held open
            table.update().where(table.c.staff_no == "1")
            .values(removed_at=staff.clock.now(), removed_by="os:test")
        )

        def second() -> None:
            try:
                staff.book.remove("2", by=SYSTEM)
                outcome.append("removed")
            except StaffUsageError as exc:
                outcome.append(exc.reason)

        worker = threading.Thread(target=second)
        worker.start()
        worker.join(1.0)  # without the lock it is done by now, having counted two
        first.commit()
    worker.join(10)
    assert outcome == ["last_administrator"]
    assert [a.staff_no for a in staff.book.accounts() if Role.ADMINISTRATOR in a.roles] == ["2"]
