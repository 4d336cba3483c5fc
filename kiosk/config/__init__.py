"""Load and validate the configuration file. Errors name the file and the key, never a value."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kiosk.config.model import KioskConfig


class ConfigError(Exception):
    """A configuration problem, worded for an operator: ``FILE: key: what is wrong``."""

    def __init__(self, path: Path, key: str, problem: str) -> None:
        self.path, self.key, self.problem = path, key, problem
        where = f"{path}: {key}: " if key else f"{path}: "
        super().__init__(f"{where}{problem}")


def _key(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1]}[{part}]"] if parts else [f"[{part}]"]
        elif not str(part).startswith("function-") and part not in ("dict", "list"):
            parts.append(str(part))
    return ".".join(parts)


def _problem(error: Any) -> str:
    kind, msg = error["type"], error["msg"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    msg = msg.removeprefix("Value error, ")
    # Never echo the offending value: it may be a secret or a CPR.
    return msg


def load_config(path: str | Path) -> KioskConfig:
    """Read, parse and validate one TOML file; raise :class:`ConfigError` for the first problem."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(path, "", "file not found") from None
    except OSError as exc:
        raise ConfigError(path, "", f"cannot read file: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(path, "", "file is not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", f"not valid TOML: {exc}") from None
    try:
        config = KioskConfig.model_validate(data, context={"base_dir": path.resolve().parent})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(path, _key(first["loc"]), _problem(first)) from None
    data_dir = config.database.data_dir
    if not data_dir.is_absolute():
        data_dir = (path.resolve().parent / data_dir).resolve()
    database = config.database.model_copy(update={"data_dir": data_dir})
    return config.model_copy(update={"source": path, "database": database})


__all__ = ["ConfigError", "KioskConfig", "load_config"]
