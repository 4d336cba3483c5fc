"""No CPR ever reaches the log output, whatever path it takes into a log call."""

import io
import logging

import pytest

from kiosk.logs import setup_logging

CPRS = ("010190-1234", "0101901234")


@pytest.fixture
def log_output() -> io.StringIO:
    stream = io.StringIO()
    handler = setup_logging("DEBUG", stream)
    yield stream
    logging.getLogger().removeHandler(handler)


@pytest.mark.parametrize("cpr", CPRS)
def test_cpr_is_masked_in_every_logger_path(log_output: io.StringIO, cpr: str) -> None:
    log = logging.getLogger("kiosk.test")
    log.info("patron %s logged in", cpr)
    log.warning("in the message itself: " + cpr)
    log.error("as a dict arg %(cpr)s", {"cpr": cpr})
    try:
        raise ValueError(f"bad patron {cpr}")
    except ValueError:
        log.exception("while handling %s", cpr)
    log.info("stack", stack_info=True, extra={"unused": cpr})
    logging.getLogger("some.library").critical("third party %r", [cpr])
    out = log_output.getvalue()
    assert cpr not in out
    assert cpr.replace("-", "") not in out
    assert out.count("******-****") >= 6
    assert "ValueError: bad patron ******-****" in out


def test_ordinary_numbers_are_left_alone(log_output: io.StringIO) -> None:
    logging.getLogger("kiosk.test").info("fee 289097 of 175.00 kr, card 3210519784")
    assert "fee 289097 of 175.00 kr, card 3210519784" in log_output.getvalue()


def test_this_runs_last_lines_are_kept_masked_for_the_log_export(
    log_output: io.StringIO,
) -> None:
    from kiosk.logs import recent_lines

    logging.getLogger("kiosk.test").warning("patron %s at the terminal", CPRS[0])
    last = recent_lines()[-1]
    assert last.endswith("WARNING kiosk.test: patron ******-**** at the terminal")
