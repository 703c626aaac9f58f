"""Run two compilations of the staging base models on the same data: same rows? how much CPU each?

    python -m scripts.compare_staging_sql --database /tmp/x/build.duckdb \
        --before /tmp/main-target/compiled/sales_kpis/models/staging/crm/base \
        --after target/compiled/sales_kpis/models/staging/crm/base

Both directories hold compiled `base_crm__*.sql` files (`dbt compile --select path:models/staging/crm/base
--target-path DIR` on two branches, against the same database: the compiled SQL depends on the raw column
types). The database (a built warehouse: raw tables, seeds and the stg_crm__* views the orphan rules read)
is attached read-only under its own name, so the compiled SQL resolves; each model's SQL runs into an
in-memory table, timed (CPU seconds of this process, all DuckDB threads included, and wall seconds), and
the two results are compared with EXCEPT ALL both ways and by column names and types. Exit code 0 when
every model gives identical rows, 1 otherwise. Used for the rewrite of crm_typed_rows (docs/decisions.md,
D110) and its measurements (docs/staging_rules.md, "Cost").
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

LOG = logging.getLogger("compare_staging_sql")


@dataclass
class Run:
    cpu_s: float
    wall_s: float
    rows: int


@dataclass
class Comparison:
    model: str
    before: Run
    after: Run
    only_before: int
    only_after: int
    same_columns: bool

    @property
    def identical(self) -> bool:
        return self.same_columns and self.only_before == 0 and self.only_after == 0


def connect(database: Path, threads: int) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the build database attached read-only under its file stem (the
    catalog name dbt-duckdb compiles into the SQL), with the settings of the duckdb profile."""
    con = duckdb.connect(":memory:", config={"threads": threads})
    con.execute("set TimeZone = 'UTC'")
    con.execute("set disabled_optimizers = 'common_subexpressions'")
    stem = database.name.removesuffix(".duckdb")
    con.execute(f"attach '{_literal(str(database))}' as \"{_identifier(stem)}\" (read_only)")
    return con


def _literal(text: str) -> str:
    return text.replace("'", "''")


def _identifier(text: str) -> str:
    return text.replace('"', '""')


def materialise(con: duckdb.DuckDBPyConnection, table: str, sql: str, repeat: int) -> Run:
    """Run the SQL into memory.<table> `repeat` times; the fastest CPU time counts (the least noisy)."""
    best = None
    for _ in range(repeat):
        con.execute(f'drop table if exists memory.main."{table}"')
        cpu, wall = time.process_time(), time.perf_counter()
        con.execute(f'create table memory.main."{table}" as {sql}')
        run = Run(time.process_time() - cpu, time.perf_counter() - wall, 0)
        if best is None or run.cpu_s < best.cpu_s:
            best = run
    best.rows = con.execute(f'select count(*) from memory.main."{table}"').fetchone()[0]
    return best


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f'describe memory.main."{table}"').fetchall()]


def compare(
    con: duckdb.DuckDBPyConnection, model: str, before_sql: str, after_sql: str, repeat: int
) -> Comparison:
    before = materialise(con, "before", before_sql, repeat)
    after = materialise(con, "after", after_sql, repeat)
    same_columns = columns(con, "before") == columns(con, "after")
    only_before = only_after = -1
    if same_columns:
        (only_before,) = con.execute(
            "select count(*) from (from memory.main.before except all from memory.main.after)"
        ).fetchone()
        (only_after,) = con.execute(
            "select count(*) from (from memory.main.after except all from memory.main.before)"
        ).fetchone()
    return Comparison(model, before, after, only_before, only_after, same_columns)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.compare_staging_sql",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--database", type=Path, required=True, help="built DuckDB file (opened read-only)")
    parser.add_argument("--before", type=Path, required=True, help="directory of compiled base_crm__*.sql")
    parser.add_argument("--after", type=Path, required=True, help="directory of compiled base_crm__*.sql")
    parser.add_argument("--models", default="base_crm__*", help="file name pattern (default: base_crm__*)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each SQL; the fastest counts (default 1)"
    )
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (default 2)")
    args = parser.parse_args(argv)
    for directory in (args.before, args.after):
        if not directory.is_dir():
            parser.error(f"not a directory: {directory}")
    if not args.database.is_file():
        parser.error(f"no such database file: {args.database}")
    if args.repeat < 1 or args.threads < 1:
        parser.error("--repeat and --threads must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)-6s %(message)s")
    args = parse_args(argv)
    files = sorted(args.before.glob(f"{args.models}.sql"))
    if not files:
        LOG.error("no %s.sql in %s", args.models, args.before)
        return 1
    con = connect(args.database.resolve(), args.threads)
    results = []
    for path in files:
        after_path = args.after / path.name
        if not after_path.is_file():
            LOG.error("%s: missing in %s", path.name, args.after)
            return 1
        LOG.info("running %s", path.stem)
        results.append(compare(con, path.stem, path.read_text(), after_path.read_text(), args.repeat))
    header = f"{'model':40} {'rows':>10} {'cpu before':>11} {'cpu after':>10} {'ratio':>6}  identical"
    LOG.info(header)
    for r in results:
        ratio = r.after.cpu_s / r.before.cpu_s if r.before.cpu_s else float("nan")
        status = (
            "yes"
            if r.identical
            else f"NO (only before {r.only_before}, only after {r.only_after}, same columns {r.same_columns})"
        )
        cpu = f"{r.before.cpu_s:>11.3f} {r.after.cpu_s:>10.3f} {ratio:>6.2f}"
        LOG.info(f"{r.model:40} {r.before.rows:>10} {cpu}  {status}")
    total_before = sum(r.before.cpu_s for r in results)
    total_after = sum(r.after.cpu_s for r in results)
    LOG.info(
        f"{'total':40} {sum(r.before.rows for r in results):>10} {total_before:>11.3f} {total_after:>10.3f} "
        f"{total_after / total_before if total_before else float('nan'):>6.2f}"
    )
    return 0 if all(r.identical for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
