"""Bad configuration gives one line naming the file and the key, exit code 2, no traceback."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config
from tests.conftest import BON_KEY, MINIMAL_CONFIG


def run_kiosk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_valid_config_loads_with_secrets_hidden(config_file: Path) -> None:
    config = load_config(config_file)
    assert config.fbs.rest is not None
    assert config.fbs.rest.password.get() == "s3cret-fbs"
    assert "s3cret" not in repr(config)
    assert "s3cret" not in str(config.model_dump())
    assert config.database.data_dir == config_file.parent / "data"


def test_secret_from_environment(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file.write_text(
        config_file.read_text().replace(
            'password = { file = "fbs-password" }', 'password = { env = "KIOSK_TEST_FBS_PW" }'
        )
    )
    monkeypatch.setenv("KIOSK_TEST_FBS_PW", "from-env")
    assert load_config(config_file).fbs.rest.password.get() == "from-env"  # type: ignore[union-attr]
    monkeypatch.delenv("KIOSK_TEST_FBS_PW")
    with pytest.raises(
        ConfigError, match=r"fbs\.rest\.password: environment variable KIOSK_TEST_FBS_PW"
    ):
        load_config(config_file)


def _expect_one_line_error(config: Path, key: str, problem: str) -> None:
    result = run_kiosk("migrate", "--config", str(config))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert str(config) in lines[0]
    if key:
        assert f": {key}: " in lines[0]
    assert problem in lines[0]


def test_unknown_key(config_file: Path) -> None:
    config_file.write_text(MINIMAL_CONFIG.format(extra="[cash]\nmax_overpay = 5\n"))
    _expect_one_line_error(config_file, "cash.max_overpay", "unknown key")


def test_wrong_type(config_file: Path) -> None:
    config_file.write_text(MINIMAL_CONFIG.format(extra='[cash]\nmax_overpay_ore = "lots"\n'))
    _expect_one_line_error(config_file, "cash.max_overpay_ore", "integer")


def test_missing_file(tmp_path: Path) -> None:
    _expect_one_line_error(tmp_path / "nowhere.toml", "", "file not found")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file; see the next test")
def test_unreadable_secret_file(config_file: Path) -> None:
    secret = config_file.parent / "bon-key"
    secret.chmod(0)
    _expect_one_line_error(config_file, "bons.signing_key", "cannot read secret file")


def test_unreadable_secret_file_as_any_user(config_file: Path) -> None:
    """Root can read any file, so make the secret 'unreadable' by making it a directory."""
    secret = config_file.parent / "bon-key"
    secret.unlink()
    secret.mkdir()
    secret.chmod(stat.S_IRWXU)
    _expect_one_line_error(config_file, "bons.signing_key", "cannot read secret file")


def test_missing_required_key_and_bad_values(config_file: Path) -> None:
    text = MINIMAL_CONFIG.format(extra="")
    config_file.write_text(text.replace('id = "test-01"\n', ""))
    with pytest.raises(ConfigError, match=r"automat\.id: required key is missing"):
        load_config(config_file)
    config_file.write_text(text.replace('agency_id = "DK-775100"', 'agency_id = "775100"'))
    with pytest.raises(ConfigError, match=r"fbs\.agency_id"):
        load_config(config_file)
    config_file.write_text(text + "[cash]\naccepted_coins = [50, 300]\n")
    with pytest.raises(ConfigError, match=r"cash\.accepted_coins: not a Danish coin"):
        load_config(config_file)
    config_file.write_text(text.replace('adapter = "rest"', 'adapter = "sip2"'))
    with pytest.raises(ConfigError, match=r"fbs: adapter is 'sip2' but there is no \[fbs.sip2\]"):
        load_config(config_file)


BOM = b"\xef\xbb\xbf"
BOM_PROBLEM = "starts with a UTF-8 byte order mark (BOM); save the file as UTF-8 without BOM"


def test_a_byte_order_mark_is_named_not_reported_as_bad_toml(config_file: Path) -> None:
    """Windows editors save "UTF-8 with BOM"; tomllib then says 'Invalid statement (at line 1,
    column 1)' about a line that looks right."""
    config_file.write_bytes(BOM + config_file.read_bytes())
    _expect_one_line_error(config_file, "", BOM_PROBLEM)


def test_a_byte_order_mark_in_a_secret_file_is_named(config_file: Path) -> None:
    """It would otherwise become the first character of the key (str.strip keeps it)."""
    secret = config_file.parent / "bon-key"
    secret.write_bytes(BOM + secret.read_bytes())
    _expect_one_line_error(config_file, "bons.signing_key", f"secret file {secret} {BOM_PROBLEM}")


