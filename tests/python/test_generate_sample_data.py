"""Tests of the deterministic sample-data generator (scripts/generate_sample_data.py, scripts/sampledata/).

Most tests run the generator at a small scale (a second or two). The committed sample in seeds/sample_crm
is compared with a fresh default generation, so it can never drift from the code. A small Python
re-implementation of the documented staging rules (docs/staging_rules.md) checks that clean data is
entirely kept, that every injection in manifest.json gets the disposition it promises, and that every
row staging would not keep is explained by the manifest (or is a cascade of it).
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scripts.contract import PROJECT_ROOT, load_contract
from scripts.generate_sample_data import main
from scripts.sampledata import output
from scripts.sampledata.config import ConfigError, GeneratorConfig

CONTRACT = load_contract()
SAMPLE_DIR = PROJECT_ROOT / "seeds" / "sample_crm"
SMALL = ("--reps", "14", "--accounts", "150", "--leads", "500", "--months", "10")

Row = dict[str, str | None]
Tables = dict[str, list[Row]]

# docs/staging_rules.md: checked foreign keys, required values, key columns NULL by design.
CHECKED_FKS = {
    "contacts": (("account_id", "accounts"),),
    "leads": (("owner_rep_id", "sales_reps"),),
    "opportunities": (("account_id", "accounts"), ("owner_rep_id", "sales_reps")),
    "opportunity_stage_history": (("opportunity_id", "opportunities"),),
    "orders": (("account_id", "accounts"), ("rep_id", "sales_reps")),
    "order_lines": (("order_id", "orders"), ("product_id", "products")),
    "subscriptions": (("account_id", "accounts"), ("product_id", "products")),
    "sales_targets": (("rep_id", "sales_reps"),),
}
REQUIRED = {
    "contacts": ("account_id",),
    "leads": ("created_at",),
    "opportunities": ("account_id", "owner_rep_id", "created_at"),
    "activities": ("occurred_at", "activity_type"),
    "email_events": ("email_id", "event_type", "occurred_at"),
    "orders": ("account_id", "ordered_at", "status", "currency_code"),
    "order_lines": ("order_id", "product_id", "quantity", "unit_price"),
    "subscriptions": ("account_id", "started_at", "mrr", "currency_code"),
    "marketing_spend": ("amount", "currency_code"),
    "sales_expenses": ("amount", "currency_code"),
    "sales_targets": ("period_start", "period_end", "metric", "target_value"),
    "currency_rates": ("rate_to_reporting",),
}
NULLABLE_KEYS = {"marketing_spend": ("campaign_id",), "sales_expenses": ("rep_id", "team")}
CLOSE_BEFORE_CREATE = {
    "leads": ("created_at", "converted_at"),
    "opportunities": ("created_at", "closed_at"),
    "orders": ("ordered_at", "invoiced_at"),
}
END_BEFORE_START = {
    "subscriptions": ("started_at", "ended_at"),
    "sales_targets": ("period_start", "period_end"),
    "sales_reps": ("hired_date", "left_date"),
}
SUPERSEDING_KINDS = ("dup_old", "dup_exact", "new_version")
STAGES = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
)


# ----- helpers ---------------------------------------------------------------------------------------
def generate(out: Path, *args: str) -> dict:
    """Run the CLI in-process and return the manifest."""
    assert main(["--out", str(out), *args]) == 0
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def read_table(path: Path) -> list[Row]:
    """A CSV file as rows of text (empty field = None)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(handle)]


def read_tables(directory: Path) -> Tables:
    return {
        name: read_table(directory / f"{name}.csv")
        for name in CONTRACT
        if (directory / f"{name}.csv").exists()
    }


