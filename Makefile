# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

comma := ,

# pyscard compiles against pcsc-lite: install the extra only where swig and the headers exist.
HAVE_PCSC := $(shell command -v swig >/dev/null 2>&1 && test -e /usr/include/PCSC/winscard.h && echo yes)
EXTRAS := test$(if $(HAVE_PCSC),$(comma)pcsc)

.PHONY: venv translations demo test lint bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	@test -n "$(HAVE_PCSC)" || echo "note: swig or libpcsclite-dev missing: PC/SC card reader support is left out"
	touch $(STAMP)

# the UI's translations: .ts (in git) → .qm with the lrelease of the PySide6 wheel
QM := $(patsubst %.ts,%.qm,$(wildcard ui/translations/*.ts))
translations: $(QM)
ui/translations/%.qm: ui/translations/%.ts $(STAMP)
	$(BIN)/pyside6-lrelease -silent $< -qm $@

demo: venv translations
	$(BIN)/kiosk demo --config config/demo.toml $(ARGS)

test: venv translations
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)
	$(BIN)/ruff check .

lint: venv
	$(BIN)/ruff check .

# every benchmark prints its table (medians, and a baseline measured in the same run)
BENCHES := ledger fbs devices export ui
bench: venv
	for b in $(BENCHES); do QT_QPA_PLATFORM=offscreen $(BIN)/python bench/$$b.py || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
