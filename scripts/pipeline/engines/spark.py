"""Apache Spark: the pipeline's load, validate, publish, rollback and status in a Spark warehouse.

dbt-spark builds raw -> staging -> intermediate -> marts in the databases the models name (the "build"
side: nothing but the pipeline reads them). Publish is write-audit-publish:
  write    every served relation (KPI views, facts, dimensions, data-quality tables) is copied as a Parquet
           table into a fresh versioned database `<serving>__v<run id>`, with `pipeline_version`,
           `pipeline_published_tables` (rows and checksum per table) and `pipeline_runs` (run history);
           a versioned database is never written again: it is an immutable snapshot;
  audit    every copy's row count, and each table's checksum, are compared with the build's;
  publish  the serving database `<serving>` holds one view per served relation; each is repointed to the
           new versioned database (`create or replace view`), data views first and `pipeline_version`
           last; views of relations the new version no longer has are dropped.
What a reader sees during the switch (a few seconds, one metastore call per view): each view switches
atomically (a query resolves a view once, when it is analysed, so a running query finishes on the version
it started with; the old version's files stay until it is pruned), but the views switch one after the
other, so two queries made during the switch may see two versions. `pipeline_version` switches last:
when it shows run N, every view serves run N. A reader that needs several queries on one version reads
`<serving>.pipeline_version` and then queries `<serving>__v<run id>` (immutable) directly. Spark has no
transactional DDL over several tables (no schema rename, no multi-table commit in the Hive metastore), so
all-at-once switching of every view is not available; the rule above is the guarantee.
Rollback repoints the views to an archived version the same way. Archives beyond
SALES_KPIS_KEEP_VERSIONS are dropped.

Session: scripts/spark/session.py (profiles.yml's `spark` output). The Derby metastore of local Spark
admits one JVM, so the session is stopped before dbt runs (`release`); a cluster metastore has no such
limit. Serving database: SALES_KPIS_SPARK_SERVING_SCHEMA (default sales_kpis).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from scripts.load_raw import LoadError, LoadReport
from scripts.pipeline.checks import CheckedModel, Relation
from scripts.pipeline.engines.base import EngineError, PublishInfo, pick_archive
from scripts.pipeline.validate import ValidationReport, validate_build

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger("pipeline.spark")

ENV_SERVING_SCHEMA = "SALES_KPIS_SPARK_SERVING_SCHEMA"
DEFAULT_SERVING_SCHEMA = "sales_kpis"
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,39}")
NAME = re.compile(r"[a-z_][a-z0-9_]{0,127}")
RUN_ID = re.compile(r"[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}")
VERSION_TABLE = "pipeline_version"
TABLES_TABLE = "pipeline_published_tables"
RUNS_TABLE = "pipeline_runs"
META_TABLES = (TABLES_TABLE, RUNS_TABLE, VERSION_TABLE)  # pipeline_version switches last


def _identifier(text: str, what: str) -> str:
    if not IDENTIFIER.fullmatch(text):
        raise EngineError(f"invalid {what} {text!r}: lower-case letters, digits, underscores, at most 40")
    return text


def q(*parts: str) -> str:
    """A checked Spark name, each part quoted with backticks."""
    for part in parts:
        if not NAME.fullmatch(part):
            raise EngineError(f"unexpected Spark name {part!r}")
    return ".".join(f"`{p}`" for p in parts)


def archive_database(serving: str, run_id: str) -> str:
    """The versioned database of a run: sales_kpis__v20261201t120000z_1a2b3c."""
    if not RUN_ID.fullmatch(run_id):
        raise EngineError(f"not a run id: {run_id!r}")
    return f"{serving}__v{run_id.lower().replace('-', '_')}"


def checksum_sql(relation: str) -> str:
    """Rows and an order-independent checksum (sum of the 64-bit hashes of the rows) of a relation."""
    return (
        "select count(*) as row_count, "
        "cast(coalesce(sum(cast(xxhash64(*) as decimal(38, 0))), 0) as string) as checksum "
        f"from {relation}"
    )


@dataclass
class SparkEngine:
    serving: str = DEFAULT_SERVING_SCHEMA
    name: str = "spark"

    @classmethod
    def from_env(cls, state_dir: Path | None = None) -> SparkEngine:
        serving = _identifier(os.environ.get(ENV_SERVING_SCHEMA, DEFAULT_SERVING_SCHEMA), "serving database")
        return cls(serving)

    def describe(self) -> str:
        from scripts.spark.session import spark_dir

        return f"spark warehouse {spark_dir()} database {self.serving}"

    # ---- the session ---------------------------------------------------------------------------------

    def spark(self) -> SparkSession:
        from scripts.spark.session import get_session

        try:
            return get_session()
        except Exception as exc:  # a JVM that does not start, a metastore held by another JVM
            raise EngineError(f"cannot start the local Spark session ({self.describe()}): {exc}") from exc

    def release(self) -> None:
        """Stop the session and its JVM: the local Derby metastore admits one JVM, and dbt starts one."""
        from scripts.spark.session import stop_session

        stop_session()

    def _sql(self, statement: str) -> list[Any]:
        from pyspark.errors import PySparkException

        try:
            return self.spark().sql(statement).collect()
        except PySparkException as exc:
            raise EngineError(f"Spark: {exc}") from exc

    # ---- load and build ------------------------------------------------------------------------------

    def load(self, raw_dir: Path, schema: str, **options: Any) -> LoadReport:
        from scripts.spark.load_raw import load_directory_spark

        try:
            return load_directory_spark(self.spark(), raw_dir, schema, **options)
        except LoadError:
            raise
        finally:
            self.release()

    def raw_tables(self, schema: str) -> list[str]:
        try:
            return sorted(r[1] for r in self._sql(f"show tables in {q(schema)}") if not r[2])
        except EngineError:
            return []
        finally:
            self.release()

    def built_relations(self) -> set[tuple[str, str]]:
        found = set()
        for (database,) in self._sql("show databases"):
            if database.startswith(self.serving):
                continue
            for row in self._sql(f"show tables in {q(database)}"):
                if not row[2]:  # not a temporary view
                    found.add((database, row[1]))
        return found

    def validate(
        self,
        models: list[CheckedModel],
        results_file: Path | None = None,
        on_suite_done: Callable[[str], None] | None = None,
    ) -> ValidationReport:
        """The same great-expectations suites as on DuckDB (validate.py, pandas data frames): every checked
        relation and every input a check counts is read from Spark (as Arrow) into a scratch DuckDB file,
        which validate_build then reads. The KPI views are computed by Spark; DuckDB only holds the result."""
        spark = self.spark()
        present = self.built_relations()
        relations: dict[tuple[str, str], Relation] = {}
        for model in models:
            for relation in (model.relation, *(r for r, _ in model.inputs)):
                relations[(relation.schema, relation.identifier)] = relation
        with tempfile.TemporaryDirectory(prefix="sales_kpis_spark_validate_") as tmp:
            scratch = Path(tmp) / "spark_build.duckdb"
            with duckdb.connect(str(scratch)) as con:
                con.execute("set TimeZone = 'UTC'")
                for key, relation in sorted(relations.items()):
                    if key not in present:
                        continue
                    arrow = spark.table(q(relation.schema, relation.identifier)).toArrow()
                    con.execute(f'create schema if not exists "{relation.schema}"')
                    con.register("spark_frame", arrow)
                    con.execute(f"create table {relation.sql} as select * from spark_frame")
                    con.unregister("spark_frame")
            return validate_build(scratch, models, results_file, on_suite_done)

    # ---- publish, rollback, versions -----------------------------------------------------------------

    def publish(
        self, relations: list[Relation], version: dict[str, Any], history: list[dict[str, Any]]
    ) -> PublishInfo:
        run_id = str(version["run_id"])
        target = archive_database(self.serving, run_id)
        info = PublishInfo(run_id=run_id, location=self.describe())
        # write: the new version in its own database
        self._sql(f"drop database if exists {q(target)} cascade")
        self._sql(f"create database {q(target)}")
        for relation in relations:
            source = q(relation.schema, relation.identifier)
            copy = q(target, relation.identifier)
            self._sql(f"create table {copy} using parquet as select * from {source}")
            # audit: the copy holds exactly the build's rows. A table's checksum must match; a view is
            # computed again when read, and Spark may sum floating-point values in another order, so a
            # view's copy is checked on its row count (its checksum is recorded from the copy)
            (built,) = self._sql(checksum_sql(source))
            (copied,) = self._sql(checksum_sql(copy))
            same = built[0] == copied[0] and (relation.materialized == "view" or built[1] == copied[1])
            if not same:
                raise EngineError(
                    f"publish audit failed for {relation.label}: build {tuple(built)}, copy {tuple(copied)}; "
                    "nothing was switched, the previous version is still served"
                )
            info.row_counts[relation.label] = int(copied[0])
            info.checksums[relation.label] = str(copied[1])
        self._write_version(target, version, history, info)
        before = self._switch(target, [r.identifier for r in relations])
        log.info(
            "published %d tables: %s now serves run %s (was %s)",
            len(relations),
            self.describe(),
            run_id,
            before,
        )
        return info

    def _write_version(
        self, database: str, version: dict[str, Any], history: list[dict[str, Any]], info: PublishInfo
    ) -> None:
        from pyspark.sql import types as st

        spark = self.spark()
        version_row = [
            (
                str(version["run_id"]),
                str(version.get("as_of_date") or "") or None,
                str(version.get("published_at") or "") or None,
                version.get("mode"),
                version.get("raw_source"),
                version.get("dbt_target"),
                len(info.row_counts),
            )
        ]
        text = st.StringType()
        frames = {
            VERSION_TABLE: spark.createDataFrame(
                version_row,
                st.StructType(
                    [
                        st.StructField(n, t)
                        for n, t in [
                            ("run_id", text),
                            ("as_of_date", text),
                            ("published_at", text),
                            ("mode", text),
                            ("raw_source", text),
                            ("dbt_target", text),
                            ("table_count", st.IntegerType()),
                        ]
                    ]
                ),
            ),
            TABLES_TABLE: spark.createDataFrame(
                [(label, info.row_counts[label], info.checksums[label]) for label in info.row_counts],
                "table_name string, row_count bigint, checksum string",
            ),
            RUNS_TABLE: spark.createDataFrame(
                [(str(r.get("run_id")), json.dumps(r, default=str)) for r in history],
                "run_id string, record string",
            ),
        }
        for table, frame in frames.items():
            frame.write.format("parquet").saveAsTable(f"{database}.{table}")
        for statement in (
            f"select cast(as_of_date as date) from {q(database, VERSION_TABLE)}",
            f"select cast(published_at as timestamp) from {q(database, VERSION_TABLE)}",
        ):
            self._sql(statement)  # the version row's dates parse

    def _switch(self, database: str, identifiers: list[str]) -> str | None:
        """Repoint every view of the serving database to `database`, pipeline_version last; drop views of
        relations `database` does not hold. Returns the run id served before (None if nothing was)."""
        before = self._version_in(self.serving)
        if (
            before is None
            and self._database_exists(self.serving)
            and self._sql(f"show tables in {q(self.serving)}")
        ):
            raise EngineError(
                f"database {self.serving} exists but holds no {VERSION_TABLE}: not published by this "
                "pipeline, left alone (set SALES_KPIS_SPARK_SERVING_SCHEMA to another name)"
            )
        self._sql(f"create database if not exists {q(self.serving)}")
        existing = {r[1] for r in self._sql(f"show tables in {q(self.serving)}") if not r[2]}
        for identifier in [*identifiers, *META_TABLES[:-1]]:
            self._sql(
                f"create or replace view {q(self.serving, identifier)} as "
                f"select * from {q(database, identifier)}"
            )
        for stale in sorted(existing - set(identifiers) - set(META_TABLES)):
            self._sql(f"drop view if exists {q(self.serving, stale)}")
        self._sql(
            f"create or replace view {q(self.serving, VERSION_TABLE)} as "
            f"select * from {q(database, VERSION_TABLE)}"
        )
        return before["run_id"] if before else None

    def _database_exists(self, database: str) -> bool:
        return bool(self.spark().catalog.databaseExists(database))

    def _version_in(self, database: str) -> dict[str, Any] | None:
        spark = self.spark()
        if not spark.catalog.databaseExists(database) or not spark.catalog.tableExists(
            f"{database}.{VERSION_TABLE}"
        ):
            return None
        rows = self._sql(
            f"select run_id, as_of_date, published_at, table_count from {q(database, VERSION_TABLE)}"
        )
        if not rows:
            return None
        version = rows[0].asDict()  # stored as ISO text; typed as the other engines return them
        if version["as_of_date"]:
            version["as_of_date"] = dt.date.fromisoformat(version["as_of_date"])
        if version["published_at"]:
            version["published_at"] = dt.datetime.fromisoformat(version["published_at"])
        return version

    def served_version(self) -> dict[str, Any] | None:
        return self._version_in(self.serving)

    def _archives(self) -> list[tuple[str, str, str]]:
        """(database, run_id, published_at) of every versioned database but the served one, newest first."""
        served = self.served_version()
        prefix = f"{self.serving}__v"
        found = []
        for (database,) in self._sql("show databases"):
            if not database.startswith(prefix):
                continue
            version = self._version_in(database)
            if version and (served is None or version["run_id"] != served["run_id"]):
                found.append((database, version["run_id"], str(version["published_at"])))
        return sorted(found, key=lambda v: v[2], reverse=True)

    def versions(self) -> list[str]:
        return [run_id for _, run_id, _ in self._archives()]

    def rollback(self, to: str | None) -> tuple[str | None, str]:
        database, run_id = pick_archive(self._archives(), to, self.describe())
        identifiers = [
            r[1] for r in self._sql(f"show tables in {q(database)}") if not r[2] and r[1] not in META_TABLES
        ]
        before = self._switch(database, identifiers)
        log.info("rolled back: %s serves run %s (was %s)", self.describe(), run_id, before)
        return before, run_id

    def prune(self, keep: int, protect: set[str]) -> list[str]:
        dropped = []
        for database, run_id, _ in self._archives()[keep:]:
            if run_id in protect:
                continue
            self._sql(f"drop database {q(database)} cascade")
            dropped.append(run_id)
        if dropped:
            log.info("dropped archived versions beyond the newest %d: %s", keep, ", ".join(dropped))
        return dropped
