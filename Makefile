# Two commands do everything on a fresh machine with Python 3.11:
#   make run    build the warehouse from the bundled sample (or RAW_DIR=/path) and print what was built
#   make test   the test suite (7.5 to 9 min on 2 cores once .venv exists): ruff, dbt build (data + unit tests), sqlfluff lint, pytest;
#               CI then runs make test-e2e and make test-spark (the whole-pipeline scenarios, D117, D118)
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
# sqlfluff compiles the models (their macros read the raw tables' columns) against a copy of it
LINT_DB := $(CURDIR)/warehouse/lint/lint.duckdb
LINT_TARGET := $(CURDIR)/warehouse/lint/target
# test files run in parallel, each in one worker (module fixtures build their data sets once)
PYTEST_WORKERS ?= 3
# DuckDB 1.x readers (what BI drivers bundle), one folder each, for tests/python/test_serving_readers.py:
# the serving file must open in all of them (docs/decisions.md, D60). Installed once, kept until make clean.
export SALES_KPIS_BI_READERS ?= $(CURDIR)/warehouse/bi-readers
BI_READERS := duckdb-1.1.3 duckdb-1.4.4 duckdb-cli-1.5.6
# make bench: data scale factor (SF1 is about 10 M raw rows); results go to warehouse/bench/
SCALE ?= 0.1

.PHONY: help venv run test test-e2e test-spark lint ruff sqlfluff pytest dbt-test docs dashboard semantic bench clean bi-readers

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

venv: $(BIN)/.installed ## create .venv from the pinned requirements (once)

# duckdb-1.4.4 -> pip install duckdb==1.4.4 (+ pytz, which old duckdb needs for time zones) into its folder
$(SALES_KPIS_BI_READERS)/%/.installed: | $(BIN)/.installed
	rm -rf $(@D)
	pkg='$*'; $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
		--target $(@D) "$${pkg%-*}==$${pkg##*-}" pytz==2026.6
	@touch $@

bi-readers: $(BI_READERS:%=$(SALES_KPIS_BI_READERS)/%/.installed) ## install the DuckDB 1.x readers (1.1.3, 1.4.4, CLI 1.5.6) the serving tests use

run: venv ## load RAW_DIR (default: the sample), build, test, publish; print a summary and the dashboard's path
	$(BIN)/python -m scripts.pipeline run --raw-dir $(RAW_DIR) $(if $(AS_OF),--as-of $(AS_OF))

dashboard: venv ## rebuild the dashboard of the served data (warehouse/serving/dashboard/)
	$(BIN)/python -m scripts.pipeline dashboard

semantic: venv ## check the MetricFlow semantic layer against the served file, read-only (mf validate-configs)
	$(BIN)/dbt parse --target serving --quiet
	SALES_KPIS_TARGET=serving $(BIN)/mf validate-configs

test: venv ruff dbt-test ## the suite CI runs first (7.5 to 9 min once .venv exists): ruff, the sample build, then sqlfluff beside pytest
	@# sqlfluff lints a copy of the sample build with a target folder of its own, so it can run beside pytest
	@# and use the CPU pytest leaves idle while its files wait on dbt and PostgreSQL processes
	$(MAKE) --no-print-directory -j2 sqlfluff pytest

ruff: venv ## lint Python
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

dbt-test: venv ## dbt build on the sample into warehouse/test.duckdb: models, data tests, unit tests
	SALES_KPIS_DUCKDB_PATH=$(TEST_DB) $(BIN)/python -m scripts.build_warehouse --raw-dir seeds/sample_crm

sqlfluff: venv ## lint SQL (dbt templater, duckdb dialect; compiles against a copy of the sample build)
	@mkdir -p $(dir $(LINT_DB)); if [ -f $(TEST_DB) ]; then cp $(TEST_DB) $(LINT_DB); fi
	SALES_KPIS_DUCKDB_PATH=$(LINT_DB) DBT_TARGET_PATH=$(LINT_TARGET) DBT_LOG_PATH=$(LINT_TARGET) \
		$(BIN)/sqlfluff lint models analyses tests --processes 2
	@# the CRM adapters are enabled only in their CRM's build: each folder is linted compiled as one
	for crm in salesforce hubspot; do \
		SALES_KPIS_DUCKDB_PATH=$(LINT_DB) DBT_TARGET_PATH=$(LINT_TARGET) DBT_LOG_PATH=$(LINT_TARGET) \
			$(BIN)/sqlfluff lint models/adapters/$$crm --config models/adapters/$$crm/sqlfluff.cfg || exit 1; \
	done

pytest: venv bi-readers ## Python tests but the whole-pipeline scenarios (PYTEST_WORKERS processes, one file each)
	$(BIN)/pytest -m "not e2e" -n $(PYTEST_WORKERS) --dist loadfile --durations=15

test-e2e: venv ## the whole-pipeline scenarios (CI runs them after make test; 12 min idle): kills, CRM shapes, CRM only, PostgreSQL, backfill
	$(BIN)/pytest -m e2e -n $(PYTEST_WORKERS) --dist loadfile --durations=15

test-spark: venv ## the Spark tests (CI runs them after make test-e2e; about 35 min idle): local Spark pipeline with every data and unit test, rollback, three-engine equality
	SALES_KPIS_SPARK_TESTS=1 $(BIN)/pytest tests/python/test_spark_pipeline.py tests/python/test_cross_engine.py --durations=5

docs: venv ## the dbt docs site, one file that opens offline: target/static_index.html (lineage to exposures)
	$(BIN)/dbt docs generate --static
	@echo "docs site: $(CURDIR)/target/static_index.html (or: $(BIN)/dbt docs serve)"

bench: venv ## benchmark the nightly pipeline at SCALE (default 0.1; SF1 = 10 M rows); not part of make test
	$(BIN)/python -m scripts.benchmark --scale $(SCALE) --json warehouse/bench/sf$(SCALE).json

clean: ## remove build artefacts and local warehouses (keeps .venv)
	rm -rf target logs warehouse
