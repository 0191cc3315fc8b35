# Two set-up commands: `make demo` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install warm clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

# Compile the native engine's kernels into numba's on-disk cache (about a minute the first time,
# about a second once cached), so no user's time limit pays for compilation.
warm: $(STAMP)
	$(BIN)/python -m optimizer.solvers.native.warmup

demo: warm
	$(BIN)/dispatch demo

test: warm
	@if [ -x scripts/ensure_chromium.sh ]; then scripts/ensure_chromium.sh; fi
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
