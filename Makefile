# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

comma := ,

# pyscard compiles against pcsc-lite: install the extra only where swig and the headers exist.
HAVE_PCSC := $(shell command -v swig >/dev/null 2>&1 && test -e /usr/include/PCSC/winscard.h && echo yes)
EXTRAS := test$(if $(HAVE_PCSC),$(comma)pcsc)

.PHONY: venv demo test lint bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	@test -n "$(HAVE_PCSC)" || echo "note: swig or libpcsclite-dev missing: PC/SC card reader support is left out"
	touch $(STAMP)

demo: venv
	$(BIN)/kiosk demo --config config/demo.toml $(ARGS)

test: venv
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)
	$(BIN)/ruff check .

lint: venv
	$(BIN)/ruff check .

bench: venv
	$(BIN)/python bench/ledger.py

clean:
	rm -rf $(VENV) build *.egg-info
