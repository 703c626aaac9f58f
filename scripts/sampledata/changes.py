"""The next night's export of a raw directory: about `share` of each table's rows, new or changed.

    python -m scripts.sampledata.changes --from seeds/sample_crm --out /tmp/night2 --share 0.01
    python -m scripts.pipeline run --incremental --raw-dir /tmp/night2

For every contract table with a one-column key (12 of the 16; sales expenses, marketing spend and stage
history, keyed by several columns, are left out; currency rates below),
the rows picked by a seeded hash of the key are written, in the base file's format and column types:
  - new records: copies of existing rows under a new key (`<key>-<tag>`). Their event dates are the
    copied row's, so in the event tables (activities, e-mail events) they are late-arriving rows;
  - updates of old ids (tables with updated_at): the same key with updated_at set to the new day;
  - soft deletes (tables with is_deleted and updated_at; activities, which have no updated_at, get a
    second version marked deleted): the same key with is_deleted true.
A new record of a child table points at the parent its copied row pointed at, so nothing is orphaned.
currency_rates gets what a daily export brings: the new day's rate of each currency (its latest rate,
dated the new day).
manifest.json carries the new day as the as-of date. The output is deterministic for the same inputs.
Used by the incremental benchmark (scripts/benchmark/incremental.py) and the incremental equality test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from scripts.contract import Table, load_contract
from scripts.rawfiles.paths import find_table_files

log = logging.getLogger("sampledata.changes")

MANIFEST = "manifest.json"
COLUMN_MAP = "column_map.yml"


@dataclass(frozen=True)
class TableChanges:
    """What was written for one table."""

    table: str
    base_rows: int
    new_rows: int
    updated_rows: int
    deleted_rows: int

    @property
    def rows(self) -> int:
        return self.new_rows + self.updated_rows + self.deleted_rows


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _reader(path: Path) -> str:
    if path.name.lower().endswith(".parquet"):
        return f"read_parquet({_literal(str(path))})"
    return f"read_csv({_literal(str(path))}, all_varchar = true, header = true)"


def _writer(path: Path) -> str:
    if path.name.lower().endswith(".parquet"):
        return "(format parquet)"
    return "(format csv, header true)"


def _value(column_type: str, text: str) -> str:
    """A SQL literal of the column's type (text columns get the ISO text)."""
    return f"cast({_literal(text)} as {column_type})"


def table_changes(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    source: Path,
    target: Path,
    share: float,
    tag: str,
    day: dt.date,
) -> TableChanges | None:
    """Write the changed rows of one table's file to `target` (same format), or None when left out."""
    if len(table.key) != 1:
        return None
    key = table.key[0]
    reader = _reader(source)
    types = dict(
        con.execute(f"select column_name, column_type from (describe select * from {reader})").fetchall()
    )
    if key not in types:
        log.warning("%s: no column %s in the file (a mapped header?); left out", source.name, key)
        return None
    base_rows = con.execute(f"select count(*) from {reader}").fetchone()[0]
    picked = max(1, round(base_rows * share)) if base_rows else 0
    has_updated, has_deleted = "updated_at" in types, "is_deleted" in types
    deleted = picked // 4 if has_deleted else 0
    new = picked // 2 if has_updated else picked - deleted
    updated = picked - new - deleted if has_updated else 0
    stamp = f"{day.isoformat()} 03:00:00"
    replace_updated = f", {_value(types['updated_at'], stamp)} as updated_at" if has_updated else ""
    parts = [
        # new records: a new key, the rest copied (event dates included: late rows in event tables)
        f"select * replace (cast({_quote(key)} || {_literal('-' + tag)} as {types[key]}) as {_quote(key)}"
        f"{replace_updated}) from ranked where pick < {new}"
    ]
    if updated:
        parts.append(
            f"select * replace ({replace_updated.lstrip(', ')}) from ranked "
            f"where pick >= {new} and pick < {new + updated}"
        )
    if deleted:
        parts.append(
            f"select * replace ({_value(types['is_deleted'], 'true')} as is_deleted{replace_updated}) "
            f"from ranked where pick >= {new + updated} and pick < {new + updated + deleted}"
        )
    ranked = (
        f"select * exclude (pick), pick from (select *, row_number() over (order by hash({_quote(key)} || "
        f"{_literal(tag)}), {_quote(key)}) - 1 as pick from {reader} where {_quote(key)} is not null) "
        f"where pick < {picked}"
    )
    body = " union all ".join(f"select * exclude (pick) from ({p})" for p in parts)
    con.execute(
        f"copy (with ranked as ({ranked}) {body} order by all) to {_literal(str(target))} {_writer(target)}"
    )
    return TableChanges(table.name, base_rows, new, updated, deleted)


