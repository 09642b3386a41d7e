# Two set-up commands (see README): `make demo` and `make test` (which also builds the docs).
# Both create .venv on first use; `make docs` and `make bench` do too.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench docs lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml setup.cfg | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml setup.cfg | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,bench,docs]"
	touch $@ $(VENV)/.installed $(VENV)/.installed-docs

demo: $(VENV)/.installed
	$(BIN)/mvn-estimate fit data/iris.csv --columns Sepal.Length,Sepal.Width,Petal.Length,Petal.Width

test: $(VENV)/.installed-test
	$(BIN)/ruff check mvn_estimate tests benchmarks docs
	$(BIN)/mypy mvn_estimate
	$(BIN)/python -m pytest
	$(MAKE) docs

$(VENV)/.installed-docs: pyproject.toml setup.cfg | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[docs]"
	touch $@

docs: $(VENV)/.installed-docs
	rm -rf docs/_build docs/generated docs/tutorials
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks.run

lint: $(VENV)/.installed-test
	$(BIN)/ruff check mvn_estimate tests benchmarks docs
	$(BIN)/mypy mvn_estimate

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache docs/_build docs/generated docs/tutorials
