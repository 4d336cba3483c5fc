"""Putting a finished file where the debtor system picks it up: a folder or an SFTP server.

Delivery is two steps so a crash between them can be told apart: ``stage`` puts the complete
file at the target under a temporary name (``.NAME.part``, which importers must ignore) and
``publish`` renames it to its final name, atomically. The exporter records a staged file before
publishing it; a staged file that has disappeared on the next run was published (only our rename
removes it), so it is never sent twice.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from kiosk.preflight import StorageProblem, check_folder

Step = Callable[[str], None]

#: the file ``check`` writes and removes on an SFTP server (dot-named: importers ignore it)
PROBE_NAME = ".kiosk-write-check"


class DeliveryError(Exception):
    """The target could not be reached or did not accept the file (retried next run)."""


def staging_name(name: str) -> str:
    return f".{name}.part"


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file_durably(path: Path, data: bytes) -> None:
    """Owner read/write, group read: the file holds CPR numbers."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


class Delivery(Protocol):
    #: where files go, for messages and the audit log (never a password)
    target: str

    def stage(self, name: str, data: bytes) -> None:
        """Write ``data`` completely and durably under the temporary name (replacing any)."""
        ...

    def is_staged(self, name: str) -> bool:
        """Whether the temporary file of ``name`` is at the target."""
        ...

    def publish(self, name: str) -> None:
        """Rename the staged file to ``name`` atomically and durably."""
        ...

    def check(self) -> None:
        """Raise :class:`DeliveryError` unless a file can be put at the target now (``kiosk
        doctor``): a dot-named probe file is written and removed."""
        ...

    def close(self) -> None: ...


class FolderDelivery:
    """A local or mounted folder the debtor system (or a file-transfer job) reads."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.target = str(self.folder)

    def _ready(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DeliveryError(f"cannot create {self.folder}: {exc.strerror or exc}") from None

    def stage(self, name: str, data: bytes) -> None:
        self._ready()
        try:
            write_file_durably(self.folder / staging_name(name), data)
            fsync_dir(self.folder)
        except OSError as exc:
            raise DeliveryError(f"cannot write in {self.folder}: {exc.strerror or exc}") from None

    def is_staged(self, name: str) -> bool:
        return (self.folder / staging_name(name)).is_file()

    def publish(self, name: str) -> None:
        try:
            os.replace(self.folder / staging_name(name), self.folder / name)
            fsync_dir(self.folder)
        except OSError as exc:
            raise DeliveryError(f"cannot rename in {self.folder}: {exc.strerror or exc}") from None

    def check(self) -> None:
        try:  # the start-up's rule for the data folder: created if missing, then takes a file
            check_folder("debtor folder", self.folder)
        except StorageProblem as exc:
            raise DeliveryError(str(exc)) from None

    def close(self) -> None:
        pass


class SftpDelivery:
    """An SFTP server (paramiko). The host key must be known: never trust on first use."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        remote_dir: str,
        known_hosts: Path,
        password: str | None = None,
        private_key: Path | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        self.host, self.port, self.username = host, port, username
        self.remote_dir = remote_dir.rstrip("/") or "/"
        self.known_hosts, self.password, self.private_key = known_hosts, password, private_key
        self.timeout_s = timeout_s
        self.target = f"sftp://{username}@{host}:{port}{self.remote_dir}"
        self._client: Any = None
        self._sftp: Any = None

    def _path(self, name: str) -> str:
        return f"{self.remote_dir}/{name}"

    def _open(self) -> Any:
        if self._sftp is not None:
            return self._sftp
        import paramiko  # optional dependency (extra "sftp"), loaded only when configured

        client = paramiko.SSHClient()
        try:
            client.load_host_keys(str(self.known_hosts))
        except OSError as exc:
            raise DeliveryError(f"cannot read known_hosts {self.known_hosts}: {exc}") from None
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect(
                self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                key_filename=str(self.private_key) if self.private_key else None,
                timeout=self.timeout_s,
                banner_timeout=self.timeout_s,
                auth_timeout=self.timeout_s,
                allow_agent=False,
                look_for_keys=False,
            )
            self._sftp = client.open_sftp()
        except (paramiko.SSHException, OSError) as exc:
            client.close()
            raise DeliveryError(f"cannot connect to {self.target}: {exc}") from None
        self._client = client
        return self._sftp

    def _fail(self, what: str, exc: Exception) -> DeliveryError:
        self.close()
        return DeliveryError(f"{what} at {self.target}: {exc}")

    def stage(self, name: str, data: bytes) -> None:
        sftp = self._open()
        path = self._path(staging_name(name))
        try:
            with sftp.open(path, "wb") as f:
                f.set_pipelined(True)
                f.write(data)
            size = sftp.stat(path).st_size
        except (OSError, EOFError) as exc:
            raise self._fail("cannot upload", exc) from None
        if size != len(data):
            raise DeliveryError(f"upload of {name} to {self.target} is {size} of {len(data)} bytes")

    def is_staged(self, name: str) -> bool:
        sftp = self._open()
        try:
            return stat.S_ISREG(sftp.stat(self._path(staging_name(name))).st_mode or 0)
        except FileNotFoundError:
            return False
        except (OSError, EOFError) as exc:
            raise self._fail("cannot look up", exc) from None

    def publish(self, name: str) -> None:
        sftp = self._open()
        try:
            sftp.posix_rename(self._path(staging_name(name)), self._path(name))
        except (OSError, EOFError) as exc:
            raise self._fail("cannot rename", exc) from None

    def check(self) -> None:
        """Log in (the host key known), then write and remove a probe file in the folder."""
        sftp = self._open()
        probe = self._path(PROBE_NAME)
        try:
            with sftp.open(probe, "wb") as f:
                f.write(b"")
            sftp.remove(probe)
        except (OSError, EOFError) as exc:
            raise self._fail("cannot write", exc) from None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = self._sftp = None
