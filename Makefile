# Two set-up commands (see README): `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml setup.cfg | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml setup.cfg | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,bench]"
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/mvn-estimate fit data/iris.csv --columns Sepal.Length,Sepal.Width,Petal.Length,Petal.Width

test: $(VENV)/.installed-test
	$(BIN)/ruff check mvn_estimate tests benchmarks
	$(BIN)/mypy mvn_estimate
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks.run

lint: $(VENV)/.installed-test
	$(BIN)/ruff check mvn_estimate tests benchmarks
	$(BIN)/mypy mvn_estimate

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
