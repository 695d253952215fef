# The task runner. `make sync` and `make test` are the README's two commands:
# each creates the virtualenv and installs the project first when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp

.PHONY: install browser sync test test-fast lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## The main job: a full sync against the bundled LiveRC simulator on SQLite
## (`make sync LIVERC=live`: against the configured, by default the real, LiveRC).
LIVERC ?= simulator

sync: $(STAMP)
ifeq ($(LIVERC),live)
	$(BIN)/track-sync sync
else
	$(BIN)/track-sync demo
endif

## The whole test suite: ruff, `dg check defs`, then every test (slow end-to-end ones
## included: real daemon, webserver, browser, kill -9). Installs Chromium when it can.
## The fast tests first, alone (some measure request timing at the simulator), then the
## slow end-to-end files side by side (-n 3, one file per worker): they mostly wait on
## daemons and sensors, so the whole suite fits CI's time on 2 cores.
test: $(STAMP) lint browser
	VIRTUAL_ENV=$(abspath $(VENV)) $(BIN)/dg check defs
	$(BIN)/python -m pytest -m "not slow"
	$(BIN)/python -m pytest -m slow -n 3 --dist loadfile

## The fast part alone (no daemon, webserver, browser or kill -9 tests).
test-fast: $(STAMP) lint
	$(BIN)/python -m pytest -m "not slow"

## Debian's Chromium for the browser tests (skipped with a message where it cannot be had).
browser:
	@bash .ci/install-chromium

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
