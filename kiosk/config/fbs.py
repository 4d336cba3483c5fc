"""The ``[fbs]`` section: which adapter talks to FBS, and how."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from kiosk.config.base import Section, codec_keeping
from kiosk.config.secrets import Secret


class RestSettings(Section):
    base_url: str = Field(description="e.g. https://fbs.example/rest/external/v1")
    username: str
    password: Secret
    verify_tls: bool = True
    timeout_s: float = Field(10.0, gt=0)
    #: extra attempts for calls safe to repeat (GETs, the payment: its orderId is idempotent)
    retries: int = Field(2, ge=0, le=10)
    backoff_s: float = Field(0.25, ge=0, le=60)
    #: non-payable fees of these types / with these words in reasonMessage are "pay elsewhere"
    #: (e.g. claims for another library, never transferred to the debtor system)
    elsewhere_fee_types: list[str] = []
    elsewhere_reason_markers: list[str] = []


class Sip2Settings(Section):
    transport: Literal["tcp", "https"] = "tcp"
    host: str = "localhost"
    port: int = Field(6001, ge=1, le=65535)
    tls: bool = False
    url: str = ""  # the HTTPS envelope endpoint, e.g. https://host/rest/sip2/DK-775100
    username: str
    password: Secret
    location: str = ""  # CP location code in 93 Login
    terminal_password: str = ""  # AC
    institution: str = ""  # AO; defaults to the agency id
    encoding: str = "cp850"  # raw TCP: the line's character set (checksums over its bytes)
    #: the HTTPS envelope is UTF-8 XML; which character set FBS sums the AZ checksum over is not
    #: public: UTF-8 (the bytes as received) until FBS says otherwise. A reply whose checksum
    #: matches cp850 or Latin-1 instead is accepted and the log names the set to put here
    envelope_checksum_encoding: str = "utf-8"
    error_detection: bool = True
    timeout_s: float = Field(10.0, gt=0)
    fee_type: str = Field("01", pattern=r"^\d{2}$")
    payment_type: str = Field("00", pattern=r"^\d{2}$")  # 37 Fee Paid: 00 cash, 01 VISA, 02 card
    language: str = Field("009", pattern=r"^\d{3}$")  # 009 = Danish
    patron_id_prefix: str = "LN:"  # FBS prefixes AA in replies; stripped for Patron.id
    #: add the prefix to AA in the requests about the patron FBS identified (the claims' 63, 37,
    #: 35); the login's 63 sends the card number or CPR as the citizen showed it: "LN:" names a
    #: library card number, a CPR is none, and FBS answers a bare card number (recorded traffic)
    send_patron_id_prefix: bool = False
    verify_tls: bool = True  # TLS on raw TCP and the HTTPS envelope

    @field_validator("encoding", "envelope_checksum_encoding")
    @classmethod
    def _known_character_set(cls, value: str) -> str:
        return codec_keeping(value, "a|", "ASCII as ASCII, as SIP2 needs", as_ascii=True)


class FbsSection(Section):
    adapter: Literal["rest", "sip2"] = "rest"
    agency_id: str = Field(pattern=r"^[A-Z]{2}-\d{6}$", description="ISIL, e.g. DK-775100")
    rest: RestSettings | None = None
    sip2: Sip2Settings | None = None
    #: how often the outbox worker looks for registrations that are due
    outbox_interval_s: float = Field(30.0, gt=0, le=3600)
    #: a registration FBS refused (e.g. no account period) is tried again after this
    refused_retry_minutes: float = Field(60.0, gt=0, le=7 * 24 * 60)
    #: days after its payment that a refused registration stops being retried and waits, parked,
    #: on the staff follow-up list until a person closes it
    refused_retry_days: int = Field(14, ge=1, le=365)
    #: FBS unreachable: waits double from 5 s per attempt up to this
    max_backoff_minutes: float = Field(30.0, gt=0, le=24 * 60)

    @model_validator(mode="after")
    def _adapter_configured(self) -> FbsSection:
        if getattr(self, self.adapter) is None:
            raise ValueError(
                f"adapter is '{self.adapter}' but there is no [fbs.{self.adapter}] table"
            )
        return self
