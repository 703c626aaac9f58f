"""The bad-input catalog, end to end: a clean generated data set plus 40-odd kinds of malformed raw rows
(tests/python/bad_inputs.py) goes through the loader and the whole dbt build.

Two data sets are built, each once, concurrently, into their own DuckDB files:
  bad       clean rows + every catalogued bad row, as a messy extract would deliver them;
  repaired  clean rows + the repaired equivalent of each row a documented rule repairs.
Every bad row must get its expected disposition and quarantine reason (a kept row with a missing or odd
value also its data-quality warning), row accounting must hold, and every marts table and view (dim_, fct_,
kpi_) must be identical in both, except the few columns that carry a raw label as written (the label a row
arrived with is not something a repair can make equal). Parents that have children (a rep and an account
named by orders, a product sold on order lines) are corrupted: the children keep their money, to the cent,
recomputed here from the raw files.

The bad data set is also the messy half of the independent KPI cross-check (test_kpi_crosscheck.py checks
the bundled sample): kpi_reference/ reads the bad raw files with its own reading of the staging rules,
which must quarantine exactly the rows the catalog says, and recomputes all 20 KPI views, each of which
must agree with the bad build's view value by value.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from bad_inputs import LONG_TEXT, Catalog, build_catalog, raw_key_text, read_table
from dbt_scenario import SCENARIO_DB, read_relation, run_scenario_dbt
from kpi_reference import REFERENCES, SPECS, RawData, cents, check_view

from scripts.contract import PROJECT_ROOT, load_contract
from scripts.dbt_cli import DbtResult
from scripts.load_raw import LoadReport, load_directory

pytestmark = pytest.mark.slow

AS_OF = "2026-11-15"
REPORTING_CURRENCY = "IDR"  # the generator's default
SMALL = ["--reps", "12", "--accounts", "80", "--leads", "200", "--months", "6", "--end-date", AS_OF]
CONTRACT = load_contract()
MARTS_SCHEMA = "marts"
# Columns that record how a value arrived rather than what it is: the raw label (an unknown stage or channel
# label lands in the fallback stage / channel, but the label itself and the "mapped" flag differ) and the
# flag saying a close time was imputed (a closed deal without closed_at closes at updated_at).
PROVENANCE_COLUMNS = {
    "stage_label",
    "stage_name",
    "lead_source",
    "channel_label",
    "is_stage_mapped",
    "is_channel_mapped",
    "is_closed_at_imputed",
}


@dataclass
class Build:
    raw_dir: Path
    database: Path
    load: LoadReport
    dbt: DbtResult

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.database), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()


def full_build(raw_dir: Path, workdir: Path, data_tests: bool = True) -> Build:
    database = workdir / SCENARIO_DB
    load = load_directory(raw_dir, database)
    # unit tests do not depend on the data (make dbt-test runs them); everything else is built and, on the
    # bad data, tested (the repaired data is clean data: its data tests would repeat those of make dbt-test)
    args = ["build", "--exclude-resource-type", "unit_test"]
    if not data_tests:
        args += ["--exclude-resource-type", "test"]
    result = run_scenario_dbt(workdir, args, {"as_of_date": AS_OF}, {"SALES_KPIS_THREADS": "2"})
    return Build(raw_dir, database, load, result)


@pytest.fixture(scope="module")
def catalog_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Catalog, Build, Build]:
    root = tmp_path_factory.mktemp("bad_input_catalog")
    clean_dir = root / "clean"
    subprocess.run(
        [sys.executable, "-m", "scripts.generate_sample_data", "--out", str(clean_dir), "--clean", *SMALL],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    catalog = build_catalog(clean_dir, root / "bad" / "raw", root / "repaired" / "raw")
    with ThreadPoolExecutor(max_workers=2) as pool:
        bad = pool.submit(full_build, root / "bad" / "raw", root / "bad")
        repaired = pool.submit(full_build, root / "repaired" / "raw", root / "repaired", False)
        return catalog, bad.result(), repaired.result()


@pytest.fixture(scope="module")
def catalog(catalog_builds: tuple[Catalog, Build, Build]) -> Catalog:
    return catalog_builds[0]


@pytest.fixture(scope="module")
def bad(catalog_builds: tuple[Catalog, Build, Build]) -> Build:
    return catalog_builds[1]


@pytest.fixture(scope="module")
def repaired(catalog_builds: tuple[Catalog, Build, Build]) -> Build:
    return catalog_builds[2]


def test_the_catalog_has_at_least_twenty_kinds(catalog: Catalog) -> None:
    kinds = catalog.kinds
    assert len(kinds) >= 20, kinds
    outcomes = Counter(r.disposition for r in catalog.rows)
    print(f"\n{len(kinds)} kinds of bad input, {len(catalog.rows)} rows: {dict(outcomes)}")


def test_both_builds_pass(bad: Build, repaired: Build) -> None:
    assert bad.dbt.ok, bad.dbt.failures
    assert repaired.dbt.ok, repaired.dbt.failures
    # the full project was built, not only staging
    marts = bad.query(f"select count(*) from information_schema.tables where table_schema = '{MARTS_SCHEMA}'")
    assert marts[0][0] > 10


def test_every_bad_row_gets_its_disposition_and_reason(catalog: Catalog, bad: Build) -> None:
    expected: Counter[tuple] = Counter(
        (r.table, raw_key_text(r.table, r.row), r.disposition, r.reason) for r in catalog.rows
    )
    actual: Counter[tuple] = Counter()
    for table in sorted({r.table for r in catalog.rows}):
        for raw_key, disposition, reason in bad.query(
            f"select _raw_key, _disposition, _quarantine_reason from staging.base_crm__{table}"
        ):
            actual[(table, raw_key, disposition, reason)] += 1
    wrong = {}
    for key, n in expected.items():
        if actual[key] < n:
            table, raw_key = key[0], key[1]
            got = bad.query(
                f"select _disposition, _quarantine_reason, _quarantine_detail from staging.base_crm__{table} "
                "where _raw_key is not distinct from ?",
                [raw_key],
            )
            wrong[key] = got
    assert not wrong, f"bad rows with an unexpected fate (expected key: actual rows): {wrong}"


def test_row_accounting_holds_in_both(bad: Build, repaired: Build) -> None:
    for build in (bad, repaired):
        rows = build.query(
            "select table_name, raw_rows, "
            "staged_rows + superseded_rows + soft_deleted_rows + quarantined_rows, unaccounted_rows "
            "from intermediate.int_raw_rows_accounted"
        )
        assert len(rows) == len(CONTRACT)
        for table, raw, accounted, unaccounted in rows:
            assert raw == accounted == build.load.rows.get(table, 0), table
            assert unaccounted == 0, table


def test_the_repaired_set_has_nothing_to_quarantine(catalog: Catalog, bad: Build, repaired: Build) -> None:
    assert repaired.query("select count(*) from intermediate.int_raw_rows_quarantined") == [(0,)]
    quarantined = sum(1 for r in catalog.rows if r.disposition == "quarantined")
    assert bad.query("select count(*) from intermediate.int_raw_rows_quarantined") == [(quarantined,)]


def test_text_survives_verbatim(bad: Build) -> None:
    names = dict(
        bad.query(
            "select opportunity_id, opportunity_name from staging.stg_crm__opportunities "
            "where opportunity_id = 'BAD-OPP-LONG'"
        )
    )
    assert names["BAD-OPP-LONG"] == LONG_TEXT.strip()
    assert len(names["BAD-OPP-LONG"]) > 100_000 - 10
    html = bad.query("select account_name from staging.stg_crm__accounts where account_id = 'BAD-ACC-HTML'")
    assert html == [('<script>alert("x")</script><b>PT Jaya</b> & Co',)]
    assert bad.load.transcoded == ["contacts.csv"]
    latin1 = bad.query("select first_name from staging.stg_crm__contacts where contact_id = 'BAD-CON-LATIN1'")
    assert latin1 == [("Ren\ufffd",)]


def test_unknown_labels_are_reported(bad: Build) -> None:
    labels = {
        (t, label)
        for t, label in bad.query("select label_type, raw_label from intermediate.int_unmapped_labels")
    }
    assert {("stage", "Verbal Commit"), ("stage", "Discovery Call"), ("channel", "Carrier Pigeon")} <= labels


def marts_relations(build: Build) -> list[str]:
    rows = build.query(
        "select table_name from information_schema.tables "
        f"where table_schema = '{MARTS_SCHEMA}' and regexp_matches(table_name, '^(dim|fct|kpi)_') order by 1"
    )
    return [r[0] for r in rows]


def comparable_select(con: duckdb.DuckDBPyConnection, alias: str, relation: str) -> str:
    """The relation's columns minus the provenance ones; doubles rounded (parallel sums vary in the last
    bit)."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
        [alias, MARTS_SCHEMA, relation],
    ).fetchall()
    parts = [
        f'round("{c}", 6) as "{c}"' if t in ("DOUBLE", "FLOAT", "REAL") else f'"{c}"'
        for c, t in columns
        if c not in PROVENANCE_COLUMNS
    ]
    return f"select {', '.join(parts)} from {alias}.{MARTS_SCHEMA}.{relation}"


