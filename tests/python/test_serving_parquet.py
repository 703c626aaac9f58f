"""The Parquet publication on tiny builds (no dbt): versions follow the DuckDB archives (publish, prune,
rollback), interrupted exports and switches are cleaned up or finished by the next command."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from serving_fixtures import RUNS, do_publish, make_build, make_paths

from scripts.pipeline import publish, serving_parquet
from scripts.pipeline.config import Paths

pytestmark = pytest.mark.timeout(120)


def root_of(paths: Paths) -> Path:
    return serving_parquet.parquet_root(paths.serving_db)


def test_a_publish_writes_one_parquet_file_per_table_and_points_current_at_it(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    make_build(paths)
    do_publish(paths, RUNS[0])
    root = root_of(paths)
    folder = root / RUNS[0]
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.parquet"))
    assert files == [
        "intermediate/int_unmapped_labels.parquet",
        "marts/fct_sales.parquet",
        "marts/kpi_sales.parquet",
        "pipeline/published_tables.parquet",
        "pipeline/runs.parquet",
        "pipeline/version.parquet",
    ]
    assert (root / "current").is_symlink() and (root / "current").readlink() == Path(RUNS[0])
    assert (root / "CURRENT").read_text() == RUNS[0] + "\n"
    table = pq.read_table(root / "current" / "marts" / "kpi_sales.parquet")
    assert str(table.schema.field("revenue").type) == "decimal128(38, 2)"  # sum(decimal(18,2)), exact
    assert sorted(str(v) for v in table.column("revenue").to_pylist()) == ["100.50", "200.25", "300.00"]
    assert str(table.schema.field("deals").type) == "int64"
    manifest = json.loads((folder / "_version.json").read_text())
    assert manifest["tables"]["marts.fct_sales"] == {"file": "marts/fct_sales.parquet", "rows": 3}


def test_parquet_versions_are_pruned_with_the_duckdb_archives(tmp_path: Path) -> None:
    paths = make_paths(tmp_path, keep_versions=2)
    make_build(paths)
    for run_id in RUNS[:4]:
        do_publish(paths, run_id)
    publish.prune_versions(paths, paths.keep_versions, {RUNS[3]}, set(RUNS[:4]))
    assert publish.archived_versions(paths) == RUNS[2:4]
    assert serving_parquet.exported_versions(root_of(paths)) == RUNS[2:4]


def test_rollback_switches_parquet_and_re_exports_a_removed_version_from_its_archive(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    make_build(paths)
    do_publish(paths, RUNS[0])
    make_build(paths, revenue=("1.00",))
    do_publish(paths, RUNS[1])
    root = root_of(paths)
    serving_parquet.remove_version(root, RUNS[0])
    assert publish.rollback(paths, None) == (RUNS[1], RUNS[0])
    assert serving_parquet.current_version(root) == RUNS[0]
    rows = pq.read_table(root / "current" / "marts" / "fct_sales.parquet").num_rows
    assert rows == 3  # version RUNS[0] again, not RUNS[1]'s single row


def test_the_next_command_points_current_at_the_served_version_after_a_kill_between_the_switches(
    tmp_path: Path,
) -> None:
    paths = make_paths(tmp_path)
    make_build(paths)
    do_publish(paths, RUNS[0])
    do_publish(paths, RUNS[1])
    root = root_of(paths)
    serving_parquet.switch_current(root, RUNS[0])  # as if killed after the DuckDB replace
    (root / f".{RUNS[2]}.partial").mkdir()  # and an export that died half-way
    (root / f".current.{RUNS[2]}.tmp").symlink_to(RUNS[2])
    publish.recover_interrupted(paths)
    assert serving_parquet.current_version(root) == RUNS[1]
    assert sorted(p.name for p in root.iterdir()) == [RUNS[0], RUNS[1], "CURRENT", "current"]


def test_an_export_is_refused_when_the_file_holds_another_version(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    make_build(paths)
    do_publish(paths, RUNS[0])
    with pytest.raises(serving_parquet.ParquetExportError, match=f"holds version {RUNS[0]}, not {RUNS[1]}"):
        serving_parquet.export_version(paths.serving_db, tmp_path / "other", RUNS[1])
    assert not any((tmp_path / "other").iterdir())  # the partial folder is removed


def test_current_never_names_an_incomplete_folder(tmp_path: Path) -> None:
    root = tmp_path / "parquet"
    (root / RUNS[0]).mkdir(parents=True)  # no _version.json: not complete
    with pytest.raises(serving_parquet.ParquetExportError, match="not complete"):
        serving_parquet.switch_current(root, RUNS[0])
    assert serving_parquet.current_version(root) is None


def test_a_failed_publish_leaves_no_parquet_version_and_current_unchanged(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    make_build(paths)
    do_publish(paths, RUNS[0])
    with duckdb.connect(str(paths.build_db)) as con:
        con.execute("drop table marts.fct_sales")  # the KPI view now fails while the new file is written
    with pytest.raises(publish.PublishError, match="previous version is still served"):
        do_publish(paths, RUNS[1])
    root = root_of(paths)
    assert serving_parquet.exported_versions(root) == [RUNS[0]]
    assert serving_parquet.current_version(root) == RUNS[0]
    assert publish.archived_versions(paths) == [RUNS[0]]


def test_a_copied_current_folder_is_replaced_by_the_symlink(tmp_path: Path) -> None:
    """`cp -r` or copytree without symlinks turns `current` into a folder; the next switch repairs it."""
    paths = make_paths(tmp_path)
    make_build(paths)
    do_publish(paths, RUNS[0])
    root = root_of(paths)
    (root / "current").unlink()
    (root / "current" / "marts").mkdir(parents=True)
    do_publish(paths, RUNS[1])
    assert (root / "current").is_symlink() and serving_parquet.current_version(root) == RUNS[1]
