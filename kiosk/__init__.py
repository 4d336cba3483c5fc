"""The automat's core: domain, money, ledger, FBS, payment flow, debtor export, bons (no Qt)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("biblioteks-betalingsautomat")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"
