# Two commands: `make serve` (set up and serve) and `make test` (set up and test).
# Both create .venv with the package installed in editable mode, so the package finds
# data/, shapes/ and ontology/ in this checkout.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: serve test

serve: $(VENV)/.installed
	$(BIN)/lodpub serve

test: $(VENV)/.installed-test
	.ci/setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@