def test_marts_are_identical_with_bad_rows_and_with_their_repairs(bad: Build, repaired: Build) -> None:
    relations = marts_relations(bad)
    assert relations == marts_relations(repaired)
    assert any(r.startswith("kpi_") for r in relations) or len(relations) > 5
    differences: dict[str, tuple[int, int]] = {}
    with duckdb.connect() as con:
        con.execute(f"attach '{bad.database}' as bad (read_only)")
        con.execute(f"attach '{repaired.database}' as repaired (read_only)")
        for relation in relations:
            left = comparable_select(con, "bad", relation)
            right = comparable_select(con, "repaired", relation)
            only_bad = con.execute(f"select count(*) from ({left} except all {right})").fetchone()[0]
            only_repaired = con.execute(f"select count(*) from ({right} except all {left})").fetchone()[0]
            if only_bad or only_repaired:
                differences[relation] = (only_bad, only_repaired)
    assert not differences, f"marts differ (rows only with bad input, rows only with repairs): {differences}"


def test_kept_rows_carry_their_warning(catalog: Catalog, bad: Build) -> None:
    """A row kept although a value is missing, unresolved or odd is listed with its warning."""
    expected = {(r.table, raw_key_text(r.table, r.row), r.warning) for r in catalog.rows if r.warning}
    assert len(expected) >= 6
    flagged = set(bad.query("select table_name, raw_key, warning from intermediate.int_raw_rows_flagged"))
    assert expected <= flagged, expected - flagged


