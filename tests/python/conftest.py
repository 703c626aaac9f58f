"""Test order: the files that build data sets with dbt first.

`make test` runs the files on three workers (PYTEST_WORKERS), a whole file per worker (`--dist loadfile`),
handed out in collection order. Starting the long files first keeps one worker from finishing a long build
alone at the end while the others sit idle (measured: the last minute of the run was one worker's backfill
build).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from pg_cluster import Cluster, running_cluster

# pyspark (dbt-spark) is installed, and great-expectations imports its Connect module, whose dependency check
# takes a __main__ without __spec__ and __file__ for a doctest run and calls sys.exit(0): a pytest-xdist
# worker's __main__ is such a module, so validating in-process there ended the test. Give it a file name.
_main = sys.modules["__main__"]
if getattr(_main, "__spec__", None) is None and not hasattr(_main, "__file__"):
    _main.__file__ = "<pytest-xdist worker>"

# the files that run dbt or the pipeline, longest first (measured with --durations)
LONGEST_FIRST = (
    "test_spark_pipeline.py",  # the Spark scenario (spark_fixtures.py), shared with the cross-engine test
    "test_pipeline_e2e.py",
    "test_crm_adapters.py",
    "test_cross_engine.py",
    "test_postgres_pipeline.py",
    "test_crm_only.py",
    "test_bad_input_catalog.py",
    "test_staging_runs.py",
    "test_backfill_as_of.py",
    "test_damaged_files.py",
    "test_semantic_layer.py",
    "test_docs_coverage.py",
    "test_dashboard_browser.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order inside a file, and of the other files, is kept


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """A private PostgreSQL cluster for this test process (tests/python/pg_cluster.py), stopped at the end."""
    with running_cluster() as cluster:
        yield cluster
