"""The whole configuration file as one typed model (see ``config/kiosk.example.toml``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, field_validator

from kiosk.config.base import Section
from kiosk.config.console import ConsoleSection
from kiosk.config.debtor import DebtorSection
from kiosk.config.devices import DevicesSection
from kiosk.config.fbs import FbsSection
from kiosk.config.metrics import MetricsSection
from kiosk.config.secrets import Secret
from kiosk.money import Money, MoneyError


def kroner(value: object) -> Money:
    """A Danish amount string ("200.00" or "200,00"): never a float, never negative."""
    if isinstance(value, Money):
        return value
    if not isinstance(value, str):
        raise ValueError('write the amount in kroner as text, e.g. "200.00"')
    try:
        return Money.parse(value)
    except MoneyError as exc:
        raise ValueError(str(exc)) from exc


class AutomatSection(Section):
    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$", description="printed on receipts, in files")
    library_name: str
    location: str = ""
    languages: list[str] = ["da", "en"]


class DatabaseSection(Section):
    #: empty: SQLite file ``kiosk.sqlite3`` in the data directory; else an SQLAlchemy URL,
    #: e.g. ``postgresql+psycopg://kiosk@db/kiosk``
    url: str = ""
    data_dir: Path = Path("/var/lib/kiosk")
    retention_years: int = Field(5, ge=1, le=30)
    #: ``kiosk doctor`` fails below this many MB free where the ledger (SQLite) or, with
    #: PostgreSQL, the data folder is; 0 checks nothing
    min_free_mb: int = Field(500, ge=0, le=10_000_000)


class LoggingSection(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class ClaimsSection(Section):
    model_config = ConfigDict(arbitrary_types_allowed=True)  # Money, parsed by _amount

    #: claims created on or after this date belong to the debtor system (SIP2 classification)
    cut_off_date: date
    #: how long a claim paid here is shown as "paid here, waiting for the municipality"
    paid_here_window_days: int = Field(10, ge=0, le=365)
    #: what to tell the citizen about claims that cannot be paid at this automat
    pay_elsewhere_text: str = "Betal via kommunens betalingsside"
    pay_elsewhere_url: str = ""
    #: the debt at which FBS blocks a patron, for when FBS does not say (REST gives no limit;
    #: SIP2 sends it as CC); ``None``: the screen explains the block without a number
    block_limit: Money | None = None
    #: debtor claim type code per claim kind (template: confirm with the debtor-system supplier)
    debtor_claim_types: dict[Literal["fee", "compensation", "other"], str] = {
        "fee": "BIBGEB",
        "compensation": "BIBERS",
        "other": "BIBAND",
    }

    @field_validator("block_limit", mode="before")
    @classmethod
    def _amount(cls, value: object) -> Money | None:
        return None if value is None else kroner(value)


class CashSection(Section):
    accepted_coins: list[int] = [50, 100, 200, 500, 1000, 2000]
    accepted_notes: list[int] = [5000, 10000, 20000]
    #: a note that would overpay by more than this is returned from escrow
    max_overpay_ore: int = Field(10000, ge=0)

    @field_validator("accepted_coins", "accepted_notes")
    @classmethod
    def _danish(cls, values: list[int]) -> list[int]:
        allowed = {50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000}
        bad = [v for v in values if v not in allowed]
        if bad:
            raise ValueError(f"not a Danish coin or note in øre: {bad}")
        return values


#: HMAC-SHA256 keys shorter than the hash's 32-byte output weaken it; `openssl rand -hex 32`
#: (what the example configuration suggests) gives 64
MIN_SIGNING_KEY_BYTES = 32
#: ``[bons] max_amount``'s default: the most one bon issued by staff may be worth
DEFAULT_MAX_AMOUNT = Money(100_000)


class BonsSection(Section):
    model_config = ConfigDict(arbitrary_types_allowed=True)  # Money, parsed by _max_amount

    signing_key: Secret
    validity_days: int = Field(90, ge=1, le=3650)
    #: the most one bon issued by staff may be worth (the automat's own credit bons are whatever
    #: money came in); kroner as text
    max_amount: Money = DEFAULT_MAX_AMOUNT

    @field_validator("max_amount", mode="before")
    @classmethod
    def _max_amount(cls, value: object) -> Money:
        amount = kroner(value)
        if amount.ore <= 0:
            raise ValueError("must be more than 0 kroner")
        return amount

    @field_validator("signing_key")
    @classmethod
    def _long_enough(cls, key: Secret) -> Secret:
        """Checked here, when the file loads, so the automat never starts with a weak key (the
        message says how long it must be, never what or how long it is)."""
        if len(key.get().encode("utf-8")) < MIN_SIGNING_KEY_BYTES:
            raise ValueError(
                f"is shorter than {MIN_SIGNING_KEY_BYTES} bytes; make one with "
                "`openssl rand -hex 32`"
            )
        return key


class UiSection(Section):
    """The citizen's screen: how long it waits, and how it looks at the start of a session."""

    #: quiet seconds before the "are you still there?" warning
    idle_seconds: int = Field(60, ge=10, le=600)
    #: the warning's countdown in seconds; then the session times out and personal data is gone
    countdown_seconds: int = Field(20, ge=5, le=120)
    #: seconds the end screen (thank you, credit bon) stays before the attract screen returns
    end_screen_seconds: int = Field(15, ge=3, le=120)
    #: start with larger text (a citizen can still switch it)
    larger_text: bool = False