def _raw_money(raw_dir: Path) -> RawData:
    """The bad data set's rates, for converting raw line money independently of the project."""
    raw = RawData(
        tables={"currency_rates": pd.DataFrame(read_table(raw_dir, "currency_rates"), dtype=object)},
        as_of=date.fromisoformat(AS_OF),
        reporting_currency="IDR",
    )
    raw._index_rates()
    return raw


def test_children_of_corrupted_parents_keep_their_money(catalog: Catalog, bad: Build) -> None:
    """A quarantined rep, account or product takes none of its children's money with it: every child
    order and line is in the facts with its value computed from the raw files (to the cent, at the order
    date's rate for bookings and the invoice date's for revenue), credit falls back to another rep, the
    account becomes an inferred member, the product's lines are 'uncategorised'."""
    assert {p.table for p in catalog.corrupted_parents} == {"sales_reps", "accounts", "products"}
    raw = _raw_money(bad.raw_dir)
    orders = {o["order_id"]: o for o in read_table(bad.raw_dir, "orders")}
    # the clean lines (the catalog's own bad lines have their own fates, checked above)
    catalog_lines = {r.row.get("order_line_id") for r in catalog.rows if r.table == "order_lines"}
    lines = [x for x in read_table(bad.raw_dir, "order_lines") if x["order_line_id"] not in catalog_lines]

    def line_value(line: dict, at: str) -> Decimal:
        order = orders[line["order_id"]]
        day = raw.local_dates([order[at] or order["ordered_at"]])[0]
        rate = raw.rate_or_none(order["currency_code"], day) or raw.rate(
            order["currency_code"], raw.local_dates([order["ordered_at"]])[0]
        )
        price = cents(Decimal(line["unit_price"]) * rate)
        discount = cents(Decimal(line["discount_amount"] or "0") * rate)
        return cents(Decimal(line["quantity"]) * price - discount)

    for parent in catalog.corrupted_parents:
        assert bad.query(
            f"select count(*) from staging.stg_crm__{parent.table} where {CONTRACT[parent.table].key[0]} = ?",
            [parent.key],
        ) == [(0,)], f"{parent.table} {parent.key} should be quarantined"
        if parent.child_table == "orders":
            child_orders = set(parent.child_keys)
        else:
            child_orders = {x["order_id"] for x in lines if x["order_line_id"] in parent.child_keys}
        child_lines = [x for x in lines if x["order_id"] in child_orders]
        if parent.child_table == "order_lines":
            child_lines = [x for x in child_lines if x["order_line_id"] in parent.child_keys]
        placeholders = ", ".join("?" for _ in child_orders)
        facts = {
            r[0]: r[1:]
            for r in bad.query(
                "select order_id, credited_rep_id, credit_source, account_id, is_invoiced "
                f"from marts.fct_orders where order_id in ({placeholders})",
                sorted(child_orders),
            )
        }
        assert set(facts) == child_orders, f"children of {parent.table} {parent.key} lost"
        fact_lines = {
            r[0]: r[1:]
            for r in bad.query(
                "select order_line_id, net_amount, invoiced_net_amount, category "
                f"from marts.fct_order_lines where order_id in ({placeholders})",
                sorted(child_orders),
            )
        }
        for line_row in child_lines:
            net, invoiced_net, category = fact_lines[line_row["order_line_id"]]
            assert net == line_value(line_row, "ordered_at"), line_row
            assert invoiced_net == line_value(line_row, "invoiced_at"), line_row
            if parent.table == "products":
                assert category == "uncategorised"
        invoiced = [x for x in child_lines if facts[x["order_id"]][3]]
        invoiced_keys = ", ".join("?" for _ in invoiced) or "null"
        revenue = bad.query(
            "select coalesce(sum(revenue), 0) from marts.fct_revenue_events "
            f"where event_type = 'invoice' and order_line_id in ({invoiced_keys})",
            [x["order_line_id"] for x in invoiced],
        )[0][0]
        assert revenue == sum((line_value(x, "invoiced_at") for x in invoiced), Decimal(0))
        for credited, source, account_id, _ in facts.values():
            assert credited is not None
            if parent.table == "sales_reps":
                assert credited != parent.key and source != "order"
            if parent.table == "accounts":
                assert account_id == parent.key
        if parent.table == "accounts":
            member = bad.query(
                "select is_inferred, is_customer from marts.dim_accounts where account_id = ?", [parent.key]
            )
            assert member == [(True, True)]
    # the children's money reaches the rep views (every credit has a rep) and the company totals
    totals = bad.query(
        "select (select sum(revenue) from marts.kpi_sales_per_rep), (select sum(revenue) from "
        "marts.kpi_revenue_monthly), (select sum(bookings) from marts.kpi_sales_per_rep), "
        "(select sum(bookings) from marts.kpi_bookings_monthly)"
    )[0]
    assert totals[0] == totals[1] and totals[2] == totals[3], totals


