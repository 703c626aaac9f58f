"""Publish and rollback while another process holds the serving file open (a BI tool), through the CLI.

Read-write holder: `publish` and `rollback` exit 8 with a message naming the serving file and the holder,
and the previous version stays served and intact (its tables match their published checksums), Parquet
included. Read-only holder: publish works as before; the holder keeps its version, new readers get the new.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from serving_fixtures import (
    RUNS,
    do_publish,
    make_build,
    make_paths,
    manifest,
    mark_build_complete,
    served_tables_intact,
)

from scripts.pipeline import publish, serving_parquet
from scripts.pipeline.checks import served_relations
from scripts.pipeline.config import ExitCode, Paths

pytestmark = pytest.mark.timeout(300)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
A, B = RUNS[0], RUNS[1]

HOLDER = """
import sys, time
from pathlib import Path
import duckdb

con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
print(con.execute("select run_id from pipeline.version").fetchone()[0], flush=True)
go = Path(sys.argv[3])
while not go.exists():
    time.sleep(0.02)
print(con.execute("select run_id from pipeline.version").fetchone()[0], flush=True)
"""


class Holder:
    """Another process with the serving file open (read-only or read-write) until release()."""

    def __init__(self, serving: Path, mode: str, go: Path) -> None:
        self.go = go
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(serving), mode, str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.first_read = self.proc.stdout.readline().strip()
        assert self.first_read, self.proc.stderr.read()

    def release(self) -> str:
        """Let the holder read once more on its open connection, then exit; that second read."""
        self.go.touch()
        out, err = self.proc.communicate(timeout=60)
        assert self.proc.returncode == 0, err
        return out.strip()


def install(root: Path) -> Paths:
    """A, then B published; B's build complete, so `publish` can run."""
    paths = make_paths(root, keep_versions=3)
    make_build(paths)
    do_publish(paths, A)
    make_build(paths, revenue=("1.00", "2.00", "3.00"))
    do_publish(paths, B)
    mark_build_complete(paths, B)
    return paths


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """Shared by the read-write holder tests, which must all leave it as it was."""
    return install(tmp_path_factory.mktemp("wh"))