def files_of(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


RAW_ZONE = ZoneInfo("Asia/Jakarta")  # raw_timezone's default: offset-less text is Jakarta wall clock


def ts(value: str | None) -> datetime | None:
    """A raw timestamp as an aware UTC datetime, as staging reads it (an offset wins, else raw_timezone)."""
    return None if value is None else as_utc(datetime.fromisoformat(value))


def as_utc(moment: datetime) -> datetime:
    """Text without an offset is wall-clock time in raw_timezone (default: the reporting zone, D24)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=RAW_ZONE)).astimezone(UTC)


def day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value[:10])


# ----- a small model of the staging rules ------------------------------------------------------------
# staging's iso_timestamp_pattern: an optional offset (Z, UTC, +07, +0700, +07:00) is converted to UTC
TIMESTAMP_RE = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?( ?(Z|UTC|[+-]\d{2}(:?\d{2})?))?"
)
JAKARTA = ZoneInfo("Asia/Jakarta")
DECIMAL_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
INTEGER_RE = re.compile(r"[+-]?\d+(\.0*)?")
BOOLEANS = {"true": True, "t": True, "1": True, "yes": True, "y": True}
BOOLEANS |= {"false": False, "f": False, "0": False, "no": False, "n": False}
KEY_NORMALISE: dict[tuple[str, str], Callable[[str], str]] = {
    ("currency_rates", "currency_code"): str.upper,
    ("sales_expenses", "category"): str.lower,
    ("sales_expenses", "team"): lambda s: " ".join(s.split()),
    ("marketing_spend", "channel"): lambda s: " ".join(s.split()),
}


def clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip(" \t\n\r\x0b\x0c\u00a0")
    return value or None


def parse(value: str, data_type: str) -> tuple[bool, object]:
    """(parsed?, value) for clean text of a contract type."""
    t = data_type.lower()
    if t in ("timestamp", "date"):
        if not TIMESTAMP_RE.fullmatch(value):
            return False, None
        try:
            return True, as_utc(datetime.fromisoformat(value.replace(" UTC", "Z").replace("UTC", "Z")))
        except ValueError:
            return False, None
    if t == "integer":
        return (True, Decimal(value)) if INTEGER_RE.fullmatch(value) else (False, None)
    if t.startswith("decimal"):
        return (True, Decimal(value)) if DECIMAL_RE.fullmatch(value) else (False, None)
    if t == "boolean":
        return value.lower() in BOOLEANS, BOOLEANS.get(value.lower())
    return True, value


def unparseable_reason(data_type: str) -> str:
    t = data_type.lower()
    if t in ("timestamp", "date"):
        return "unparseable_timestamp"
    return "unparseable_boolean" if t == "boolean" else "unparseable_number"


def evaluate(tables: Tables) -> dict[str, list[tuple[str, str | None]]]:
    """(disposition, reason) of every raw row, by the documented rules, tables in contract order."""
    out: dict[str, list[tuple[str, str | None]]] = {}
    kept_keys: dict[str, set[str]] = {}
    for name, table in CONTRACT.items():
        if name not in tables:
            continue
        types = {c.name: c.data_type for c in table.columns}
        rows = [{k: clean_text(v) for k, v in row.items()} for row in tables[name]]
        typed = [
            {k: parse(v, types[k]) if v is not None else (True, None) for k, v in row.items()} for row in rows
        ]

        def key_invalid(i: int, rows: list[Row] = rows, typed: list = typed, table=table, name=name) -> bool:
            for k in table.key:
                if rows[i][k] is None and k not in NULLABLE_KEYS.get(name, ()):
                    return True
                if not typed[i][k][0]:
                    return True
            return False

        def norm_key(i: int, rows: list[Row] = rows, table=table, name=name) -> tuple:
            return tuple(
                KEY_NORMALISE.get((name, k), lambda s: s)(rows[i][k]) if rows[i][k] is not None else None
                for k in table.key
            )

        groups: dict[tuple, list[int]] = defaultdict(list)
        for i in range(len(rows)):
            if not key_invalid(i):
                groups[norm_key(i)].append(i)
        current = set()
        for members in groups.values():
            if "updated_at" in types:

                def version(i: int, typed: list = typed) -> tuple:
                    ok, value = typed[i]["updated_at"]
                    return (ok and value is not None, value or datetime.min.replace(tzinfo=UTC))

                current.add(max(members, key=version))
            else:
                current.add(members[0])
        results = []
        for i, row in enumerate(rows):
            results.append(
                _row_disposition(name, i, row, typed[i], types, key_invalid(i), i in current, kept_keys)
            )
        out[name] = results
        if len(table.key) == 1:
            kept_keys[name] = {
                row[table.key[0]] for row, r in zip(rows, results, strict=True) if r[0] == "kept"
            }
    return out


def _row_disposition(
    name, i, row, typed, types, invalid_key, is_current, kept_keys
) -> tuple[str, str | None]:
    if invalid_key:
        return "quarantined", "invalid_key"
    if not is_current:
        return "superseded", None
    if typed.get("is_deleted", (True, None))[1] is True:
        return "soft_deleted", None
    if any(row[c] is None for c in REQUIRED.get(name, ())):
        return "quarantined", "missing_required_value"
    for column, (ok, _) in typed.items():
        if not ok:
            return "quarantined", unparseable_reason(types[column])
    for rule, reason in (
        (CLOSE_BEFORE_CREATE, "close_before_create"),
        (END_BEFORE_START, "end_before_start"),
    ):
        if name in rule:
            first, second = (typed[c][1] for c in rule[name])
            if first is not None and second is not None and second < first:
                return "quarantined", reason
    for column, parent in CHECKED_FKS.get(name, ()):
        if row[column] is not None and parent in kept_keys and row[column] not in kept_keys[parent]:
            return "quarantined", f"orphaned_{column}"
    return "kept", None


def check_manifest_against_rules(directory: Path) -> Counter:
    """Every injection gets its expected disposition; every row not kept is explained. Returns kind counts."""
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    tables = read_tables(directory)
    results = evaluate(tables)
    explained: dict[str, set[tuple]] = defaultdict(set)
    for injection in manifest["injected"]:
        name, key = injection["table"], injection["key"]
        matches = [
            results[name][i]
            for i, row in enumerate(tables[name])
            if all(row[k] == key[k] for k in CONTRACT[name].key)
        ]
        expected = (injection["expected_disposition"], injection["expected_reason"])
        assert expected in matches, f"{injection}: rows with that key are {matches}"
        explained[name].add(tuple(key[k] for k in CONTRACT[name].key))
    for name, rows in tables.items():
        for row, (disposition, reason) in zip(rows, results[name], strict=True):
            if disposition == "kept" or (reason or "").startswith("orphaned_"):
                continue
            raw_key = tuple(row[k] for k in CONTRACT[name].key)
            assert raw_key in explained[name], (
                f"{name} {raw_key} is {disposition} ({reason}) but not injected"
            )
    return Counter(i["kind"] for i in manifest["injected"])


# ----- fixtures --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def clean_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clean")
    generate(out, "--clean", *SMALL)
    return out


@pytest.fixture(scope="module")
def clean(clean_dir: Path) -> Tables:
    return read_tables(clean_dir)


MESSY = ("--mess-rate", "0.1", *SMALL)
# several shards (3 of 60 accounts each): ids and company names run on across shards
SHARDED = ("--mess-rate", "0.05", "--shard-accounts", "60", *SMALL)


@pytest.fixture(scope="module")
def messy_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("messy")
    generate(out, *MESSY)
    return out


@pytest.fixture(scope="module")
def sharded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A messy data set of three shards built by two worker processes."""
    out = tmp_path_factory.mktemp("sharded")
    generate(out, *SHARDED, "--workers", "2")
    return out


@pytest.fixture(scope="module")
def sample() -> Tables:
    return read_tables(SAMPLE_DIR)


# ----- command line ----------------------------------------------------------------------------------
def test_help_lists_the_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scripts.generate_sample_data", "--help"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    for option in (
        "--out",
        "--format",
        "--seed",
        "--reps",
        "--accounts",
        "--leads",
        "--months",
        "--end-date",
    ):
        assert option in result.stdout
    for option in ("--mess-rate", "--tables", "--reporting-currency", "--clean"):
        assert option in result.stdout


