"""Layout profiles: a mistake is named by file and key, and the shipped templates are valid."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from kiosk.debtor.profile import ProfileError, load_profile, parse_profile

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted((REPO / "config" / "debtor").glob("*.toml"))

FIXED: dict[str, Any] = {
    "name": "t",
    "layout": "fixed",
    "encoding": "cp1252",
    "file_name": "T_{automat_id}_{sequence:04d}.txt",
    "header": {"fields": [{"name": "h", "source": "constant", "value": "00", "width": 2}]},
    "detail": {
        "length": 12,
        "fields": [
            {"name": "cpr", "source": "cpr", "width": 10},
            {"name": "m", "source": "method", "width": 2},
        ],
    },
}


def with_(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(FIXED)
    target: Any = data
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last = keys[-1]
    target[int(last) if last.isdigit() else last] = value
    return data


def error_of(data: dict[str, Any]) -> ProfileError:
    with pytest.raises(ProfileError) as info:
        parse_profile(data, "p.toml")
    return info.value


def test_shipped_profiles_are_valid_templates() -> None:
    assert {p.stem for p in SHIPPED} >= {"opus", "prisme", "os-indsigt", "generic-csv"}
    for path in SHIPPED:
        profile = load_profile(path)
        assert profile.name == path.stem
        head = path.read_text(encoding="utf-8").splitlines()[0]
        assert head.startswith("# TEMPLATE"), f"{path.name} must say it is a template"


def test_minimal_profile_parses() -> None:
    profile = parse_profile(FIXED)
    assert profile.terminator == "\r\n"
    assert profile.detail.fields[1].kind == "text"


@pytest.mark.parametrize(
    ("path", "value", "key", "words"),
    [
        ("detail.fields.0.width", None, "detail.fields[0].width", "every field"),
        ("detail.fields.0.width", 0, "detail.fields[0].width", "greater than or equal"),
        ("detail.length", 13, "detail.length", "add up to 12"),
        ("detail.fields.1.source", "colour", "detail.fields[1].source", "Input should be"),
        (
            "header.fields.0",
            {"name": "h", "source": "cpr", "width": 10},
            "header.fields[0].source",
            "per-item value",
        ),
        ("header.fields.0.value", "000", "header.fields[0].value", "longer than the width"),
        ("encoding", "ascii", "encoding", "cannot write æ, ø and å"),
        ("encoding", "utf-8", "encoding", "one-byte-per-letter"),
        ("encoding", "klingon", "encoding", "unknown character set"),
        ("file_name", "T_{automat_id}.txt", "file_name", "{sequence}"),
        ("file_name", "T_{colour}_{sequence}.txt", "file_name", "unknown field"),
        ("file_name", "../T_{sequence}.txt", "file_name", "folder"),
        ("timezone", "Mars/Olympus", "timezone", "unknown time zone"),
        ("record_terminator", "NUL", "record_terminator", "Input should be"),
        ("surprise", 1, "surprise", "unknown key"),
        ("detail.fields.0.colour", "red", "detail.fields[0].colour", "unknown key"),
        ("detail.fields.0.format", "%Q", "detail.fields[0]", "map"),
    ],
)
def test_mistakes_name_the_key(path: str, value: Any, key: str, words: str) -> None:
    if path == "detail.fields.0.format":  # a map on a non-text field
        data = with_("detail.fields.0", {"name": "a", "source": "amount", "width": 3, "map": {}})
    else:
        data = with_(path, value)
    if value is None and path.endswith("width"):
        data["detail"]["fields"][0].pop("width")
        data["detail"].pop("length")
    error = error_of(data)
    assert error.key == key
    assert words in error.problem
    assert str(error).startswith(f"p.toml: {key}: ")


def test_delimited_records_have_no_length() -> None:
    data = with_("layout", "delimited")
    data["encoding"] = "utf-8"
    error = error_of(data)
    assert error.key == "detail.length"


def test_constant_needs_a_value() -> None:
    data = with_("header.fields.0", {"name": "h", "source": "constant", "width": 2})
    assert "value" in error_of(data).problem


def test_file_problems(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="file not found"):
        load_profile(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile(bad)
    latin = tmp_path / "latin.toml"
    latin.write_bytes("name = 'bøde'\n".encode("latin-1"))
    with pytest.raises(ProfileError, match="not UTF-8"):
        load_profile(latin)
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + (REPO / "config" / "debtor" / "opus.toml").read_bytes())
    with pytest.raises(ProfileError) as info:
        load_profile(bom)
    assert str(info.value) == (
        f"{bom}: starts with a UTF-8 byte order mark (BOM); save the file as UTF-8 without BOM"
    )
