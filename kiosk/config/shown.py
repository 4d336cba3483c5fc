"""The configuration as a technician may read it on the automat's screen: every key with its
value, secrets never. A :class:`Secret` shows only where it is read from (file or environment
variable), any other key named like a password shows as hidden, and a database URL loses its
password."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr

from kiosk.config.secrets import Secret

HIDDEN = "‹skjult›"
#: keys whose plain values are secrets although not typed as one (the ZVT terminal's password)
SECRET_KEYS = frozenset({"password", "pin", "token", "signing_key"})


def shown_value(key: str, value: Any) -> str:
    if isinstance(value, Secret):
        where = f"fil {value.file}" if value.file else f"miljøvariabel {value.env}"
        return f"{HIDDEN} ({where})"
    if isinstance(value, SecretStr) or key in SECRET_KEYS:
        return HIDDEN
    if key == "url" and isinstance(value, str) and value:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            return make_url(value).render_as_string(hide_password=True)
        except ArgumentError:
            return HIDDEN  # not a URL we can read: it may hold a password anywhere
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(shown_value("", v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={shown_value(str(k), v)}" for k, v in value.items())
    return str(value)


def config_lines(config: BaseModel, prefix: str = "") -> list[str]:
    """``section.key = value`` for every key of ``config`` (sections in the file's order)."""
    lines: list[str] = []
    for key in type(config).model_fields:
        value = getattr(config, key)
        name = f"{prefix}{key}"
        if isinstance(value, BaseModel) and not isinstance(value, Secret):
            lines += config_lines(value, name + ".")
        else:
            lines.append(f"{name} = {shown_value(key, value)}")
    return lines


#: shorter secrets (the ZVT terminal's 6 digits) are not searched for in free text: they would
#: match ordinary numbers, and no code logs them
MIN_HIDDEN_LENGTH = 8


def secret_values(config: BaseModel) -> set[str]:
    """Every secret's value in ``config`` (what :func:`config_lines` hides), for hiding it in
    free text that leaves the automat, such as an exported log."""
    found: set[str] = set()
    for key in type(config).model_fields:
        value = getattr(config, key)
        if isinstance(value, Secret):
            found.add(value.get())
        elif isinstance(value, SecretStr):
            found.add(value.get_secret_value())
        elif isinstance(value, BaseModel):
            found |= secret_values(value)
        elif key in SECRET_KEYS and isinstance(value, str):
            found.add(value)
        elif key == "url" and isinstance(value, str) and value:
            from sqlalchemy.engine import make_url
            from sqlalchemy.exc import ArgumentError

            try:
                password = make_url(value).password
            except ArgumentError:
                password = None
            if password:
                found.add(str(password))
    return {v for v in found if len(v) >= MIN_HIDDEN_LENGTH}
