"""``[console]``: the fleet console, a web page on the fleet's database (``kiosk console``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from kiosk.config.metrics import ListeningSection


class ConsoleSection(ListeningSection):
    """Where the console listens and how it keeps a login. It is meant to sit behind the
    municipality's reverse proxy, which gives it TLS: on loopback by default."""

    address: str = "127.0.0.1:8470"
    #: how many reverse proxies stand in front (their X-Forwarded-For gives the address the audit
    #: log names); 0 when browsers connect directly
    proxy_hops: int = Field(1, ge=0, le=5)
    #: the session cookie is sent over HTTPS only; false only for a test on one machine
    secure_cookies: bool = True
    #: a login ends after this many quiet minutes, and after ``session_hours`` whatever happens
    idle_minutes: int = Field(30, ge=5, le=480)
    session_hours: int = Field(10, ge=1, le=24)
    #: the page's language until the user picks the other one
    language: Literal["da", "en"] = "da"
    #: the server's worker threads (waitress)
    threads: int = Field(8, ge=1, le=64)
