"""The automat's core: domain, money, ledger, FBS, payment flow, debtor export, bons (no Qt)."""


def __getattr__(name: str) -> str:
    # importlib.metadata costs ~25 ms at start-up; only `kiosk --version` asks for the version
    if name != "__version__":
        raise AttributeError(f"module 'kiosk' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("biblioteks-betalingsautomat")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0.0.0+source"
