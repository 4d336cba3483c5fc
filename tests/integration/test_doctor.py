"""``kiosk doctor``: one ``ok|warn|FAIL name: detail`` line per check, exit 1 on any FAIL, never a
traceback, and nothing changed. Each check passes and fails against real things: a read-only
folder, a full small disk, a ledger at an old migration, a PostgreSQL server, an SFTP server."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from kiosk import cli
from kiosk.doctor import ntp
from kiosk.doctor.ntp import ClockSync
from kiosk.ledger.db import make_engine
from kiosk.ledger.migrate import scanned_head, stamped_revisions, upgrade
from tests.conftest import MINIMAL_CONFIG, postgres_url
from tests.fs_faults import fill, read_only_folder, tmpfs
from tests.integration.test_debtor_sftp import sftp_server  # noqa: F401 (a fixture)
from tests.integration.test_preflight import FAULTS, Fault, migrated

PROFILES = Path(__file__).resolve().parents[2] / "config" / "debtor"
SYNCED = ClockSync(True, "maximum error 12 ms")
HEAD = scanned_head()
#: the real probe, before the autouse fixture stands in for it
KERNEL_CLOCK_SYNC = ntp.clock_sync


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> list[ClockSync]:
    """The kernel's answer stands in: this machine's clock need not be synchronised. A test
    sets ``clock[0]`` to what it needs."""
    answer = [SYNCED]
    monkeypatch.setattr(ntp, "clock_sync", lambda: answer[0])
    return answer


def write(config_file: Path, *, database: str = "", extra: str = "") -> Path:
    config_file.write_text(
        MINIMAL_CONFIG.replace('data_dir = "data"\n', f'data_dir = "data"\n{database}').format(
            extra=extra
        )
    )
    return config_file


def doctor(
    config_file: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, dict[str, str]]:
    """Exit status and ``name → "status: detail"`` of each line (FBS at 127.0.0.1:1 is down)."""
    code = cli.main(["doctor", "--config", str(config_file), "--wait", "0", *args])
    out = capsys.readouterr().out
    lines: dict[str, str] = {}
    for line in out.splitlines():
        status, _, rest = line.partition(" ")
        name, _, detail = rest.lstrip().partition(": ")
        assert status in ("ok", "warn", "FAIL"), line
        assert name not in lines, f"two lines for {name}"
        lines[name] = f"{status}: {detail}"
    return code, lines


def local_checks(lines: dict[str, str]) -> dict[str, str]:
    """The lines that do not need FBS (the test configuration's FBS is not running)."""
    return {k: v for k, v in lines.items() if not k.startswith("fbs")}


def test_a_ready_automat_is_all_ok_but_fbs_and_the_order_is_fixed(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    migrated(config_file.parent / "data" / "kiosk.sqlite3")
    code, lines = doctor(config_file, capsys)
    assert list(lines) == [
        "configuration", "data folder", "ledger", "ledger schema", "disk", "clock",
        "debtor delivery", "fbs (rest)", "devices",
    ]
    assert code == 1 and lines["fbs (rest)"].startswith("FAIL: ")  # nothing listens at :1
    assert lines["configuration"] == f"ok: {config_file} (automat test-01)"
    assert lines["ledger schema"] == f"ok: at {HEAD}, the newest this version knows"
    assert lines["clock"].startswith("ok: NTP synchronised (maximum error 12 ms); ")
    assert lines["debtor delivery"].startswith("warn: no [debtor] section")
    assert lines["devices"] == "ok: none configured"
    assert all(v.startswith(("ok", "warn")) for v in local_checks(lines).values()), lines


def test_fbs_up_and_warn_lines_alone_exit_0(
    config_file: Path, capsys: pytest.CaptureFixture[str], clock: list[ClockSync]
) -> None:
    """With ``--demo`` FBS is the simulator; a clock that cannot be asked is a warn, not a pass."""
    clock[0] = ClockSync(None, "adjtimex(): Operation not permitted")
    migrated(config_file.parent / "data" / "kiosk.sqlite3")
    code, lines = doctor(config_file, capsys, "--demo")
    assert lines["fbs (rest)"].startswith("ok: ")
    assert lines["clock"].startswith(
        "warn: unknown whether NTP synchronises it (adjtimex(): Operation not permitted)"
    )
    assert code == 0, lines


def test_a_bad_configuration_is_one_fail_line_exit_1_and_no_traceback(config_file: Path) -> None:
    config_file.write_text(MINIMAL_CONFIG.format(extra="[cash]\nmax_overpay = 5\n"))
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "doctor", "--config", str(config_file)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    first, clock_line = done.stdout.splitlines()  # the clock needs no configuration
    assert first == f"FAIL configuration: {config_file}: cash.max_overpay: unknown key"
    assert clock_line.startswith(("ok   clock: ", "warn clock: ", "FAIL clock: "))


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
def test_storage_faults_are_the_start_ups_own_words_and_nothing_is_changed(
    config_file: Path, capsys: pytest.CaptureFixture[str], fault: Fault
) -> None:
    """Every fault ``kiosk run`` refuses to start with (test_preflight) is a FAIL line here in
    the same words: one rule, asked by both."""
    data = config_file.parent / "data"
    with fault.make(data) as expected:
        ledger = data / "kiosk.sqlite3"
        before = ledger.read_bytes() if ledger.is_file() else None
        code, lines = doctor(config_file, capsys)
        after = ledger.read_bytes() if ledger.is_file() else None
    what, _, rest = expected.partition(f" {data}")
    shown = f"FAIL: {data}{rest}"
    named = [name for name, line in lines.items() if line.startswith(shown)]
    assert named, (expected, lines)
    assert named[0] == what or (what == "ledger" and named[0] == "ledger schema"), named
    assert code == 1
    assert after == before  # no upgrade, no repair: the doctor looks
    if named[0] == "ledger":
        assert lines["ledger schema"].startswith("warn: not checked")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty ledger's URL: an SQLite file in the data folder, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'kiosk.sqlite3'}"
        return
    with postgres_schema() as url:
        yield url


@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    base = postgres_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_a_ledger_at_an_old_migration_fails_until_kiosk_migrate(
    config_file: Path, capsys: pytest.CaptureFixture[str], ledger_url: str
) -> None:
    write(config_file, database=f'url = "{ledger_url}"\n')
    engine = make_engine(ledger_url)
    upgrade(engine, "0003")
    [old] = stamped_revisions(engine)
    code, lines = doctor(config_file, capsys)
    assert code == 1
    assert lines["ledger"].startswith("ok: ")
    assert lines["ledger schema"].startswith("FAIL: ")
    assert lines["ledger schema"].endswith(
        f": at {old}, this version needs {HEAD}: run `kiosk migrate`"
    )
    assert stamped_revisions(engine) == {old}  # the doctor upgraded nothing
    assert cli.main(["migrate", "--config", str(config_file)]) == 0
    capsys.readouterr()
    _, lines = doctor(config_file, capsys)
    assert lines["ledger schema"] == f"ok: at {HEAD}, the newest this version knows"
    engine.dispose()


def test_a_ledger_not_created_yet_fails_and_is_not_created(
    config_file: Path, capsys: pytest.CaptureFixture[str], ledger_url: str
) -> None:
    write(config_file, database=f'url = "{ledger_url}"\n')
    code, lines = doctor(config_file, capsys)
    assert code == 1
    assert lines["ledger schema"].startswith("FAIL: ")
    assert lines["ledger schema"].endswith(": no tables yet; `kiosk migrate` creates them")
    engine = make_engine(ledger_url)
    assert stamped_revisions(engine) is None
    engine.dispose()
    code, lines = doctor(config_file, capsys, "--demo")  # kiosk demo makes its own ledger
    assert lines["ledger schema"].startswith("warn: ")


@pytest.mark.postgres
def test_postgresql_unreachable_is_one_line_without_the_password(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    postgres_url()  # skips without the test server (the line names our own URL)
    write(config_file, database='url = "postgresql+psycopg://kiosk:pw-s3cret@127.0.0.1:1/k"\n')
    code, lines = doctor(config_file, capsys)
    assert code == 1
    assert lines["ledger"].startswith("FAIL: postgresql+psycopg://kiosk:***@127.0.0.1:1/k: ")
    assert lines["ledger schema"].startswith("warn: not checked")
    assert "pw-s3cret" not in str(lines)


@pytest.mark.postgres
def test_on_postgresql_the_disk_line_is_the_data_folders(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with postgres_schema() as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        write(config_file, database=f'url = "{url}"\n')
        _, lines = doctor(config_file, capsys)
    assert lines["ledger"] == f"ok: {make_url(url).render_as_string(hide_password=True)}"
    assert lines["ledger schema"].startswith("ok: ")
    data = config_file.parent / "data"
    assert f"free in the data folder {data} (the PostgreSQL ledger's disk is the server's)" in (
        lines["disk"]
    )


def test_disk_below_min_free_mb_fails(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    migrated(config_file.parent / "data" / "kiosk.sqlite3")
    _, lines = doctor(config_file, capsys)
    assert lines["disk"].startswith("ok: ")
    assert lines["disk"].endswith("; [database] min_free_mb = 500")
    write(config_file, database="min_free_mb = 10000000\n")  # 10 TB: more than this disk has
    code, lines = doctor(config_file, capsys)
    assert code == 1
    assert lines["disk"].startswith("FAIL: ")
    assert f"MB free in the ledger's folder {config_file.parent / 'data'}" in lines["disk"]


def test_a_full_disk_fails_and_min_free_mb_0_checks_nothing(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = config_file.parent / "data"
    with tmpfs(data, 4096):
        migrated(data / "kiosk.sqlite3")
        fill(data)
        write(config_file, database="min_free_mb = 1\n")
        code, lines = doctor(config_file, capsys)
        assert code == 1
        assert lines["disk"].startswith(f"FAIL: 0 MB free in the ledger's folder {data}")
        write(config_file, database="min_free_mb = 0\n")
        _, lines = doctor(config_file, capsys)
    assert lines["disk"].startswith("ok: 0 MB free")


@pytest.mark.parametrize(
    ("answer", "demo", "expected"),
    [
        (ClockSync(False, "the kernel's maximum error estimate has reached 16 s"), False, "FAIL"),
        (ClockSync(False, "the kernel's maximum error estimate has reached 16 s"), True, "warn"),
        (ClockSync(None, "adjtimex() is not available on this system"), False, "warn"),
        (SYNCED, False, "ok"),
    ],
    ids=["unsynchronised", "unsynchronised-demo", "unknown", "synchronised"],
)
def test_the_clock(
    config_file: Path,
    capsys: pytest.CaptureFixture[str],
    clock: list[ClockSync],
    answer: ClockSync,
    demo: bool,
    expected: str,
) -> None:
    clock[0] = answer
    migrated(config_file.parent / "data" / "kiosk.sqlite3")
    code, lines = doctor(config_file, capsys, *(["--demo"] if demo else []))
    assert lines["clock"].startswith(f"{expected}: ")
    assert answer.detail in lines["clock"] and "Danish time" in lines["clock"]
    if demo:
        assert code == 0, lines


def test_the_kernel_is_asked_as_timedatectl_asks_it() -> None:
    """The real probe: this machine's kernel answers, and where timedated runs, ``timedatectl``
    says the same (it computes NTPSynchronized from the same call)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("adjtimex is Linux's")
    max_error = ntp.kernel_max_error_us()
    assert max_error >= 0
    answer = KERNEL_CLOCK_SYNC()
    assert answer.synchronised is (max_error < ntp.SYNCHRONISED_BELOW_US)
    try:
        told = subprocess.run(
            ["timedatectl", "show", "-p", "NTPSynchronized", "--value"],
            capture_output=True, text=True, timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        pytest.skip("no timedatectl")
    if told.returncode != 0:
        pytest.skip(f"timedatectl cannot answer here: {told.stderr.strip()}")
    assert (told.stdout.strip() == "yes") is answer.synchronised


def test_a_check_that_raises_is_a_fail_line_with_its_first_line(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> ClockSync:
        raise RuntimeError("the probe broke\nsecond line never shown")

    monkeypatch.setattr(ntp, "clock_sync", broken)
    migrated(config_file.parent / "data" / "kiosk.sqlite3")
    code, lines = doctor(config_file, capsys)
    assert lines["clock"] == "FAIL: the probe broke"
    assert code == 1
    assert "debtor delivery" in lines  # the checks after it still ran


def debtor_folder(config_file: Path, folder: Path) -> None:
    write(
        config_file,
        extra=f'[debtor]\nprofile = "{PROFILES}/prisme.toml"\noutput_dir = "{folder}"\n',
    )


def test_debtor_folder_writable_or_not(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    migrated(config_file.parent / "data" / "kiosk.sqlite3")
    outgoing = config_file.parent / "outgoing"
    debtor_folder(config_file, outgoing)
    _, lines = doctor(config_file, capsys)
    assert lines["debtor delivery"] == f"ok: {outgoing} takes files"
    assert list(outgoing.iterdir()) == []  # the probe file is gone
    with read_only_folder(outgoing):
        code, lines = doctor(config_file, capsys)
    assert code == 1
    assert lines["debtor delivery"].startswith(f"FAIL: debtor folder {outgoing}: is not writable")


def sftp_config(
    config_file: Path, port: int, known_hosts: Path, password: str, folder: str
) -> None:
    (config_file.parent / "sftp-password").write_text(password + "\n")
    write(
        config_file,
        extra=(
            f'[debtor]\nprofile = "{PROFILES}/prisme.toml"\ndelivery = "sftp"\n'
            f'[debtor.sftp]\nhost = "127.0.0.1"\nport = {port}\nusername = "kiosk"\n'
            f'password = {{ file = "sftp-password" }}\nknown_hosts = "{known_hosts}"\n'
            f'remote_dir = "{folder}"\ntimeout_s = 20\n'
        ),
    )


@pytest.mark.parametrize(
    ("password", "folder", "expected"),
    [
        ("pw", "/in", "ok: sftp://kiosk@127.0.0.1:{port}/in takes files"),
        ("wrong", "/in", "FAIL: cannot connect to sftp://kiosk@127.0.0.1:{port}/in: "),
        ("pw", "/nowhere", "FAIL: cannot write at sftp://kiosk@127.0.0.1:{port}/nowhere: "),
    ],
    ids=["login-and-write", "wrong-password", "no-such-folder"],
)
def test_debtor_sftp_login_and_write(
    config_file: Path,
    capsys: pytest.CaptureFixture[str],
    sftp_server: tuple[int, Path, Path],  # noqa: F811 (the fixture imported above)
    password: str,
    folder: str,
    expected: str,
) -> None:
    port, root, known_hosts = sftp_server
    migrated(config_file.parent / "data" / "kiosk.sqlite3")
    sftp_config(config_file, port, known_hosts, password, folder)
    _, lines = doctor(config_file, capsys)
    assert lines["debtor delivery"].startswith(expected.format(port=port)), lines
    assert list((root / "in").iterdir()) == []  # the probe file is gone
    assert "wrong" not in lines["debtor delivery"]  # never the password


def test_help_says_how_warn_counts() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "doctor", "--help"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "200"},
    )
    assert "Exit status 1 if any line is FAIL; warn lines do not change it." in done.stdout


def test_a_degraded_device_is_a_warn_and_a_missing_one_a_fail(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real (emulated) SSP validator whose channel 2 is 100 kr. where the configuration says
    200 kr.: it works with that channel disabled (degraded); a scanner not plugged in is down."""
    migrated(config_file.parent / "data" / "kiosk.sqlite3")
    write(
        config_file,
        extra=(
            '[devices.note_validator]\nemulated = true\n'
            'channel_values = { "1" = 5000, "2" = 20000 }\n'
            f'[devices.scanner]\nport = "{config_file.parent / "no-such-tty"}"\n'
        ),
    )
    code, lines = doctor(config_file, capsys, "--wait", "5")
    assert lines["note_validator"] == "warn: degraded"
    assert lines["scanner"] == "FAIL: down"
    assert code == 1
