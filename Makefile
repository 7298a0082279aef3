# Two commands matter: `make demo` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest dev clean soak chaos

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/gyde demo --clients 12 --seed 7

dev: $(STAMP)
	$(BIN)/gyde dev

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy .

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

# Long runs (not in CI; CI runs a small sample of each inside `make test`).
soak: $(STAMP)
	GYDE_SIM_EXAMPLES=$${GYDE_SIM_EXAMPLES:-2000} $(BIN)/pytest tests/simulation -p no:cacheprovider --timeout 0

chaos: $(STAMP)
	$(BIN)/gyde chaos --clients $${CLIENTS:-30}

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
