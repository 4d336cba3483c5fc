"""Build the configured :class:`~kiosk.fbs.port.FbsPort`: REST or SIP2."""

from __future__ import annotations

from kiosk.config import KioskConfig
from kiosk.fbs.port import FbsPort


def make_fbs_port(config: KioskConfig) -> FbsPort:
    fbs = config.fbs
    cut_off = config.claims.cut_off_date
    if fbs.adapter == "rest":
        from kiosk.fbs.rest import RestFbsPort

        assert fbs.rest is not None  # the config validator guarantees it
        return RestFbsPort.from_settings(fbs.rest, fbs.agency_id, cut_off)
    from kiosk.fbs.sip2.adapter import Sip2FbsPort  # imported only when configured

    assert fbs.sip2 is not None
    return Sip2FbsPort(fbs.sip2, institution=fbs.agency_id, cut_off_date=cut_off)
