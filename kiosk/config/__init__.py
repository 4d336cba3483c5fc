"""Load and validate the configuration file. Errors name the file and the key, never a value."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from drivers.base.charset import describe, unprintable
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
    _check_printable(config, path)
    data_dir = config.database.data_dir
    if not data_dir.is_absolute():
        data_dir = (path.resolve().parent / data_dir).resolve()
    database = config.database.model_copy(update={"data_dir": data_dir})
    return config.model_copy(update={"source": path, "database": database})


def _check_printable(config: KioskConfig, path: Path) -> None:
    """Operator texts a receipt may carry must print, transliterated if need be: a text that would
    print as ■ (a letter the code page has no form for) is refused now, naming the character, not
    the text. Checked with or without a printer, as one file often serves a whole fleet."""
    code_page = config.devices.printer.code_page
    for key, text in (
        ("automat.library_name", config.automat.library_name),
        ("automat.location", config.automat.location),
        ("claims.pay_elsewhere_text", config.claims.pay_elsewhere_text),
    ):
        missing = unprintable(text, code_page)
        if missing:
            raise ConfigError(
                path,
                key,
                f"the receipt printer (code page {code_page}) cannot print {describe(missing[0])},"
                " not even transliterated; write it with other characters",
            )


__all__ = ["ConfigError", "KioskConfig", "load_config"]
