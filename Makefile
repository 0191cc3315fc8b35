# Two set-up commands: `make demo` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint warm clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Core library plus the extras the set-up commands use: api (`dispatch serve` and its tests),
# bench (`dispatch bench`), test, dev (the linters .ci/run applies) and ray (the Ray backend's tests).
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[api,bench,test,dev,ray,postgres]'
	touch $(STAMP)

install: $(STAMP)

# Style and complexity, types, import rules (configured in pyproject.toml); .ci/run runs this first.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Compile the native engine's kernels into numba's on-disk cache (about a minute the first time,
# about a second once cached), so no user's time limit pays for compilation.
warm: $(STAMP)
	$(BIN)/python -m optimizer.solvers.native.warmup

demo: warm
	$(BIN)/dispatch demo

# The suite runs on TEST_WORKERS processes (pytest-xdist), one test file per worker so that a
# file's module fixtures (servers, road matrices) are built once. Three on two cores: many tests
# wait on real server processes, and a third worker fills those waits (measured on 2 idle cores:
# 258 s with 3 workers, 282 s with 2, 332 s serial before the suite grew by 150 tests).
TEST_WORKERS ?= 3
test: warm
	@if [ -x scripts/ensure_chromium.sh ]; then scripts/ensure_chromium.sh; fi
	@if [ -x scripts/ensure_cjk_font.sh ]; then scripts/ensure_cjk_font.sh; fi
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis

# Message catalogs (optimizer/locale): extract the marked texts, merge them into every language's
# .po (translators edit those) and compile the .mo files shipped with the package.
# tests/test_i18n.py fails when a text lacks a translation or a .mo is stale.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k Msg -k N_ --no-location --sort-output --omit-header -o optimizer/locale/dispatch.pot optimizer api
	$(BIN)/pybabel update -i optimizer/locale/dispatch.pot -d optimizer/locale -D dispatch -l zh_CN --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d optimizer/locale -D dispatch --statistics