def rate_changes(con: duckdb.DuckDBPyConnection, source: Path, target: Path, day: dt.date) -> TableChanges:
    """The new day's rates: for each currency, its latest rate row dated `day` (same format)."""
    reader = _reader(source)
    types = dict(
        con.execute(f"select column_name, column_type from (describe select * from {reader})").fetchall()
    )
    base_rows = con.execute(f"select count(*) from {reader}").fetchone()[0]
    currency = "upper(regexp_replace(currency_code, '[^A-Za-z]', '', 'g'))"  # stray spaces and case
    latest = (
        f"select * replace ({_value(types['rate_date'], day.isoformat())} as rate_date) from {reader} "
        f"where currency_code is not null qualify row_number() over (partition by {currency} "
        "order by try_cast(rate_date as date) desc nulls last, rate_to_reporting) = 1"
    )
    con.execute(f"copy ({latest} order by all) to {_literal(str(target))} {_writer(target)}")
    new = con.execute(f"select count(*) from {_reader(target)}").fetchone()[0]
    return TableChanges("currency_rates", base_rows, new, 0, 0)


def write_changes(
    raw_dir: Path, out_dir: Path, share: float, day: dt.date | None = None
) -> list[TableChanges]:
    """Write the next night's export of `raw_dir` into `out_dir` (replaced); see the module docstring."""
    if not 0 < share <= 0.5:
        raise ValueError(f"the share of changed rows must be above 0 and at most 0.5, got {share}")
    contract = load_contract()
    files, _ = find_table_files(raw_dir, set(contract))
    manifest = raw_dir / MANIFEST
    base = json.loads(manifest.read_text(encoding="utf-8")) if manifest.exists() else {}
    if day is None:
        as_of = base.get("as_of_date")
        day = dt.date.fromisoformat(as_of) + dt.timedelta(days=1) if as_of else dt.date.today()
    tag = f"n{day.strftime('%Y%m%d')}"
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    written: list[TableChanges] = []
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        for name, path in sorted(files.items()):
            if name == "currency_rates":
                changes: TableChanges | None = rate_changes(con, path, out_dir / path.name, day)
            else:
                changes = table_changes(con, contract[name], path, out_dir / path.name, share, tag, day)
            if changes is None:
                continue
            written.append(changes)
            log.info(
                "  %-26s %8d new  %8d updated  %8d deleted  (of %d)",
                name,
                changes.new_rows,
                changes.updated_rows,
                changes.deleted_rows,
                changes.base_rows,
            )
    if (raw_dir / COLUMN_MAP).exists():
        shutil.copyfile(raw_dir / COLUMN_MAP, out_dir / COLUMN_MAP)
    (out_dir / MANIFEST).write_text(
        json.dumps(
            {
                "as_of_date": day.isoformat(),
                "generator": "scripts.sampledata.changes",
                "changes_of": str(raw_dir),
                "share": share,
                "tables": {c.table: c.rows for c in written},
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return written


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.sampledata.changes",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--from", dest="raw_dir", type=Path, required=True, help="the raw directory of the night before"
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="directory to write the changes to (replaced)"
    )
    parser.add_argument("--share", type=float, default=0.01, help="share of each table's rows (default 0.01)")
    parser.add_argument(
        "--day",
        type=dt.date.fromisoformat,
        default=None,
        help="the new day YYYY-MM-DD (default: the day after the raw directory's as-of date)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(message)s"
    )
    if not args.raw_dir.is_dir():
        log.error("raw directory not found: %s", args.raw_dir)
        return 2
    try:
        written = write_changes(args.raw_dir, args.out, args.share, args.day)
    except (ValueError, duckdb.Error) as exc:
        log.error("%s", exc)
        return 2
    log.info(
        "%d changed rows in %d tables written to %s", sum(c.rows for c in written), len(written), args.out
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
