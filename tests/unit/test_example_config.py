"""`config/kiosk.example.toml` is the operator's reference: every key of the model is in it with a
comment, it loads as written (secrets given through temporary files), and so does `demo.toml`."""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from kiosk.config import KioskConfig, load_config
from kiosk.config.base import Section

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config" / "kiosk.example.toml"

# a table header or a key line, also when commented out (e.g. the optional [debtor.sftp] table)
_TABLE = re.compile(r"^#?\s*\[([\w.]+)\]")
_KEY = re.compile(r"^#?\s*(\w+)\s*=")


def _section_types(annotation: object) -> list[type[Section]]:
    """The Section models inside an annotation such as ``SftpSettings | None``."""
    if isinstance(annotation, type) and issubclass(annotation, Section):
        return [annotation]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return [t for arg in typing.get_args(annotation) for t in _section_types(arg)]
    return []


def model_keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every key a file can set, dotted (``fbs.rest.timeout_s``); secrets are one key each."""
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        if field.exclude:  # e.g. KioskConfig.source: set by the loader, not a key of the file
            continue
        sections = _section_types(field.annotation)
        if sections:
            for section in sections:
                keys |= model_keys(section, f"{prefix}{name}.")
        else:
            keys.add(f"{prefix}{name}")
    return keys


def example_keys(text: str) -> dict[str, bool]:
    """Dotted key → whether it carries a comment (at the end of its line or on the line above)."""
    keys: dict[str, bool] = {}
    table, previous = "", ""
    for raw in text.splitlines():
        line = raw.strip()
        if match := _TABLE.match(line):
            table = match.group(1)
        elif match := _KEY.match(line):
            body = line.lstrip("#").strip()
            commented_above = previous.startswith("#") and not _KEY.match(previous)
            documented = "#" in body or commented_above
            keys[f"{table}.{match.group(1)}" if table else match.group(1)] = documented
        previous = line
    return keys


def test_every_model_key_is_in_the_example_with_a_comment() -> None:
    in_file = example_keys(EXAMPLE.read_text(encoding="utf-8"))
    missing = sorted(model_keys(KioskConfig) - set(in_file))
    assert not missing, f"keys of the model missing from {EXAMPLE.name}: {missing}"
    silent = sorted(key for key, documented in in_file.items() if not documented)
    assert not silent, f"keys without a comment in {EXAMPLE.name}: {silent}"


def test_the_example_names_no_key_the_model_does_not_know() -> None:
    stale = sorted(set(example_keys(EXAMPLE.read_text(encoding="utf-8"))) - model_keys(KioskConfig))
    assert not stale, f"keys in {EXAMPLE.name} that the model does not have: {stale}"


def test_the_walk_finds_nested_sections_and_optional_tables() -> None:
    keys = model_keys(KioskConfig)
    assert {"fbs.rest.password", "fbs.sip2.error_detection", "debtor.sftp.known_hosts"} <= keys
    assert {"devices.card_reader.uid_lookup", "bons.signing_key", "automat.id"} <= keys
    assert "source" not in keys and "fbs.rest" not in keys


def _with_temporary_secrets(text: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in re.findall(r'file = "/etc/kiosk/secrets/([\w.-]+)"', text):
        (folder / name).write_text("not-a-real-secret-0123456789abcdef\n", encoding="utf-8")
    monkeypatch.setenv("KIOSK_SIP2_PASSWORD", "not-a-real-secret")
    monkeypatch.setenv("KIOSK_FBS_PASSWORD", "not-a-real-secret")
    return text.replace("/etc/kiosk/secrets/", f"{folder}/")


def test_the_example_loads_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = _with_temporary_secrets(EXAMPLE.read_text(encoding="utf-8"), tmp_path, monkeypatch)
    (tmp_path / "kiosk.toml").write_text(text, encoding="utf-8")
    config = load_config(tmp_path / "kiosk.toml")
    assert config.automat.id == "kbh-hovedbib-01"
    assert config.fbs.rest is not None and config.fbs.sip2 is not None
    assert config.debtor is not None and config.debtor.delivery == "folder"
    assert config.devices.coin_acceptor.enabled and not config.devices.card_reader.enabled


def test_the_commented_sftp_table_loads_when_switched_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The optional table is commented out; switched on as written it must be valid too."""
    text = _with_temporary_secrets(EXAMPLE.read_text(encoding="utf-8"), tmp_path, monkeypatch)
    lines = []
    in_sftp = False
    for line in text.splitlines():
        if re.match(r"^#\s*\[debtor\.sftp\]", line):
            in_sftp = True
        elif line.startswith("["):
            in_sftp = False
        if in_sftp and line.startswith("#"):
            line = line.removeprefix("#").lstrip()
        if line.startswith("private_key_file"):  # the example offers password *or* a key
            continue
        lines.append(line)
    text = "\n".join(lines).replace('delivery = "folder"', 'delivery = "sftp"', 1)
    (tmp_path / "kiosk.toml").write_text(text, encoding="utf-8")
    config = load_config(tmp_path / "kiosk.toml")
    assert config.debtor is not None and config.debtor.sftp is not None
    assert config.debtor.delivery == "sftp" and config.debtor.sftp.password is not None


def test_the_demo_configuration_loads() -> None:
    config = load_config(REPO / "config" / "demo.toml")
    assert config.automat.id == "demo-01"
    assert config.debtor is not None
    assert config.devices.coin_acceptor.emulated and config.devices.printer.connection == "emulated"
