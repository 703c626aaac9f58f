"""PostgreSQL: the pipeline's load, validate, publish, rollback and status inside one database.

dbt builds raw -> staging -> intermediate -> marts in the schemas the models name (the "build" side:
nothing but the pipeline reads them). Publish is write-audit-publish inside the database:
  write    every served relation (KPI views, facts, dimensions, data-quality tables) is copied as a plain
           table into a fresh schema `<serving>__next`, with the tables `pipeline_version`,
           `pipeline_published_tables` (rows and checksum per table) and `pipeline_runs` (run history);
           the reader role (if it exists) is granted USAGE on it and SELECT on its tables;
  audit    every copy's row count and checksum are compared with the build's;
  publish  ONE transaction renames the serving schema to an archive `<serving>__v<run id>` (revoking the
           reader's USAGE on it) and `<serving>__next` to the serving schema.
Renaming a schema touches no table, so readers never wait for it: a query running during the swap keeps
reading the tables it started with (the old version, complete), and every statement after the commit
resolves `<serving>.<table>` to the new version, also on pooled connections that stay open (PostgreSQL
re-plans cached statements when a name they used changes). Nothing refers to the build schemas, so the
next dbt build cannot break what is served. Rollback is the same swap with an archive. The archives are
pruned to the newest SALES_KPIS_KEEP_VERSIONS.

Connection: SALES_KPIS_PG_* variables (pg_connect.py). Serving schema: SALES_KPIS_PG_SERVING_SCHEMA
(default sales_kpis); reader role: SALES_KPIS_PG_READER_ROLE (default sales_kpis_reader; created by
`python -m scripts.pipeline.engines.pg_roles`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from scripts.load_raw import LoadReport
from scripts.pipeline.checks import CheckedModel, Relation
from scripts.pipeline.engines.base import EngineError, PublishInfo, pick_archive
from scripts.pipeline.engines.pg_connect import PgSettings
from scripts.pipeline.validate import ValidationReport

log = logging.getLogger("pipeline.postgres")

ENV_SERVING_SCHEMA = "SALES_KPIS_PG_SERVING_SCHEMA"
ENV_READER_ROLE = "SALES_KPIS_PG_READER_ROLE"
DEFAULT_SERVING_SCHEMA = "sales_kpis"
DEFAULT_READER_ROLE = "sales_kpis_reader"
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,39}")
RUN_ID = re.compile(r"[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}")
VERSION_TABLE = "pipeline_version"
TABLES_TABLE = "pipeline_published_tables"
RUNS_TABLE = "pipeline_runs"
# a swap waits at most this long for a lock (another DDL on the schemas), then fails and changes nothing
SWAP_LOCK_TIMEOUT = "5s"


def _identifier(text: str, what: str) -> str:
    if not IDENTIFIER.fullmatch(text):
        raise EngineError(f"invalid {what} {text!r}: lower-case letters, digits, underscores, at most 40")
    return text


def archive_schema(serving: str, run_id: str) -> str:
    """The archive schema of a version: sales_kpis__v20261201t120000z_1a2b3c."""
    if not RUN_ID.fullmatch(run_id):
        raise EngineError(f"not a run id: {run_id!r}")
    return f"{serving}__v{run_id.lower().replace('-', '_')}"


@dataclass
class PostgresEngine:
    settings: PgSettings
    serving: str = DEFAULT_SERVING_SCHEMA
    reader_role: str = DEFAULT_READER_ROLE
    name: str = "postgres"

    @classmethod
    def from_env(cls, state_dir: Path | None = None) -> PostgresEngine:
        try:
            settings = PgSettings.from_env()
        except ValueError as exc:
            raise EngineError(str(exc)) from exc
        serving = _identifier(os.environ.get(ENV_SERVING_SCHEMA, DEFAULT_SERVING_SCHEMA), "serving schema")
        role = _identifier(os.environ.get(ENV_READER_ROLE, DEFAULT_READER_ROLE), "reader role")
        return cls(settings, serving, role)

    @property
    def next_schema(self) -> str:
        return f"{self.serving}__next"

    def describe(self) -> str:
        return f"{self.settings.describe()} schema {self.serving}"

    def connect(self) -> psycopg.Connection:
        try:
            return self.settings.connect()
        except psycopg.Error as exc:
            raise EngineError(f"cannot connect to {self.settings.describe()}: {exc}") from exc

    # ---- load and build ------------------------------------------------------------------------------

    def load(self, raw_dir: Path, schema: str, **options: Any) -> LoadReport:
        from scripts.pipeline.engines.pg_load import load_to_postgres

        return load_to_postgres(raw_dir, self.settings, schema, **options)

    def raw_tables(self, schema: str) -> list[str]:
        with self.connect() as con:
            rows = con.execute(
                "select table_name from information_schema.tables where table_schema = %s order by 1",
                [schema],
            ).fetchall()
        return [r[0] for r in rows]

    def built_relations(self) -> set[tuple[str, str]]:
        with self.connect() as con:
            rows = con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema not in ('pg_catalog', 'information_schema')"
            ).fetchall()
        return {(r[0], r[1]) for r in rows}

    def validate(
        self,
        models: list[CheckedModel],
        results_file: Path | None = None,
        on_suite_done: Callable[[str], None] | None = None,
    ) -> ValidationReport:
        from scripts.pipeline.engines.pg_validate import validate_postgres

        return validate_postgres(self.settings, models, results_file, on_suite_done)

    # ---- publish, rollback, versions -----------------------------------------------------------------

    def publish(
        self, relations: list[Relation], version: dict[str, Any], history: list[dict[str, Any]]
    ) -> PublishInfo:
        run_id = str(version["run_id"])
        archive_schema(self.serving, run_id)  # validates the run id
        nxt = sql.Identifier(self.next_schema)
        info = PublishInfo(run_id=run_id, location=self.describe())
        try:
            with self.connect() as con:
                # write: the new version in its own schema, committed before anything is swapped
                con.execute(sql.SQL("drop schema if exists {} cascade").format(nxt))
                con.execute(sql.SQL("create schema {}").format(nxt))
                for relation in relations:
                    source = sql.Identifier(relation.schema, relation.identifier)
                    target = sql.Identifier(self.next_schema, relation.identifier)
                    con.execute(sql.SQL("create table {} as select * from {}").format(target, source))
                    rows, checksum = _checksum(con, target)
                    info.row_counts[relation.label] = rows
                    info.checksums[relation.label] = checksum
                self._write_version(con, version, history, info)
                self._grant(con, self.next_schema)
                con.commit()
                # publish: one transaction, two renames
                self._swap(con, self.next_schema)
        except psycopg.Error as exc:
            raise EngineError(
                f"publish to {self.describe()} failed, the previous version is still served: {exc}"
            ) from exc
        log.info("published %d tables: %s now serves run %s", len(relations), self.describe(), run_id)
        return info

    def _write_version(
        self,
        con: psycopg.Connection,
        version: dict[str, Any],
        history: list[dict[str, Any]],
        info: PublishInfo,
    ) -> None:
        schema = self.next_schema
        con.execute(
            sql.SQL(
                "create table {} (run_id text, as_of_date date, published_at timestamptz, mode text, "
                "raw_source text, dbt_target text, table_count integer)"
            ).format(sql.Identifier(schema, VERSION_TABLE))
        )
        con.execute(
            sql.SQL("insert into {} values (%s, %s, %s, %s, %s, %s, %s)").format(
                sql.Identifier(schema, VERSION_TABLE)
            ),
            [
                version["run_id"],
                version.get("as_of_date"),
                version.get("published_at"),
                version.get("mode"),
                version.get("raw_source"),
                version.get("dbt_target"),
                len(info.row_counts),
            ],
        )
        con.execute(
            sql.SQL("create table {} (table_name text, row_count bigint, checksum text)").format(
                sql.Identifier(schema, TABLES_TABLE)
            )
        )
        with con.cursor() as cur:
            cur.executemany(
                sql.SQL("insert into {} values (%s, %s, %s)").format(sql.Identifier(schema, TABLES_TABLE)),
                [(label, info.row_counts[label], info.checksums[label]) for label in info.row_counts],
            )
        # the run history as JSON rows (one per run): readers of the serving schema see what was published
        con.execute(
            sql.SQL("create table {} (run_id text, record jsonb)").format(sql.Identifier(schema, RUNS_TABLE))
        )
        with con.cursor() as cur:
            cur.executemany(
                sql.SQL("insert into {} values (%s, %s)").format(sql.Identifier(schema, RUNS_TABLE)),
                [(r.get("run_id"), json.dumps(r, default=str)) for r in history],
            )

    def _role_exists(self, con: psycopg.Connection) -> bool:
        return (
            con.execute("select 1 from pg_roles where rolname = %s", [self.reader_role]).fetchone()
            is not None
        )

    def _grant(self, con: psycopg.Connection, schema: str) -> None:
        """The reader role may read this schema's tables (grants live on the schema and its tables, so they
        move with a rename)."""
        if not self._role_exists(con):
            log.info(
                "role %s does not exist: no grants (docs/operations.md, read-only role)", self.reader_role
            )
            return
        role, target = sql.Identifier(self.reader_role), sql.Identifier(schema)
        con.execute(sql.SQL("grant usage on schema {} to {}").format(target, role))
        con.execute(sql.SQL("grant select on all tables in schema {} to {}").format(target, role))

    def _swap(self, con: psycopg.Connection, incoming: str) -> str | None:
        """In one transaction: the served schema becomes its archive, `incoming` becomes the served schema.
        Returns the run id that was served before (None if nothing was)."""
        serving = self.serving
        with con.transaction():
            con.execute(sql.SQL("set local lock_timeout = {}").format(sql.Literal(SWAP_LOCK_TIMEOUT)))
            before = self._version_in(con, serving)
            if before is not None:
                old = archive_schema(serving, before["run_id"])
                con.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(old)))
                con.execute(
                    sql.SQL("alter schema {} rename to {}").format(
                        sql.Identifier(serving), sql.Identifier(old)
                    )
                )
                if self._role_exists(con):
                    con.execute(
                        sql.SQL("revoke usage on schema {} from {}").format(
                            sql.Identifier(old), sql.Identifier(self.reader_role)
                        )
                    )
            elif self._schema_exists(con, serving):
                raise EngineError(
                    f"schema {serving} exists but holds no {VERSION_TABLE}: not published by this pipeline, "
                    "left alone (set SALES_KPIS_PG_SERVING_SCHEMA to another name)"
                )
            con.execute(
                sql.SQL("alter schema {} rename to {}").format(
                    sql.Identifier(incoming), sql.Identifier(serving)
                )
            )
            if self._role_exists(con):
                con.execute(
                    sql.SQL("grant usage on schema {} to {}").format(
                        sql.Identifier(serving), sql.Identifier(self.reader_role)
                    )
                )
        return before["run_id"] if before else None

    def _schema_exists(self, con: psycopg.Connection, schema: str) -> bool:
        return con.execute("select 1 from pg_namespace where nspname = %s", [schema]).fetchone() is not None

    def _version_in(self, con: psycopg.Connection, schema: str) -> dict[str, Any] | None:
        exists = con.execute(
            "select 1 from information_schema.tables where table_schema = %s and table_name = %s",
            [schema, VERSION_TABLE],
        ).fetchone()
        if not exists:
            return None
        with con.cursor(row_factory=dict_row) as cur:
            row = cur.execute(
                sql.SQL("select run_id, as_of_date, published_at, table_count from {}").format(
                    sql.Identifier(schema, VERSION_TABLE)
                )
            ).fetchone()
        return dict(row) if row else None

    def served_version(self) -> dict[str, Any] | None:
        try:
            with self.connect() as con:
                return self._version_in(con, self.serving)
        except psycopg.Error as exc:
            raise EngineError(f"cannot read {self.describe()}: {exc}") from exc

    def _archives(self, con: psycopg.Connection) -> list[tuple[str, str, dt.datetime]]:
        """(schema, run_id, published_at) of every archived version, newest first."""
        prefix = f"{self.serving}__v"
        schemas = [
            r[0]
            for r in con.execute(
                "select nspname from pg_namespace where left(nspname, %s) = %s", [len(prefix), prefix]
            ).fetchall()
        ]
        found = []
        for schema in schemas:
            version = self._version_in(con, schema)
            if version:
                found.append((schema, version["run_id"], version["published_at"]))
        return sorted(found, key=lambda v: v[2], reverse=True)

    def versions(self) -> list[str]:
        with self.connect() as con:
            return [run_id for _, run_id, _ in self._archives(con)]

    def rollback(self, to: str | None) -> tuple[str | None, str]:
        try:
            with self.connect() as con:
                schema, run_id = pick_archive(self._archives(con), to, self.settings.describe())
                self._grant(con, schema)
                con.commit()
                before = self._swap(con, schema)
        except psycopg.Error as exc:
            raise EngineError(f"rollback in {self.describe()} failed, nothing changed: {exc}") from exc
        log.info("rolled back: %s serves run %s (was %s)", self.describe(), run_id, before)
        return before, run_id

    def prune(self, keep: int, protect: set[str]) -> list[str]:
        dropped = []
        with self.connect() as con:
            for schema, run_id, _ in self._archives(con)[keep:]:
                if run_id in protect:
                    continue
                con.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(schema)))
                dropped.append(run_id)
            con.commit()
        if dropped:
            log.info("dropped archived versions beyond the newest %d: %s", keep, ", ".join(dropped))
        return dropped


def _checksum(con: psycopg.Connection, table: sql.Composable) -> tuple[int, str]:
    """Rows and an order-independent checksum of a relation's rows (md5 of the sorted row md5s)."""
    row = con.execute(
        sql.SQL(
            "select count(*), coalesce(md5(string_agg(h, '' order by h)), '') "
            "from (select md5(cast(t.* as text)) as h from {} as t) as hashes"
        ).format(table)
    ).fetchone()
    assert row is not None
    return int(row[0]), str(row[1])
