# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/us_china_2023.yaml
ARGS ?=

.PHONY: run test fuzz lint docs bench clean

$(BIN)/visitsim: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dask,docs,app]'
	touch $@

run: $(BIN)/visitsim
	$(BIN)/visitsim run $(SCENARIO) $(ARGS)

test: $(BIN)/visitsim
	$(BIN)/ruff check .
	$(BIN)/mypy
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet
	$(BIN)/python -m pytest -n auto

fuzz: $(BIN)/visitsim
	HYPOTHESIS_PROFILE=explore $(BIN)/python -m pytest -n auto

lint: $(BIN)/visitsim
	$(BIN)/ruff check .

docs: $(BIN)/visitsim
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

bench: $(BIN)/visitsim
	$(BIN)/python bench/bench_replications.py

clean:
	rm -rf $(VENV) build site *.egg-info
