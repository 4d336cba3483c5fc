"""SFTP delivery against a real SSH/SFTP server (paramiko, in-process, on 127.0.0.1:0)."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from kiosk.debtor.delivery import DeliveryError, SftpDelivery
from tests.integration.test_debtor_export import files_in, make_exporter, seed

try:
    import paramiko
except ImportError:  # pragma: no cover - the test extra installs it; CI must run these tests
    if os.environ.get("CI"):
        raise
    pytest.skip("paramiko (extra 'sftp') is not installed", allow_module_level=True)


class _Handle(paramiko.SFTPHandle):
    def stat(self) -> Any:
        return paramiko.SFTPAttributes.from_stat(os.fstat(self.readfile.fileno()))


class _Sftp(paramiko.SFTPServerInterface):
    root: Path

    def _real(self, path: str) -> Path:
        return self.root / self.canonicalize(path).lstrip("/")

    def open(self, path: str, flags: int, attr: Any) -> Any:
        fd = os.open(self._real(path), flags, 0o644)
        mode = "wb" if flags & (os.O_WRONLY | os.O_RDWR) else "rb"
        handle = _Handle(flags)
        handle.readfile = handle.writefile = os.fdopen(fd, mode)
        return handle

    def stat(self, path: str) -> Any:
        try:
            return paramiko.SFTPAttributes.from_stat(os.stat(self._real(path)))
        except FileNotFoundError:
            return paramiko.SFTP_NO_SUCH_FILE

    lstat = stat

    def posix_rename(self, oldpath: str, newpath: str) -> int:
        os.replace(self._real(oldpath), self._real(newpath))
        return paramiko.SFTP_OK

    def remove(self, path: str) -> int:
        os.remove(self._real(path))
        return paramiko.SFTP_OK


class _Auth(paramiko.ServerInterface):
    def check_auth_password(self, username: str, password: str) -> int:
        ok = (username, password) == ("kiosk", "pw")
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return paramiko.OPEN_SUCCEEDED


@pytest.fixture
def sftp_server(tmp_path: Path) -> Iterator[tuple[int, Path, Path]]:
    """(port, remote root folder, known_hosts file listing the server's key)."""
    root = tmp_path / "remote"
    (root / "in").mkdir(parents=True)
    key = paramiko.ECDSAKey.generate()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    port = listener.getsockname()[1]
    known = paramiko.HostKeys()
    known.add(f"[127.0.0.1]:{port}", key.get_name(), key)
    known_hosts = tmp_path / "known_hosts"
    known.save(str(known_hosts))
    _Sftp.root = root
    transports: list[Any] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            transport = paramiko.Transport(conn)
            transport.add_server_key(key)
            transport.set_subsystem_handler("sftp", paramiko.SFTPServer, _Sftp)
            transports.append(transport)
            try:
                transport.start_server(server=_Auth())
            except (EOFError, OSError, paramiko.SSHException):
                continue  # a client that refused our host key hung up mid-handshake: expected

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield port, root, known_hosts
    listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
    listener.close()
    for transport in transports:
        transport.close()
    thread.join(30)


def delivery(port: int, known_hosts: Path, password: str = "pw") -> SftpDelivery:
    return SftpDelivery(
        "127.0.0.1", port, "kiosk", "/in", known_hosts, password=password, timeout_s=30
    )


def test_export_over_sftp_stages_then_renames(
    sqlite_engine: Engine, tmp_path: Path, sftp_server: tuple[int, Path, Path]
) -> None:
    port, root, known_hosts = sftp_server
    seed(sqlite_engine, 3)
    exporter = make_exporter(sqlite_engine, tmp_path, delivery=delivery(port, known_hosts))
    [batch] = exporter.run()
    remote = files_in(root / "in")
    assert list(remote) == [batch.file_name]  # no temporary file left
    assert remote[batch.file_name] == (tmp_path / "spool" / batch.file_name).read_bytes()
    (root / "in" / batch.file_name).unlink()
    exporter.redeliver(batch.id, actor="tech")
    assert files_in(root / "in") == remote


def test_unknown_host_key_and_wrong_password_are_refused(
    tmp_path: Path, sftp_server: tuple[int, Path, Path]
) -> None:
    port, _, known_hosts = sftp_server
    with pytest.raises(DeliveryError, match="cannot connect"):
        delivery(port, known_hosts, password="wrong").stage("f.txt", b"x")
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    with pytest.raises(DeliveryError, match="cannot connect"):
        delivery(port, empty).stage("f.txt", b"x")
