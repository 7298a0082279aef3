# Two commands matter: `make demo` and `make test`. Both create .venv when it is missing.
# Installs come from uv.lock (`make lock` re-resolves it after a pyproject.toml change).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV_VERSION := 0.13.9
UV := $(BIN)/uv
UV_STAMP := $(VENV)/.uv-$(UV_VERSION)
# uv syncs the .venv made below with $(PYTHON), and never fetches a Python of its own.
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never

.PHONY: demo test lint typecheck pytest dev clean soak chaos lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(UV_STAMP): | $(BIN)/python
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	touch $(UV_STAMP)

# Exactly the lock's packages, the project editable. --locked: a pyproject.toml that no longer
# matches uv.lock is an error (run `make lock`), never a silent re-resolve.
$(STAMP): uv.lock pyproject.toml $(UV_STAMP)
	$(UV) sync --locked --extra dev
	touch $(STAMP)

lock: $(UV_STAMP)
	$(UV) lock

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