def test_a_secret_file_that_is_not_utf8_is_named_without_its_bytes(config_file: Path) -> None:
    secret = config_file.parent / "bon-key"
    secret.write_bytes(b"\xe6bleskive-" + secret.read_bytes())
    with pytest.raises(ConfigError) as info:
        load_config(config_file)
    assert info.value.key == "bons.signing_key"
    assert info.value.problem == f"secret file {secret} is not UTF-8"


def test_invalid_toml_names_the_file(config_file: Path) -> None:
    config_file.write_text("[automat\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(config_file)


def test_shipped_example_and_demo_configs_are_valid(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tests.conftest import REPO

    demo = load_config(REPO / "config" / "demo.toml")
    assert demo.automat.id == "demo-01"
    # the example points at /etc for its secrets; give them through a copy next to temp files
    example = (REPO / "config" / "kiosk.example.toml").read_text()
    example = example.replace("/etc/kiosk/secrets/", "")
    (tmp_path / "fbs-password").write_text("x")
    (tmp_path / "bon-signing-key").write_text(BON_KEY)
    (tmp_path / "kiosk.toml").write_text(example)
    monkeypatch.setenv("KIOSK_SIP2_PASSWORD", "z")
    config = load_config(tmp_path / "kiosk.toml")
    assert config.devices.coin_acceptor.coin_values == {}  # coins are valued by their names


def cli_error(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    """Exit code and stderr lines of the real ``kiosk`` command, run in this process."""
    from kiosk.cli import main

    code = main(list(args))
    return code, capsys.readouterr().err.splitlines()


#: every serial device section and a line that makes it a serial device here
SERIAL_DEVICES = {
    "coin_acceptor": "emulated = true",
    "note_validator": "emulated = true",
    "card_terminal": "emulated = true",
    "scanner": "emulated = true",
    "printer": 'connection = "serial"',
}


@pytest.mark.parametrize(
    ("extra", "key", "problem"),
    [
        pytest.param(
            "[devices.coin_acceptor]\nemulated = true\ncoin_values = { DK050 = 50, DK100 = 0 }",
            "devices.coin_acceptor.coin_values.DK100",
            "greater than 0",
            id="coin-zero",
        ),
        pytest.param(
            "[devices.coin_acceptor]\nemulated = true\ncoin_values = { DK020 = -2000 }",
            "devices.coin_acceptor.coin_values.DK020",
            "greater than 0",
            id="coin-negative",
        ),
        pytest.param(
            "[devices.coin_acceptor]\nemulated = true\ncoin_values = { DK020 = 20 }",
            "devices.coin_acceptor.coin_values",
            "DK020 = 20: not a Danish coin in øre",
            id="coin-override-not-a-danish-coin",
        ),
        pytest.param(
            '[devices.note_validator]\nemulated = true\nchannel_values = { "1" = 5000, "2" = -1 }',
            "devices.note_validator.channel_values.2",
            "greater than 0",
            id="ssp-channel-negative",
        ),
        pytest.param(
            '[devices.note_validator]\nprotocol = "cctalk"\nemulated = true\n'
            "channel_values = { DK0050 = 0 }",
            "devices.note_validator.channel_values.DK0050",
            "greater than 0",
            id="cctalk-bill-zero",
        ),
        pytest.param(
            '[devices.note_validator]\nemulated = true\nchannel_values = { "one" = 5000 }',
            "devices.note_validator.channel_values",
            "SSP channel 'one' is not a channel number",
            id="ssp-channel-not-a-number",
        ),
        pytest.param(
            "[cash]\naccepted_coins = [50, -100]",
            "cash.accepted_coins",
            "not a Danish coin",
            id="accepted-coin-negative",
        ),
        pytest.param(
            "[cash]\naccepted_notes = [0]",
            "cash.accepted_notes",
            "not a Danish coin or note",
            id="accepted-note-zero",
        ),
    ]
    + [
        pytest.param(
            f"[devices.{device}]\n{line}\nbaudrate = -9600",
            f"devices.{device}.baudrate",
            "greater than 0",
            id=f"{device}-baudrate",
        )
        for device, line in SERIAL_DEVICES.items()
    ],
)
def test_money_values_and_baud_rates_must_be_positive(
    config_file: Path, capsys: pytest.CaptureFixture[str], extra: str, key: str, problem: str
) -> None:
    """A zero or negative value would credit nothing (or take money off) for a real coin, and a
    negative baud rate fails only when the driver opens the port, after the window is up."""
    config_file.write_text(MINIMAL_CONFIG.format(extra=extra + "\n"))
    code, lines = cli_error(capsys, "migrate", "--config", str(config_file))
    assert code == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"kiosk: config error: {config_file}: {key}: "), lines[0]
    assert problem in lines[0]


@pytest.mark.parametrize("source", ["file", "env"])
def test_a_signing_key_shorter_than_32_bytes_is_refused_when_the_file_loads(
    config_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    source: str,
) -> None:
    """HMAC-SHA256 wants a key of at least its output size; `openssl rand -hex 32` gives 64.
    Checked at load, so `kiosk run` stops before the window, not when the core builds the bon
    book; the message never shows the key."""
    short = "k3y-" + "x" * 27  # 31 bytes
    if source == "env":
        config_file.write_text(
            config_file.read_text().replace(
                'signing_key = { file = "bon-key" }', 'signing_key = { env = "KIOSK_TEST_BON_KEY" }'
            )
        )
        monkeypatch.setenv("KIOSK_TEST_BON_KEY", short)
    else:
        (config_file.parent / "bon-key").write_text(short + "\n")
    code, lines = cli_error(capsys, "migrate", "--config", str(config_file))
    assert code == 2
    assert lines == [
        f"kiosk: config error: {config_file}: bons.signing_key: is shorter than 32 bytes;"
        " make one with `openssl rand -hex 32`"
    ]
    if source == "env":
        monkeypatch.setenv("KIOSK_TEST_BON_KEY", short + "y")
    else:
        (config_file.parent / "bon-key").write_text(short + "y\n")
    assert load_config(config_file).bons.signing_key.get() == short + "y"


@pytest.mark.parametrize(
    ("value", "problem"),
    [("utf-9", "unknown character set 'utf-9'"), ("utf-16", "cannot write ASCII as ASCII")],
)
@pytest.mark.parametrize("key", ["encoding", "envelope_checksum_encoding"])
def test_a_sip2_character_set_must_exist_and_keep_ascii(
    config_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    key: str,
    value: str,
    problem: str,
) -> None:
    monkeypatch.setenv("KIOSK_TEST_SIP2_PW", "x")
    sip2 = (
        '[fbs.sip2]\nusername = "u"\npassword = { env = "KIOSK_TEST_SIP2_PW" }\n'
        f'{key} = "{value}"\n'
    )
    config_file.write_text(MINIMAL_CONFIG.format(extra=sip2))
    code, lines = cli_error(capsys, "migrate", "--config", str(config_file))
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"kiosk: config error: {config_file}: fbs.sip2.{key}: "), lines
    assert problem in lines[0]


@pytest.mark.parametrize(
    ("old", "new", "key", "character"),
    [
        pytest.param(
            'library_name = "Testbiblioteket"',
            'library_name = "三体 Bibliotek"',
            "automat.library_name",
            "U+4E09 CJK UNIFIED IDEOGRAPH-4E09",
            id="library_name",
        ),
        pytest.param(
            'library_name = "Testbiblioteket"',
            'library_name = "Testbiblioteket"\nlocation = "Indgang 📚"',
            "automat.location",
            "U+1F4DA BOOKS",
            id="location",
        ),
        pytest.param(
            "cut_off_date = 2020-09-01",
            'cut_off_date = 2020-09-01\npay_elsewhere_text = "Betal på kommune.dk ✈"',
            "claims.pay_elsewhere_text",
            "U+2708 AIRPLANE",
            id="pay_elsewhere_text",
        ),
    ],
)
def test_an_operator_text_the_printer_cannot_print_is_refused_at_load(
    config_file: Path,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    key: str,
    character: str,
) -> None:
    """Issue 13, item 3: an operator text that would print as ■ even after transliteration is
    one line naming the key and the character (not the text), exit 2, before anything runs."""
    config_file.write_text(config_file.read_text().replace(old, new))
    code, lines = cli_error(capsys, "migrate", "--config", str(config_file))
    assert code == 2
    assert lines == [
        f"kiosk: config error: {config_file}: {key}: the receipt printer (code page CP865) cannot"
        f" print {character}, not even transliterated; write it with other characters"
    ]


def test_operator_texts_the_printer_prints_transliterated_load(config_file: Path) -> None:
    """Dashes, curly quotes and € are printed as '-', '"' and 'EUR'; Danish letters as they are."""
    config_file.write_text(
        config_file.read_text()
        .replace('"Testbiblioteket"', '"Søllerød Bibliotek – “Hovedbiblioteket”"')
        .replace("2020-09-01", '2020-09-01\npay_elsewhere_text = "… €"')
    )
    assert load_config(config_file).automat.library_name.startswith("Søllerød Bibliotek –")


def test_a_printer_code_page_python_cannot_encode_is_refused_at_load(config_file: Path) -> None:
    config_file.write_text(
        config_file.read_text() + '\n[devices.printer]\nenabled = true\ncode_page = "CP9999"\n'
    )
    with pytest.raises(ConfigError) as info:
        load_config(config_file)
    assert info.value.key == "devices.printer.code_page"
    assert info.value.problem == "unknown code page; CP865 is the Danish one"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('"0"', "must be more than 0 kroner"),
        ('"-5.00"', "negative"),
        ('"ti kroner"', ""),
        ("1000", 'write the amount in kroner as text, e.g. "200.00"'),
    ],
)
def test_the_bon_maximum_is_an_amount_above_0(
    config_file: Path, capsys: pytest.CaptureFixture[str], value: str, problem: str
) -> None:
    """``bons.max_amount`` caps every bon staff issue (kiosk.bons.BonBook.check_amount)."""
    assert load_config(config_file).bons.max_amount.ore == 100_000  # the default: 1000 kr.
    text = config_file.read_text()
    config_file.write_text(text.replace('[bons]\n', '[bons]\nmax_amount = "250,50"\n'))
    assert load_config(config_file).bons.max_amount.ore == 25_050
    config_file.write_text(text.replace('[bons]\n', f"[bons]\nmax_amount = {value}\n"))
    code, lines = cli_error(capsys, "migrate", "--config", str(config_file))
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"kiosk: config error: {config_file}: bons.max_amount: "), lines[0]
    assert problem in lines[0]