def test_bad_arguments_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path), "--tables", "accounts,no_such_table"])
    assert main(["--out", str(tmp_path), "--reps", "3"]) == 2


# ----- determinism -----------------------------------------------------------------------------------
def test_same_parameters_give_identical_bytes(tmp_path: Path, messy_dir: Path) -> None:
    generate(tmp_path, *MESSY)
    first, second = files_of(messy_dir), files_of(tmp_path)
    assert len(first) == len(CONTRACT) + 1
    assert first == second


def test_same_parameters_give_identical_parquet(tmp_path: Path) -> None:
    generate(tmp_path / "a", "--format", "parquet", *MESSY)
    generate(tmp_path / "b", "--format", "parquet", *MESSY, "--chunk-rows", "100")
    first, second = files_of(tmp_path / "a"), files_of(tmp_path / "b")
    assert len(first) == len(CONTRACT) + 1
    # the chunk size changes the row groups, never the rows
    assert first["manifest.json"] == second["manifest.json"]
    for name in CONTRACT:
        assert pq.read_table(tmp_path / "a" / f"{name}.parquet") == pq.read_table(
            tmp_path / "b" / f"{name}.parquet"
        )
    generate(tmp_path / "c", "--format", "parquet", *MESSY)
    assert files_of(tmp_path / "c") == first


def test_a_different_seed_gives_different_data(tmp_path: Path, messy_dir: Path) -> None:
    generate(tmp_path, "--seed", "7", *MESSY)
    first, second = files_of(messy_dir), files_of(tmp_path)
    assert first["opportunities.csv"] != second["opportunities.csv"]
    assert first["leads.csv"] != second["leads.csv"]


