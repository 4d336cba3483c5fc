"""The ``[debtor]`` section: which layout profile, where files go, how often."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from kiosk.config.base import Section
from kiosk.config.secrets import Secret

#: the template profiles shipped with the software (config/debtor/ of the source tree)
SHIPPED_PROFILES = Path(__file__).resolve().parents[2] / "config" / "debtor"


def _relative_to_config(value: Path, info: ValidationInfo) -> Path:
    base = (info.context or {}).get("base_dir")
    value = value.expanduser()
    return value if value.is_absolute() or base is None else (Path(base) / value).resolve()


class SftpSettings(Section):
    host: str = Field(min_length=1)
    port: int = Field(22, ge=1, le=65535)
    username: str = Field(min_length=1)
    password: Secret | None = None
    #: an OpenSSH private key file (kept with the other secrets, readable by the kiosk only)
    private_key_file: Path | None = None
    #: the server's host key must be listed here: an unknown key is refused
    known_hosts: Path
    remote_dir: str = "."
    timeout_s: float = Field(30.0, gt=0)

    _paths = field_validator("private_key_file", "known_hosts")(_relative_to_config)

    @model_validator(mode="after")
    def _credentials(self) -> SftpSettings:
        if self.password is None and self.private_key_file is None:
            raise ValueError("give password or private_key_file")
        return self


class DebtorSection(Section):
    #: a layout profile file (relative to this file's folder), or the name of a shipped one
    profile: Path
    #: folder delivery: the folder the debtor system (or a transfer job) picks files up from
    output_dir: Path | None = None
    interval_minutes: int = Field(20, ge=1, le=1440)
    #: days after delivery before the CPR leaves the ledger and the spool (redelivery ends then)
    keep_cpr_days: int = Field(30, ge=1, le=3650)
    delivery: Literal["folder", "sftp"] = "folder"
    sftp: SftpSettings | None = None

    _paths = field_validator("output_dir")(_relative_to_config)

    @field_validator("profile")
    @classmethod
    def _profile_valid(cls, value: Path, info: ValidationInfo) -> Path:
        """A path (relative to this file), or a bare name such as ``opus``: ``debtor/opus.toml``
        next to this file if there is one, else the shipped template of that name."""
        from kiosk.debtor.profile import ProfileError, load_profile

        if value.parent == Path(".") and value.suffix == "":
            base = (info.context or {}).get("base_dir")
            local = Path(base) / "debtor" / f"{value}.toml" if base else None
            value = local if local and local.is_file() else SHIPPED_PROFILES / f"{value}.toml"
        else:
            value = _relative_to_config(value, info)
        try:
            load_profile(value)
        except ProfileError as exc:
            raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _target(self) -> DebtorSection:
        if self.delivery == "folder" and self.output_dir is None:
            raise ValueError("delivery is 'folder' but output_dir is not set")
        if self.delivery == "sftp" and self.sftp is None:
            raise ValueError("delivery is 'sftp' but there is no [debtor.sftp] table")
        return self