# ----- the messy half of the independent KPI cross-check (test_kpi_crosscheck.py) -------------------
@pytest.fixture(scope="module")
def checker_reading(bad: Build) -> RawData:
    """The bad raw files as the cross-check's own staging reader keeps them."""
    return RawData.load(
        bad.raw_dir,
        PROJECT_ROOT / "seeds",
        as_of=date.fromisoformat(AS_OF),
        reporting_currency=REPORTING_CURRENCY,
    )


@pytest.fixture(scope="module")
def kpi_references(checker_reading: RawData) -> dict[str, pd.DataFrame]:
    return {view: REFERENCES[view](checker_reading) for view in SPECS}


def test_the_checker_quarantines_what_the_catalog_says(catalog: Catalog, checker_reading: RawData) -> None:
    """The cross-check's reader agrees with the catalog (not with the project) on what cannot be read."""
    expected = Counter(r.table for r in catalog.rows if r.disposition == "quarantined")
    assert Counter(checker_reading.quarantined) == expected
    # the corrupted parents' children stay, whatever happened to the parent
    orders = set(checker_reading.tables["orders"]["order_id"])
    lines = set(checker_reading.tables["order_lines"]["order_line_id"])
    for parent in catalog.corrupted_parents:
        kept = orders if parent.child_table == "orders" else lines
        assert set(parent.child_keys) <= kept, f"children of {parent.table} {parent.key}"


def test_the_catalog_exercises_a_won_deal_without_cycle(kpi_references: dict[str, pd.DataFrame]) -> None:
    """The cross-check below meets a won deal closed before its creation (no sales cycle, D42)."""
    cycle = kpi_references["kpi_sales_cycle_monthly"]
    assert (cycle["won_deals"] > cycle["won_deals_with_cycle"]).any(), "a won deal closed before creation"


@pytest.mark.parametrize("view", sorted(SPECS))
def test_kpi_view_matches_the_independent_reference(
    view: str, bad: Build, checker_reading: RawData, kpi_references: dict[str, pd.DataFrame]
) -> None:
    actual = read_relation(bad.database, f"{MARTS_SCHEMA}.{view}")
    problems = check_view(view, kpi_references[view], actual, checker_reading)
    assert not problems, "\n".join(problems)
