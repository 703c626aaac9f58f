# Two commands do everything on a fresh machine with Python 3.11:
#   make run    build the warehouse from the bundled sample (or RAW_DIR=/path) and print what was built
#   make test   the full test suite: dbt build (data + unit tests), pytest, sqlfluff lint, ruff
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
RAW_DIR ?= seeds/sample_crm
# The sample is a fixed snapshot: its as-of date comes with it (seeds/sample_crm/manifest.json).
AS_OF ?=

export DBT_PROFILES_DIR := $(CURDIR)
export SALES_KPIS_DUCKDB_PATH ?= $(CURDIR)/warehouse/build.duckdb
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
# make test builds into its own database, so it never touches what make run built
TEST_DB := $(CURDIR)/warehouse/test.duckdb
# test files run in parallel, each in one worker (module fixtures build their data sets once)
PYTEST_WORKERS ?= 2
# make bench: data scale factor (SF1 is about 10 M raw rows); results go to warehouse/bench/
SCALE ?= 0.1

.PHONY: help venv run test lint ruff sqlfluff pytest dbt-test docs bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

venv: $(BIN)/.installed ## create .venv from the pinned requirements (once)

run: venv ## load RAW_DIR (default: the sample), build and test the warehouse, print a summary
	$(BIN)/python -m scripts.pipeline run --raw-dir $(RAW_DIR) $(if $(AS_OF),--as-of $(AS_OF))

test: venv ruff dbt-test sqlfluff pytest ## the full suite (what CI runs)

ruff: venv ## lint Python
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

dbt-test: venv ## dbt build on the sample into warehouse/test.duckdb: models, data tests, unit tests
	SALES_KPIS_DUCKDB_PATH=$(TEST_DB) $(BIN)/python -m scripts.build_warehouse --raw-dir seeds/sample_crm

sqlfluff: venv ## lint SQL (dbt templater, duckdb dialect; compiles against the test database)
	SALES_KPIS_DUCKDB_PATH=$(TEST_DB) $(BIN)/sqlfluff lint models analyses tests --processes 2

pytest: venv ## Python tests, including the slow end-to-end ones (PYTEST_WORKERS processes, one file each)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

bench: venv ## benchmark the nightly pipeline at SCALE (default 0.1; SF1 = 10 M rows); not part of make test
	$(BIN)/python -m scripts.benchmark --scale $(SCALE) --json warehouse/bench/sf$(SCALE).json

docs: venv ## generate dbt docs into target/
	$(BIN)/dbt docs generate

clean: ## remove build artefacts and local warehouses (keeps .venv)
	rm -rf target logs warehouse