class StaffSection(Section):
    """Staff mode at the automat."""

    #: quiet seconds after which staff mode logs out by itself (the last ``[ui]
    #: countdown_seconds`` of them show the countdown warning)
    idle_logout_s: int = Field(120, ge=30, le=1800)
    #: folders under which technician mode looks for mounted USB sticks (log export): each
    #: folder's subfolders that are mount points, one level down too (``/media/USER/STICK``)
    usb_mount_roots: list[Path] = [Path("/media"), Path("/run/media")]

    @field_validator("usb_mount_roots")
    @classmethod
    def _absolute(cls, roots: list[Path]) -> list[Path]:
        relative = [str(r) for r in roots if not r.is_absolute()]
        if relative:
            raise ValueError(f"must be absolute folders: {', '.join(relative)}")
        return roots


class HeartbeatSection(Section):
    """The automat's heartbeat: its health written to the ledger on a schedule, so a fleet's
    console shows every automat and how old its last word is (``kiosk.heartbeat``)."""

    enabled: bool = True
    #: seconds between heartbeats; the console calls an automat stale after three missed ones
    interval_s: int = Field(60, ge=1, le=3600)


class KioskConfig(Section):
    automat: AutomatSection
    database: DatabaseSection = DatabaseSection()
    logging: LoggingSection = LoggingSection()
    fbs: FbsSection
    claims: ClaimsSection
    cash: CashSection = CashSection()
    bons: BonsSection
    devices: DevicesSection = DevicesSection()
    ui: UiSection = UiSection()
    staff: StaffSection = StaffSection()
    metrics: MetricsSection = MetricsSection()
    console: ConsoleSection = ConsoleSection()
    heartbeat: HeartbeatSection = HeartbeatSection()
    #: debtor import files; without it debtor payments stay queued in the outbox
    debtor: DebtorSection | None = None

    #: the file this was loaded from (not a key of the file)
    source: Path | None = Field(default=None, exclude=True)

    @property
    def debtor_spool_dir(self) -> Path:
        """Every debtor file written, kept locally (the data directory also holds the ledger)."""
        return self.database.data_dir / "debtor-spool"

    def database_url(self) -> str:
        if self.database.url:
            return self.database.url
        return f"sqlite:///{self.database.data_dir / 'kiosk.sqlite3'}"
