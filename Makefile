# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

comma := ,

# pyscard compiles against pcsc-lite: install the extra only where swig and the headers exist.
HAVE_PCSC := $(shell command -v swig >/dev/null 2>&1 && test -e /usr/include/PCSC/winscard.h && echo yes)
EXTRAS := test$(if $(HAVE_PCSC),$(comma)pcsc)

.PHONY: venv translations demo test lint bench lock deb deb-check mutation mutation-resume clean

# The appliance's dependencies, every version pinned with its hashes (docs/architecture.md,
# Locked dependencies): `make deb` installs exactly these; `make venv` (so `make test` and CI) uses
# them as constraints, through a copy without the hashes (pip would otherwise demand a hash for
# every package, the test extras too). LOCK_CONSTRAINTS= opts out, e.g. on a Python other than 3.11.
LOCK := packaging/requirements.lock
CONSTRAINTS := $(VENV)/constraints.txt
LOCK_CONSTRAINTS ?= -c $(CONSTRAINTS)

venv: $(STAMP)

$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	sed -e '/^ *--hash=/d' -e 's/ *\\$$//' $(LOCK) > $(CONSTRAINTS)
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]" $(LOCK_CONSTRAINTS)
	@test -n "$(HAVE_PCSC)" || echo "note: swig or libpcsclite-dev missing: PC/SC card reader support is left out"
	touch $(STAMP)

# the UI's translations: .ts (in git) → .qm with the lrelease of the PySide6 wheel
QM := $(patsubst %.ts,%.qm,$(wildcard ui/translations/*.ts))
translations: $(QM)
ui/translations/%.qm: ui/translations/%.ts $(STAMP)
	$(BIN)/pyside6-lrelease -silent $< -qm $@

demo: venv translations
	$(BIN)/kiosk demo --config config/demo.toml $(ARGS)

# pytest-xdist workers, one per core (tests/conftest.py: a PostgreSQL database for each);
# PYTEST_WORKERS=0 runs the suite in one process
PYTEST_WORKERS ?= auto
test: venv translations
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)
	$(BIN)/ruff check .

lint: venv
	$(BIN)/ruff check .

# every benchmark prints its table (medians, and a baseline measured in the same run)
BENCHES := ledger fbs devices export ui
bench: venv
	for b in $(BENCHES); do QT_QPA_PLATFORM=offscreen $(BIN)/python bench/$$b.py || exit 1; done

# Re-resolve the lock for the package's Python (Debian 12: CPython 3.11, glibc 2.36, x86_64) with
# uv, whatever Python runs here; pins already in the lock are kept unless LOCK_ARGS=--upgrade
# (all) or LOCK_ARGS="--upgrade-package NAME". uv goes into .venv only here, `make test` never
# needs it.
UV_VERSION := 0.13.9
LOCK_EXTRAS := pcsc postgres sftp
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip compile --quiet pyproject.toml $(addprefix --extra ,$(LOCK_EXTRAS)) \
	  --python-version 3.11 --python-platform x86_64-manylinux_2_36 --generate-hashes \
	  --custom-compile-command "make lock" $(LOCK_ARGS) -o $(LOCK)

# The Debian package (packaging/deb/, docs/operations.md): dist/kiosk_VERSION_ARCH.deb.
# deb-check builds it and proves it from a scratch root (dpkg -x), then runs lintian (CI).
deb: venv translations
	bash packaging/deb/build.sh
deb-check: venv translations
	bash packaging/deb/check.sh

# Mutation testing of the money code (docs/mutation.md): not part of `make test` or CI, a whole
# run takes about two hours on the 2-core machine. One worker, since the machine is shared.
# MUTANTS narrows a re-run to some mutants (mutmut names, globs allowed); the summary is always
# of the whole scope.
MUTATION_SCOPE := \
	'kiosk.money.*' \
	'kiosk.payment.recovery.*' \
	'kiosk.payment.journal.*' \
	'kiosk.payment.tally.*' \
	'kiosk.payment.cash.*' \
	'kiosk.payment.card.*' \
	'kiosk.payment.hold.*' \
	'kiosk.payment.session.xǁPaymentSessionǁ_settle__mutmut_*' \
	'kiosk.payment.outage.xǁOutageǁ_resume__mutmut_*' \
	'kiosk.ledger.transitions.*' \
	'kiosk.ledger.audit.x_unaccounted__mutmut_*' \
	'kiosk.ledger.audit.x__sums__mutmut_*' \
	'kiosk.ledger.audit.x_run_audit__mutmut_*' \
	'kiosk.ledger.audit.x_unbalanced__mutmut_*' \
	'kiosk.ledger.audit.x__stray_money__mutmut_*' \
	'kiosk.ledger.repository.x_insert_tender__mutmut_*' \
	'kiosk.ledger.repository.x__count_into_cash_box__mutmut_*' \
	'kiosk.ledger.repository.x_move_position__mutmut_*' \
	'kiosk.ledger.repository.xǁLedgerǁrecord_tender__mutmut_*' \
	'kiosk.ledger.repository.xǁLedgerǁnote_device_position__mutmut_*' \
	'kiosk.ledger.repository.xǁLedgerǁdevice_positions__mutmut_*'
MUTANTS ?= $(MUTATION_SCOPE)
# after an interrupted run: only what was never tried or not killed
mutation-resume:
	$(MAKE) mutation MUTANTS="$$($(BIN)/python -m tests.mutation_summary --todo $(MUTATION_SCOPE))"
mutation: venv
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS),mutation]" $(LOCK_CONSTRAINTS)
	env -u KIOSK_TEST_POSTGRES_URL $(BIN)/mutmut run --max-children 1 $(MUTANTS)
	env -u KIOSK_TEST_POSTGRES_URL $(BIN)/python -m tests.mutation_properties; \
	  properties=$$?; $(BIN)/python -m tests.mutation_summary $(MUTATION_SCOPE) && exit $$properties

clean:
	rm -rf $(VENV) build dist *.egg-info mutants
