# The task runner. `make sync` and `make test` are the README's two commands:
# each creates the virtualenv and installs the project first when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp

.PHONY: install sync test lint format bench clean

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

## The whole test suite, ruff included.
test: $(STAMP) lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