def cli(paths: Paths, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALES_KPIS_", "DBT_"))}
    env |= {
        "SALES_KPIS_DUCKDB_PATH": str(paths.build_db),
        "SALES_KPIS_SERVING_PATH": str(paths.serving_db),
        "SALES_KPIS_STATE_DIR": str(paths.state_dir),
        "DBT_TARGET_PATH": str(paths.target_dir),
        "GX_ANALYTICS_ENABLED": "false",
    }
    return subprocess.run(
        [sys.executable, "-m", "scripts.pipeline", *args, "-q"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


@pytest.fixture
def writer(installed: Paths, tmp_path: Path) -> Iterator[Holder]:
    holder = Holder(installed.serving_db, "rw", tmp_path / "go")  # tmp_path: one per test
    yield holder
    if holder.proc.poll() is None:
        holder.release()


def last_record(paths: Paths) -> dict[str, object]:
    records = [json.loads(p.read_text()) for p in (paths.state_dir / "runs").glob("*Z-??????.json")]
    return max(records, key=lambda r: r["started_at"])  # run ids of one second sort by their random part


def assert_b_still_served_and_intact(paths: Paths) -> None:
    assert served_tables_intact(paths.serving_db) == (B, True)
    assert publish.archived_versions(paths) == [A, B]
    root = serving_parquet.parquet_root(paths.serving_db)
    assert serving_parquet.current_version(root) == B
    assert serving_parquet.exported_versions(root) == [A, B]


@pytest.mark.parametrize("command", [("publish",), ("rollback",), ("rollback", "--to", A)])
def test_a_read_write_holder_makes_publish_and_rollback_exit_8_naming_it(
    installed: Paths, writer: Holder, command: tuple[str, ...]
) -> None:
    result = cli(installed, *command)
    assert result.returncode == ExitCode.PUBLISH_FAILED == 8, result.stderr
    assert "Traceback" not in result.stderr
    assert f"the serving file {installed.serving_db} is open read-write in another process" in result.stderr
    assert f"(PID {writer.proc.pid})" in result.stderr
    assert "still served" in result.stderr or "unchanged" in result.stderr
    record = last_record(installed)
    assert (
        record["command"] == command[0] and record["exit_code"] == 8 and "open read-write" in record["error"]
    )
    assert writer.release() == B  # the holder was not disturbed
    assert_b_still_served_and_intact(installed)


def test_a_writer_arriving_just_before_the_replace_is_refused_too(installed: Paths, tmp_path: Path) -> None:
    """The guard holds through the replace: the early check passed, then a BI tool opened read-write."""
    holders: list[Holder] = []

    def pause(point: str) -> None:
        if point == "publish_replace":
            holders.append(Holder(installed.serving_db, "rw", tmp_path / "go"))

    version = {"run_id": RUNS[2], "as_of_date": "2026-11-15", "published_at": "2026-11-18T01:00:00+00:00"}
    with pytest.raises(publish.PublishError, match="open read-write in another process") as caught:
        publish.publish(installed, served_relations(manifest()), version, [], {}, pause)
    assert str(installed.serving_db) in str(caught.value)
    assert holders and holders[0].release() == B
    assert_b_still_served_and_intact(installed)  # nothing of the refused version is left as a target
    assert not list(installed.serving_db.parent.glob(".*.tmp"))


def test_publish_under_a_read_only_reader_works_and_the_reader_keeps_its_version(tmp_path: Path) -> None:
    installed = install(tmp_path / "wh")
    reader = Holder(installed.serving_db, "ro", tmp_path / "go")
    assert reader.first_read == B
    make_build(installed, revenue=("7.00", "8.00", "9.00"))
    result = cli(installed, "publish")
    assert result.returncode == 0, result.stderr
    new = last_record(installed)["run_id"]
    assert served_tables_intact(installed.serving_db) == (new, True)  # a new connection sees the new version
    assert reader.release() == B  # the open connection keeps the file it opened
    root = serving_parquet.parquet_root(installed.serving_db)
    assert serving_parquet.current_version(root) == new


def test_a_process_keeps_its_version_until_all_its_connections_close_while_parquet_views_follow(
    tmp_path: Path,
) -> None:
    """What docs/operations.md tells BI users: a new connection opened while another one to the same file
    is still open in the process gets the same (old) database; views over `current/` Parquet in an
    in-memory DuckDB see each new version on the same connection."""
    paths = install(tmp_path / "wh")
    current = serving_parquet.parquet_root(paths.serving_db) / "current" / "marts" / "fct_sales.parquet"
    views = duckdb.connect(":memory:")
    views.execute(f"create view fct_sales as select * from read_parquet('{current}')")
    first = duckdb.connect(str(paths.serving_db), read_only=True)
    total = "select sum(revenue)::varchar from marts.fct_sales"
    assert first.execute(total).fetchone()[0] == "6.00"  # B
    assert views.execute("select sum(revenue)::varchar from fct_sales").fetchone()[0] == "6.00"
    result = cli(paths, "rollback", "--to", A)
    assert result.returncode == 0, result.stderr
    second = duckdb.connect(str(paths.serving_db), read_only=True)  # `first` is still open
    assert second.execute(total).fetchone()[0] == "6.00"  # still B
    assert views.execute("select sum(revenue)::varchar from fct_sales").fetchone()[0] == "600.75"  # A
    first.close()
    second.close()
    with duckdb.connect(str(paths.serving_db), read_only=True) as third:
        assert third.execute(total).fetchone()[0] == "600.75"  # every connection closed: A
    views.close()


def test_status_names_a_read_write_holder_instead_of_saying_nothing_is_served(
    installed: Paths, writer: Holder
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scripts.pipeline", "status"],
        cwd=PROJECT_ROOT,
        env={
            **os.environ,
            "SALES_KPIS_SERVING_PATH": str(installed.serving_db),
            "SALES_KPIS_STATE_DIR": str(installed.state_dir),
            "SALES_KPIS_DUCKDB_PATH": str(installed.build_db),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("Cannot read the serving file") and f"(PID {writer.proc.pid})" in first
    assert "Nothing served yet" not in result.stdout
