# nearzero — two commands set everything up: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DATA   ?= data

.PHONY: venv demo serve test lint format messages bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "nearzero needs Python 3.11, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

## Create the environment, load the demo communities into $(DATA)/ and serve :8000.
demo: venv
	$(BIN)/nearzero demo --data-dir $(DATA)

serve: venv
	$(BIN)/nearzero serve --data-dir $(DATA)

## Create the environment and run the whole suite (PostgreSQL too when
## NEARZERO_TEST_DATABASE_URL is set; browser tests when /usr/bin/chromium exists).
test: venv
	$(BIN)/pytest $(PYTEST_ARGS)

## Lint, formatting, Django checks, migrations and translation catalogues.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/nearzero manage check --fail-level WARNING
	$(BIN)/nearzero manage makemigrations --check --dry-run
	$(BIN)/python scripts/check_messages.py

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Regenerate and compile the zh_Hans and en catalogues (needs GNU gettext).
messages: venv
	$(BIN)/python scripts/check_messages.py --update

bench: venv
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/inventory.py
	$(BIN)/python benchmarks/pv_fleet.py
	$(BIN)/python benchmarks/interval_import.py
	$(BIN)/python benchmarks/interval_aggregation.py
	$(BIN)/python benchmarks/checkin.py
	$(BIN)/python benchmarks/points.py
	$(BIN)/python benchmarks/circle.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-output
