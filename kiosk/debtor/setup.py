"""Build the exporter and its scheduler from the configuration (used by the app and the CLI)."""

from __future__ import annotations

from sqlalchemy import Engine

from kiosk.clock import Clock, SystemClock
from kiosk.config import KioskConfig
from kiosk.debtor.delivery import Delivery, FolderDelivery, SftpDelivery
from kiosk.debtor.exporter import Exporter, Step
from kiosk.debtor.profile import load_profile
from kiosk.debtor.scheduler import ExportScheduler


class DebtorNotConfigured(Exception):
    pass


def delivery_from_config(config: KioskConfig) -> Delivery:
    section = config.debtor
    if section is None:
        raise DebtorNotConfigured("the configuration has no [debtor] section")
    if section.delivery == "sftp":
        sftp = section.sftp
        assert sftp is not None  # checked when the configuration was loaded
        return SftpDelivery(
            sftp.host,
            sftp.port,
            sftp.username,
            sftp.remote_dir,
            sftp.known_hosts,
            password=sftp.password.get() if sftp.password else None,
            private_key=sftp.private_key_file,
            timeout_s=sftp.timeout_s,
        )
    assert section.output_dir is not None
    return FolderDelivery(section.output_dir)


def exporter_from_config(
    config: KioskConfig,
    engine: Engine,
    clock: Clock | None = None,
    on_step: Step | None = None,
    *,
    automat_id: str | None = None,
) -> Exporter:
    """The exporter of this automat (``[automat] id``), or of ``automat_id``: the fleet console
    sends another automat's batch again with its own ``[debtor]`` profile and delivery."""
    section = config.debtor
    if section is None:
        raise DebtorNotConfigured("the configuration has no [debtor] section")
    return Exporter(
        engine,
        automat_id or config.automat.id,
        load_profile(section.profile),
        config.debtor_spool_dir,
        delivery_from_config(config),
        clock or SystemClock(),
        on_step=on_step,
    )


def scheduler_from_config(config: KioskConfig, exporter: Exporter) -> ExportScheduler:
    """Start it with ``.start()`` and stop it with ``.stop()`` when the app ends."""
    assert config.debtor is not None
    return ExportScheduler(exporter.run, config.debtor.interval_minutes * 60.0)
