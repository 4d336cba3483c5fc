"""The [debtor] section: paths relative to the file, the profile checked at load time."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config
from tests.conftest import BON_KEY, MINIMAL_CONFIG

PROFILES = Path(__file__).resolve().parents[2] / "config" / "debtor"


def write(tmp_path: Path, debtor: str) -> Path:
    (tmp_path / "fbs-password").write_text("x\n")
    (tmp_path / "bon-key").write_text(BON_KEY + "\n")
    path = tmp_path / "kiosk.toml"
    path.write_text(MINIMAL_CONFIG.format(extra=debtor))
    return path


def test_defaults_and_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "debtor").mkdir()
    (tmp_path / "debtor" / "opus.toml").write_bytes((PROFILES / "opus.toml").read_bytes())
    config = load_config(
        write(tmp_path, '[debtor]\nprofile = "debtor/opus.toml"\noutput_dir = "out"\n')
    )
    assert config.debtor is not None
    assert config.debtor.interval_minutes == 20
    assert config.debtor.profile == tmp_path / "debtor" / "opus.toml"
    assert config.debtor.output_dir == tmp_path / "out"


def test_no_section_means_no_export(config_file: Path) -> None:
    assert load_config(config_file).debtor is None


@pytest.mark.parametrize(
    ("section", "key", "words"),
    [
        ('profile = "nope.toml"\noutput_dir = "o"', "debtor.profile", "file not found"),
        (f'profile = "{PROFILES}/opus.toml"', "debtor", "output_dir is not set"),
        (f'profile = "{PROFILES}/opus.toml"\ndelivery = "sftp"', "debtor", "[debtor.sftp]"),
        (
            f'profile = "{PROFILES}/opus.toml"\noutput_dir = "o"\ninterval_minutes = 0',
            "debtor.interval_minutes",
            "greater than or equal to 1",
        ),
        (
            f'profile = "{PROFILES}/opus.toml"\ndelivery = "sftp"\n[debtor.sftp]\nhost = "h"\n'
            'username = "u"\nknown_hosts = "k"',
            "debtor.sftp",
            "password or private_key_file",
        ),
    ],
)
def test_mistakes_name_the_key(tmp_path: Path, section: str, key: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, f"[debtor]\n{section}\n"))
    assert info.value.key == key
    assert words in info.value.problem


def test_a_broken_profile_is_named_with_its_own_key(tmp_path: Path) -> None:
    broken = tmp_path / "mine.toml"
    broken.write_text(
        (PROFILES / "opus.toml").read_text(encoding="utf-8").replace("length = 120", "length = 9"),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, '[debtor]\nprofile = "mine.toml"\noutput_dir = "o"\n'))
    assert info.value.key == "debtor.profile"
    assert f"{broken}: detail.length: is 9" in info.value.problem


def test_a_bare_name_is_a_local_profile_or_a_shipped_template(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[debtor]\nprofile = "prisme"\noutput_dir = "o"\n'))
    assert config.debtor is not None and config.debtor.profile == PROFILES / "prisme.toml"
    (tmp_path / "debtor").mkdir()
    own = tmp_path / "debtor" / "prisme.toml"
    own.write_bytes((PROFILES / "prisme.toml").read_bytes())
    config = load_config(write(tmp_path, '[debtor]\nprofile = "prisme"\noutput_dir = "o"\n'))
    assert config.debtor is not None and config.debtor.profile == own