def test_shards_and_worker_processes_do_not_change_the_files(tmp_path: Path, sharded_dir: Path) -> None:
    """Three shards built in this process give the same bytes as built by two worker processes."""
    manifest = generate(tmp_path, *SHARDED, "--workers", "1")
    assert manifest["parameters"]["shards"] == 3
    assert files_of(tmp_path) == files_of(sharded_dir)


def test_ids_and_names_run_on_across_shards(sharded_dir: Path) -> None:
    """Each shard numbers its entities after the earlier shards', so ids never collide and leave no gaps
    (but where a blank-key injection removed an id); company names stay unique across shards."""
    manifest = json.loads((sharded_dir / "manifest.json").read_text(encoding="utf-8"))
    blanked = Counter(i["table"] for i in manifest["injected"] if i["kind"] == "null_key")
    for name, table in CONTRACT.items():
        if len(table.key) != 1 or name == "products":  # products are coded (PRD-101), not numbered
            continue
        keys = [(r[table.key[0]] or "").strip() for r in read_table(sharded_dir / f"{name}.csv")]
        numbers = sorted({int(k.rsplit("-", 1)[1]) for k in keys if re.fullmatch(r"[A-Z]+-\d+", k)})
        assert numbers and numbers[0] >= 1, name
        assert numbers[-1] - len(numbers) <= blanked[name], name
    accounts = read_table(sharded_dir / "accounts.csv")
    valid = {a["account_id"] for a in accounts if re.fullmatch(r"ACC-\d+", (a["account_id"] or "").strip())}
    assert len(valid) >= 150 - blanked["accounts"]
    names = {a["account_name"].strip() for a in accounts if a["account_name"]}
    assert len(names) == 150  # one name per account, every version of an account keeps it


def test_sharded_injections_get_their_expected_disposition(sharded_dir: Path) -> None:
    kinds = check_manifest_against_rules(sharded_dir)
    assert kinds["dup_exact"] and kinds["bad_number"] and kinds["orphan_fk"]


def test_scale_sizes_reps_accounts_and_leads_together() -> None:
    sf1 = GeneratorConfig.scaled(1.0)
    assert (sf1.reps, sf1.accounts, sf1.leads) == (36 * 232, 950 * 232, 3600 * 232)
    small = GeneratorConfig.scaled(0.001, reps=20)
    assert (small.reps, small.accounts, small.leads) == (20, 220, 835)  # an explicit value wins
    assert small.manifest_parameters()["scale"] == 0.001
    with pytest.raises(ConfigError):
        GeneratorConfig.scaled(0.0)


def test_a_big_injection_record_goes_to_a_parquet_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "INLINE_INJECTIONS", 20)
    manifest = generate(tmp_path, *MESSY)
    assert "injected" not in manifest
    assert manifest["injections_file"] == "_injections.parquet"
    injected = output.read_injections(tmp_path)
    assert len(injected) == manifest["injected_count"] > 20
    assert {tuple(sorted(i)) for i in injected} == {
        ("expected_disposition", "expected_reason", "key", "kind", "table")
    }
    # the same record as a small run keeps inline (same parameters)
    monkeypatch.setattr(output, "INLINE_INJECTIONS", 10_000)
    inline = generate(tmp_path / "inline", *MESSY)["injected"]
    key = lambda i: (i["table"], json.dumps(i["key"], sort_keys=True), i["kind"])  # noqa: E731
    assert sorted(injected, key=key) == sorted(inline, key=key)


@pytest.mark.slow
def test_committed_sample_equals_a_fresh_default_generation(tmp_path: Path) -> None:
    """Regenerate with: python -m scripts.generate_sample_data (see scripts/sampledata/__init__.py)."""
    generate(tmp_path)
    fresh, committed = files_of(tmp_path), files_of(SAMPLE_DIR)
    assert sorted(fresh) == sorted(committed)
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert not changed, f"seeds/sample_crm is stale ({changed}): regenerate it"


def test_committed_sample_size_and_defaults() -> None:
    manifest = json.loads((SAMPLE_DIR / "manifest.json").read_text(encoding="utf-8"))
    size = sum(p.stat().st_size for p in SAMPLE_DIR.glob("*.csv"))
    assert 3_000_000 <= size <= 5_000_000
    assert manifest["as_of_date"] == "2026-11-15"
    assert manifest["reporting_currency"] == "IDR"
    assert manifest["seed"] == 42
    assert manifest["parameters"]["months"] == 27
    assert manifest["parameters"]["mess_rate"] == 0.01


