"""The FBS REST "external" API adapter (see ``docs/architecture.md``, *FBS*)."""

from kiosk.fbs.rest.adapter import RestFbsPort
from kiosk.fbs.rest.client import RestClient
from kiosk.fbs.rest.parse import ClaimClassifier

__all__ = ["ClaimClassifier", "RestClient", "RestFbsPort"]
