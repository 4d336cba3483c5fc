"""Load and validate the configuration file. Errors name the file and the key, never a value."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from kiosk.config.model import KioskConfig
from kiosk.config.tomlfile import FileProblem, first_problem, read_toml


class ConfigError(FileProblem):
    """A configuration problem, worded for an operator: ``FILE: key: what is wrong``."""


def load_config(path: str | Path) -> KioskConfig:
    """Read, parse and validate one TOML file; raise :class:`ConfigError` for the first problem."""
    path = Path(path)
    data = read_toml(path, ConfigError)
    try:
        config = KioskConfig.model_validate(data, context={"base_dir": path.resolve().parent})
    except ValidationError as exc:
        key, problem, _ = first_problem(exc)
        raise ConfigError(path, key, problem) from None
    data_dir = config.database.data_dir
    if not data_dir.is_absolute():
        data_dir = (path.resolve().parent / data_dir).resolve()
    database = config.database.model_copy(update={"data_dir": data_dir})
    return config.model_copy(update={"source": path, "database": database})


__all__ = ["ConfigError", "KioskConfig", "load_config"]