# ----- files and manifest ----------------------------------------------------------------------------
def test_csv_headers_match_the_contract(clean_dir: Path) -> None:
    for name, table in CONTRACT.items():
        with (clean_dir / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            assert next(csv.reader(handle)) == table.column_names
        raw = (clean_dir / f"{name}.csv").read_bytes()
        assert b"\r\n" not in raw
        raw.decode("utf-8")


def test_parquet_columns_follow_the_contract_types(tmp_path: Path) -> None:
    generate(tmp_path / "clean", "--format", "parquet", "--clean", *SMALL)
    generate(tmp_path / "messy", "--format", "parquet", "--mess-rate", "0.05", *SMALL)
    expected = {"varchar": pa.string(), "timestamp": pa.timestamp("us", tz="UTC"), "date": pa.date32()}
    expected |= {"boolean": pa.bool_(), "integer": pa.int64()}
    for name, table in CONTRACT.items():
        schema = pq.read_schema(tmp_path / "clean" / f"{name}.parquet")
        assert schema.names == table.column_names
        for column in table.columns:
            field_type = schema.field(column.name).type
            if column.data_type.startswith("decimal"):
                assert pa.types.is_decimal(field_type), (name, column.name)
            else:
                assert field_type == expected[column.data_type], (name, column.name)
    # a column that holds unparseable text is written as text, and only then: it must hold such a value
    manifest = json.loads((tmp_path / "messy" / "manifest.json").read_text(encoding="utf-8"))
    injected = {e["table"] for e in manifest["injected"] if e["kind"] in ("bad_number", "bad_date")}
    assert injected, "the messy data set should contain unparseable numbers or dates"
    parses = {
        "decimal": r"-?\d+(\.\d+)?",
        "integer": r"-?\d+",
        "date": r"\d{4}-\d\d-\d\d",
        "timestamp": r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+07:00",
        "boolean": r"true|false",
    }
    text_columns = set()
    for name, table in CONTRACT.items():
        messy = pq.read_table(tmp_path / "messy" / f"{name}.parquet")
        for column in table.columns:
            if column.data_type == "varchar" or messy.schema.field(column.name).type != pa.string():
                continue
            text_columns.add(name)
            pattern = parses[column.data_type.split("(")[0]]
            values = [v for v in messy.column(column.name).to_pylist() if v is not None]
            assert any(not re.fullmatch(pattern, v) for v in values), (name, column.name)
    assert injected <= text_columns, (injected, text_columns)


def test_manifest_row_counts_match_the_files(messy_dir: Path) -> None:
    manifest = json.loads((messy_dir / "manifest.json").read_text(encoding="utf-8"))
    assert list(manifest["row_counts"]) == sorted(CONTRACT)
    for name, count in manifest["row_counts"].items():
        assert len(read_table(messy_dir / f"{name}.csv")) == count
        lines = (messy_dir / f"{name}.csv").read_bytes().count(b"\n")
        assert lines == count + 1


def test_manifest_format_and_contents(messy_dir: Path) -> None:
    text = (messy_dir / "manifest.json").read_text(encoding="utf-8")
    manifest = json.loads(text)
    assert text == json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert manifest["as_of_date"] == manifest["parameters"]["end_date"]
    assert manifest["parameters"]["mess_rate"] == 0.1
    injected = manifest["injected"]
    assert injected
    assert [i["table"] for i in injected] == sorted(i["table"] for i in injected)
    for entry in injected:
        assert set(entry) == {"table", "key", "kind", "expected_disposition", "expected_reason"}
        assert set(entry["key"]) == set(CONTRACT[entry["table"]].key)
        assert entry["expected_disposition"] in ("kept", "superseded", "soft_deleted", "quarantined")
        assert (entry["expected_reason"] is None) == (entry["expected_disposition"] != "quarantined")


def test_tables_subset_writes_only_those(tmp_path: Path) -> None:
    generate(tmp_path, *SMALL)
    manifest = generate(tmp_path, "--tables", "order_lines,orders", "--mess-rate", "0.2", *SMALL)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json", "order_lines.csv", "orders.csv"]
    assert list(manifest["row_counts"]) == ["order_lines", "orders"]
    assert {i["table"] for i in manifest["injected"]} <= {"orders", "order_lines"}
    # products is absent: staging cannot check order_lines.product_id, so those orphans stay kept
    product_orphans = [i for i in manifest["injected"] if i["kind"] == "orphan_fk" and "PRD-9" in str(i)]
    order_orphans = [i for i in manifest["injected"] if i["kind"] == "orphan_fk" and "SO-9" in str(i)]
    assert all(i["expected_disposition"] == "kept" for i in product_orphans)
    assert all(i["expected_disposition"] == "quarantined" for i in order_orphans)
    full = read_tables(tmp_path)
    assert full["orders"]


def test_subset_rows_equal_the_full_data_set(tmp_path: Path) -> None:
    generate(tmp_path / "full", "--clean", *SMALL)
    generate(tmp_path / "crm", "--clean", "--tables", "sales_reps,accounts,opportunities", *SMALL)
    for name in ("sales_reps", "accounts", "opportunities"):
        assert (tmp_path / "crm" / f"{name}.csv").read_bytes() == (
            tmp_path / "full" / f"{name}.csv"
        ).read_bytes()


# ----- clean data is internally consistent -----------------------------------------------------------
def test_clean_keys_are_unique_and_present(clean: Tables) -> None:
    for name, table in CONTRACT.items():
        keys = [tuple(row[k] for k in table.key) for row in clean[name]]
        assert len(keys) == len(set(keys)), name
        for key in keys:
            for column, value in zip(table.key, key, strict=True):
                assert value is not None or column in NULLABLE_KEYS.get(name, ()), (name, key)


def test_clean_checked_foreign_keys_resolve(clean: Tables) -> None:
    for name, links in CHECKED_FKS.items():
        for column, parent in links:
            parents = {row[CONTRACT[parent].key[0]] for row in clean[parent]}
            missing = [
                row[column] for row in clean[name] if row[column] is not None and row[column] not in parents
            ]
            assert not missing, (name, column, missing[:5])


def test_clean_attribution_links_resolve(clean: Tables) -> None:
    ids = {name: {row[CONTRACT[name].key[0]] for row in clean[name]} for name in CONTRACT}
    links = [
        ("leads", "converted_account_id", "accounts"),
        ("leads", "converted_contact_id", "contacts"),
        ("leads", "converted_opportunity_id", "opportunities"),
        ("opportunities", "lead_id", "leads"),
        ("orders", "opportunity_id", "opportunities"),
        ("activities", "opportunity_id", "opportunities"),
        ("activities", "lead_id", "leads"),
        ("email_events", "contact_id", "contacts"),
        ("sales_reps", "manager_rep_id", "sales_reps"),
        ("accounts", "owner_rep_id", "sales_reps"),
    ]
    for name, column, parent in links:
        assert all(row[column] in ids[parent] for row in clean[name] if row[column] is not None), (
            name,
            column,
        )


def test_clean_data_is_entirely_kept_by_the_staging_rules(clean: Tables) -> None:
    for name, results in evaluate(clean).items():
        bad = [(clean[name][i], r) for i, r in enumerate(results) if r != ("kept", None)]
        assert not bad, (name, bad[:3])


def test_stage_history_matches_the_opportunity(clean: Tables) -> None:
    history: dict[str, list[Row]] = defaultdict(list)
    for row in clean["opportunity_stage_history"]:
        history[row["opportunity_id"]].append(row)
    for opp in clean["opportunities"]:
        entries = sorted(history[opp["opportunity_id"]], key=lambda r: r["entered_at"])
        assert entries, opp["opportunity_id"]
        assert entries[0]["entered_at"] == opp["created_at"]
        assert entries[-1]["stage_name"] == opp["stage_name"]
        assert Decimal(entries[-1]["amount"]) == Decimal(opp["amount"])
        assert all(e["stage_name"] in STAGES for e in entries)
        closed = opp["stage_name"] in ("Closed Won", "Closed Lost")
        assert (opp["is_closed"] == "true") == closed
        assert (opp["is_won"] == "true") == (opp["stage_name"] == "Closed Won")
        assert opp["closed_at"] == (entries[-1]["entered_at"] if closed else None)
        assert (opp["loss_reason"] is not None) == (opp["stage_name"] == "Closed Lost")


def test_won_deals_have_one_order_booked_at_or_after_close(clean: Tables) -> None:
    opportunities = {o["opportunity_id"]: o for o in clean["opportunities"]}
    orders_per_deal = Counter(o["opportunity_id"] for o in clean["orders"] if o["opportunity_id"])
    for opp_id, count in orders_per_deal.items():
        assert opportunities[opp_id]["is_won"] == "true"
        assert count == 1
    for order in clean["orders"]:
        if order["opportunity_id"]:
            assert ts(order["ordered_at"]) >= ts(opportunities[order["opportunity_id"]]["closed_at"])
        if order["invoiced_at"]:
            assert ts(order["invoiced_at"]) >= ts(order["ordered_at"])
            assert ts(order["updated_at"]) >= ts(order["invoiced_at"])
        assert (order["invoiced_at"] is not None) == (order["status"] in ("invoiced", "paid", "refunded"))
    won = [o for o in opportunities.values() if o["is_won"] == "true"]
    assert sum(1 for o in won if o["opportunity_id"] in orders_per_deal) == len(won)
    lines = Counter(line["order_id"] for line in clean["order_lines"])
    assert all(lines[o["order_id"]] >= 1 for o in clean["orders"])


def test_won_deal_amount_equals_its_order_value(clean: Tables) -> None:
    value: dict[str, Decimal] = defaultdict(Decimal)
    for line in clean["order_lines"]:
        net = Decimal(line["quantity"]) * Decimal(line["unit_price"]) - Decimal(line["discount_amount"])
        value[line["order_id"]] += net
    deal_value = {o["opportunity_id"]: value[o["order_id"]] for o in clean["orders"] if o["opportunity_id"]}
    for opp in clean["opportunities"]:
        if opp["is_won"] == "true":
            assert Decimal(opp["amount"]) == deal_value[opp["opportunity_id"]]


def _rate_days(tables: Tables) -> dict[str, list[date]]:
    days: dict[str, list[date]] = defaultdict(list)
    for row in tables["currency_rates"]:
        days[row["currency_code"]].append(day(row["rate_date"]))
    return {code: sorted(values) for code, values in days.items()}


def test_currencies_have_a_rate_on_or_before_every_transaction(clean: Tables) -> None:
    reporting = "IDR"
    rates = _rate_days(clean)
    assert reporting not in rates
    assert all(d.weekday() < 5 for values in rates.values() for d in values), "rates on business days only"
    opp_currency = {o["opportunity_id"]: o["currency_code"] for o in clean["opportunities"]}
    transactions = [(o["currency_code"], o["closed_at"] or o["created_at"]) for o in clean["opportunities"]]
    transactions += [
        (opp_currency[h["opportunity_id"]], h["entered_at"]) for h in clean["opportunity_stage_history"]
    ]
    transactions += [(o["currency_code"], o["ordered_at"]) for o in clean["orders"]]
    transactions += [(s["currency_code"], s["started_at"]) for s in clean["subscriptions"]]
    transactions += [(m["currency_code"], m["spend_date"]) for m in clean["marketing_spend"]]
    transactions += [(e["currency_code"], e["expense_month"]) for e in clean["sales_expenses"]]
    transactions += [
        (t["currency_code"], t["period_start"]) for t in clean["sales_targets"] if t["currency_code"]
    ]
    assert len({code for code, _ in transactions}) >= 3
    for code, when in transactions:
        if code != reporting:
            assert rates[code][0] <= day(when), (code, when)


def test_nothing_happens_after_the_as_of_date(clean_dir: Path, clean: Tables) -> None:
    """Local midnight after the as-of date (Asia/Jakarta) ends the data; local midnight starts it."""
    manifest = json.loads((clean_dir / "manifest.json").read_text(encoding="utf-8"))
    as_of = date.fromisoformat(manifest["as_of_date"])
    cutoff = datetime.combine(as_of + timedelta(days=1), datetime.min.time(), JAKARTA)
    first_day = date.fromisoformat(manifest["parameters"]["start_date"])
    start = datetime.combine(first_day, datetime.min.time(), JAKARTA)
    for name, table in CONTRACT.items():
        for column in table.columns:
            if column.data_type != "timestamp":
                continue
            values = [ts(row[column.name]) for row in clean[name] if row[column.name]]
            assert all(v < cutoff for v in values), (name, column.name)
            if name not in ("sales_reps", "products"):
                assert all(v >= start for v in values), (name, column.name)


# ----- messy data: every injection gets the disposition the manifest promises -----------------------
def test_injections_get_their_expected_disposition(messy_dir: Path) -> None:
    kinds = check_manifest_against_rules(messy_dir)
    for kind in ("dup_old", "dup_exact", "new_version", "ws_case", "bad_number", "bad_date", "orphan_fk"):
        assert kinds[kind] > 0, kind
    for kind in ("soft_delete", "null_key", "close_before_create", "unknown_stage", "unknown_source"):
        assert kinds[kind] > 0, kind


@pytest.mark.slow
def test_committed_sample_injections_get_their_expected_disposition() -> None:
    kinds = check_manifest_against_rules(SAMPLE_DIR)
    assert len(kinds) == 12


def test_mess_does_not_change_the_clean_rows(tmp_path: Path, clean: Tables) -> None:
    """Rows of the messy data set that no injection touched are exactly the clean rows."""
    generate(tmp_path, "--mess-rate", "0.05", *SMALL)
    messy = read_tables(tmp_path)
    for name in ("opportunities", "orders", "activities", "sales_targets"):
        clean_rows = {tuple(r.values()) for r in clean[name]}
        messy_rows = {tuple(r.values()) for r in messy[name]}
        assert len(clean_rows - messy_rows) <= round(len(clean_rows) * 0.05) + 1
        assert len(clean_rows & messy_rows) >= len(clean_rows) * 0.9


# ----- other reporting currency ----------------------------------------------------------------------
def test_usd_reporting_currency(tmp_path: Path) -> None:
    manifest = generate(tmp_path, "--reporting-currency", "USD", "--clean", *SMALL)
    assert manifest["reporting_currency"] == "USD"
    tables = read_tables(tmp_path)
    rates = {(r["currency_code"]): Decimal(r["rate_to_reporting"]) for r in tables["currency_rates"]}
    assert set(rates) == {"IDR", "SGD", "EUR"}
    assert rates["IDR"] < Decimal("0.0001")
    currencies = Counter(o["currency_code"] for o in tables["opportunities"])
    assert currencies["USD"] > currencies["IDR"] > 0
    assert {p["currency_code"] for p in tables["products"]} == {"USD"}


# ----- the committed sample is realistic enough for every KPI ----------------------------------------
def test_sample_covers_what_the_kpis_need(sample: Tables) -> None:
    assert {o["status"] for o in sample["orders"]} >= {"booked", "invoiced", "paid", "cancelled", "refunded"}
    for order in sample["orders"]:
        if order["status"] == "refunded" and TIMESTAMP_RE.fullmatch(order["invoiced_at"] or ""):
            assert ts(order["updated_at"]) > ts(order["invoiced_at"])
    assert {s["status"] for s in sample["subscriptions"]} >= {"active", "cancelled", "expired"}
    assert {o["stage_name"] for o in sample["opportunities"]} >= set(STAGES)
    assert {o["opportunity_type"] for o in sample["opportunities"]} >= {"new_business", "upsell", "renewal"}
    assert {o["currency_code"] for o in sample["opportunities"]} >= {"IDR", "USD", "SGD"}
    assert {x["lead_source"] for x in sample["leads"]} >= {
        "Google Ads",
        "Referral",
        "Pameran Jakarta",
        "WA Blast",
    }
    assert {r["role"] for r in sample["sales_reps"]} >= {"account_executive", "sdr", "bdr", "manager"}
    assert sum(1 for r in sample["sales_reps"] if r["left_date"]) >= 2
    assert {r["region"] for r in sample["sales_reps"]} >= {"Jabodetabek", "Sumatera", "Sulawesi"}
    assert {e["event_type"] for e in sample["email_events"]} >= {"sent", "delivered", "opened", "clicked"}
    assert any(e["rep_id"] for e in sample["email_events"]) and any(
        e["campaign_id"] for e in sample["email_events"]
    )
    assert {e["category"] for e in sample["sales_expenses"]} >= {
        "salary",
        "commission",
        "tools",
        "travel",
        "overhead",
    }
    assert any(t["rep_id"] is None and t["team"] is None for t in sample["sales_targets"])
    assert {t["metric"] for t in sample["sales_targets"]} >= {
        "revenue",
        "bookings",
        "deals_won",
        "new_accounts",
    }
    null_costs = sum(1 for line in sample["order_lines"] if line["unit_cost"] is None) / len(
        sample["order_lines"]
    )
    assert 0.05 <= null_costs <= 0.15
    open_deals = [o for o in sample["opportunities"] if o["is_closed"] == "false"]
    assert len(open_deals) >= 30
    assert any(o["lead_id"] for o in sample["opportunities"]) and any(
        not o["lead_id"] for o in sample["opportunities"]
    )
    repeat_orders = [o for o in sample["orders"] if not o["opportunity_id"]]
    assert len(repeat_orders) > 100
    buyers = {o["account_id"] for o in sample["orders"]}
    assert sum(1 for a in sample["accounts"] if a["account_id"] not in buyers) > 100  # prospects


def test_sample_rates_skip_weekends_and_stay_in_band(sample: Tables) -> None:
    rates = _rate_days(sample)
    assert all(d.weekday() < 5 for d in rates["USD"])
    usd = [Decimal(r["rate_to_reporting"]) for r in sample["currency_rates"] if r["currency_code"] == "USD"]
    assert min(usd) >= 15_500
    assert max(usd) <= 16_800
    assert max(usd) - min(usd) > 300  # it drifts
