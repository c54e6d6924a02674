# vnsearch: `make run` builds the index from corpus/ if needed and serves the app;
# `make test` runs the whole suite. Both create .venv and install the project first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast lint install index serve bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

index: install
	$(BIN)/vnsearch index --if-stale

# make run PORT=8080 HOST=0.0.0.0: listen elsewhere than config.toml's [server] host/port.
run: index
	$(BIN)/vnsearch serve $(if $(PORT),--port $(PORT)) $(if $(HOST),--host $(HOST))

# The whole suite (what CI runs), after the linters.
test: install lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The quick part: everything but the tests marked slow (see tests/conftest.py).
test-fast: install
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf data .pytest_cache test-artifacts
