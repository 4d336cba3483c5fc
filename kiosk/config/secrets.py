"""Secrets (FBS password, bon signing key) come from a file or an environment variable.

In the TOML file a secret is a small table: ``password = { file = "secrets/fbs" }`` or
``password = { env = "KIOSK_FBS_PASSWORD" }``. The value is read once, at load time, into a
:class:`pydantic.SecretStr`, so it never shows in ``repr``, logs or error messages.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationInfo, model_validator

from kiosk.config.tomlfile import BOM_PROBLEM, has_bom


class Secret(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    file: Path | None = None
    env: str | None = None
    value: SecretStr = SecretStr("")

    @model_validator(mode="before")
    @classmethod
    def _read(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            raise ValueError(
                "a secret is a table with either 'file' or 'env', e.g. { env = \"NAME\" }"
            )
        unknown = set(data) - {"file", "env"}
        if unknown:
            raise ValueError(f"unknown key(s) {sorted(unknown)} in secret: use 'file' or 'env'")
        if ("file" in data) == ("env" in data):
            raise ValueError("a secret needs exactly one of 'file' or 'env'")
        if "env" in data:
            name = str(data["env"])
            if name not in os.environ:
                raise ValueError(f"environment variable {name} is not set")
            return {"env": name, "value": os.environ[name]}
        path = Path(str(data["file"])).expanduser()
        base = (info.context or {}).get("base_dir") if info.context else None
        if not path.is_absolute() and base is not None:
            path = Path(base) / path
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ValueError(f"cannot read secret file {path}: {exc.strerror or exc}") from None
        if has_bom(raw):
            raise ValueError(f"secret file {path} {BOM_PROBLEM}")
        try:  # the decoder's message would quote a byte of the secret
            text = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise ValueError(f"secret file {path} is not UTF-8") from None
        if not text:
            raise ValueError(f"secret file {path} is empty")
        return {"file": path, "value": text}

    def get(self) -> str:
        return self.value.get_secret_value()

    def __repr__(self) -> str:
        source = f"file={str(self.file)!r}" if self.file else f"env={self.env!r}"
        return f"Secret({source})"

    __str__ = __repr__