@pytest.mark.parametrize(
    ("value", "problem"), [("10", "greater than or equal to 30"), ('"to minutter"', "integer")]
)
def test_the_staff_idle_logout_is_a_number_of_seconds_in_range(
    config_file: Path, capsys: pytest.CaptureFixture[str], value: str, problem: str
) -> None:
    """``staff.idle_logout_s``: how long staff mode waits before it logs out by itself."""
    assert load_config(config_file).staff.idle_logout_s == 120  # the default
    text = config_file.read_text()
    config_file.write_text(text + "\n[staff]\nidle_logout_s = 300\n")
    assert load_config(config_file).staff.idle_logout_s == 300
    config_file.write_text(text + f"\n[staff]\nidle_logout_s = {value}\n")
    code, lines = cli_error(capsys, "migrate", "--config", str(config_file))
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"kiosk: config error: {config_file}: staff.idle_logout_s: "), lines
    assert problem in lines[0], lines[0]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('"9464"', 'write host and port, e.g. "127.0.0.1:9464"'),
        ('"127.0.0.1:"', "the port must be a number from 0 (any free port) to 65535"),
        ('"127.0.0.1:70000"', "the port must be a number from 0 (any free port) to 65535"),
        ('"::1:9464"', 'write an IPv6 address in brackets, e.g. "[::1]:9464"'),
        ("9464", "string"),
    ],
)
def test_the_metrics_address_is_host_and_port(
    config_file: Path, capsys: pytest.CaptureFixture[str], value: str, problem: str
) -> None:
    """``[metrics]``: off unless enabled, on loopback by default; a bad address is one line."""
    metrics = load_config(config_file).metrics
    assert (metrics.enabled, metrics.host, metrics.port) == (False, "127.0.0.1", 9464)
    text = config_file.read_text()
    config_file.write_text(text + '\n[metrics]\nenabled = true\naddress = "[::1]:9100"\n')
    metrics = load_config(config_file).metrics
    assert (metrics.enabled, metrics.host, metrics.port) == (True, "::1", 9100)
    config_file.write_text(text + f"\n[metrics]\naddress = {value}\n")
    code, lines = cli_error(capsys, "migrate", "--config", str(config_file))
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"kiosk: config error: {config_file}: metrics.address: "), lines
    assert problem in lines[0], lines[0]
    assert "Traceback" not in lines[0]


