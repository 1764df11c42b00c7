# Every target bootstraps .venv on first use and reinstalls only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo run sim test lint format bench clean i18n

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/chorus demo

run: $(STAMP)
	$(BIN)/chorus run --console

sim: $(STAMP)
	$(BIN)/chorus sim

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m bot.catalogs check --complete

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Catalogs: extract every marked sentence into the template, merge it into each language's .po
# (new sentences arrive untranslated, changed ones fuzzy), then compile each to check it.
i18n: $(STAMP)
	$(BIN)/python -m bot.catalogs update

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
