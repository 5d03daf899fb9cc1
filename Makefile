# The two commands a newcomer needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SCENARIO ?= scenarios/baseline.toml
OUT ?= out/baseline

# A Python >= 3.12 interpreter: $PYTHON if given, else the first of these (on the PATH or under pyenv) new enough.
PYTHON ?= $(shell for p in python3.12 python3.13 python3 python; do \
	  for c in $$(command -v $$p) $$(ls $$HOME/.pyenv/versions/3.1[2-9]*/bin/$$p 2>/dev/null); do \
	    $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$c; exit 0; }; \
	  done; done)

.PHONY: run test bench app install clean

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "make: no Python >= 3.12 found; install one (e.g. pyenv install 3.12) or pass PYTHON=/path/to/python3.12" >&2; exit 1; fi
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[app,test]"
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/abm run $(SCENARIO) --out $(OUT)

test: $(STAMP)
	$(PY) -m pytest -n 2
	# the kernels once more as plain Python (STYLE.md 4): the compiled and interpreted paths agree
	NUMBA_DISABLE_JIT=1 $(PY) -m pytest -q tests/kernels

bench: $(STAMP)
	$(PY) -m benchmarks

app: $(STAMP)
	$(VENV)/bin/abm app

clean:
	rm -rf out .pytest_cache