@pytest.mark.parametrize(
    ("value", "problem"), [('["usb"]', "must be absolute folders: usb"), ('"/media"', "list")]
)
def test_the_usb_mount_roots_are_absolute_folders(
    config_file: Path, capsys: pytest.CaptureFixture[str], value: str, problem: str
) -> None:
    """``staff.usb_mount_roots``: where technician mode looks for a USB stick for the logs."""
    assert load_config(config_file).staff.usb_mount_roots == [Path("/media"), Path("/run/media")]
    text = config_file.read_text()
    config_file.write_text(text + '\n[staff]\nusb_mount_roots = ["/mnt/usb"]\n')
    assert load_config(config_file).staff.usb_mount_roots == [Path("/mnt/usb")]
    config_file.write_text(text + f"\n[staff]\nusb_mount_roots = {value}\n")
    code, lines = cli_error(capsys, "migrate", "--config", str(config_file))
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"kiosk: config error: {config_file}: staff.usb_mount_roots"), lines
    assert problem in lines[0], lines[0]


def test_min_free_mb_defaults_to_500_and_is_never_negative(config_file: Path) -> None:
    assert load_config(config_file).database.min_free_mb == 500
    config_file.write_text(
        MINIMAL_CONFIG.replace('data_dir = "data"\n', 'data_dir = "data"\nmin_free_mb = -1\n')
        .format(extra="")
    )
    _expect_one_line_error(config_file, "database.min_free_mb", "greater than or equal to 0")
