"""Incremental nights (D119): a sequence of nights that append the next export and build incrementally ends
with the same tables as one full refresh of the same raw rows.

One sequence for the module, on the sample: a full load and build (as of 2026-11-15), then two nights of
changes (scripts.sampledata.changes, 5 % of each table with a one-column key: new ids, late-arriving
activities and e-mail events, newer versions of old ids, soft deletes, and the day's currency rates; the
first also a late rate of a day two years back) and two nights that change only what other rows depend on
(D126: a rep, two orders and a product that staging no longer keeps, then a stage-history entry that
re-dates a deal; the first also second versions of two sales expenses, D133, and an order in a currency
without rates, which the second gives a first rate, D134), each appended with
`load_raw --append` and built without --full-refresh. The database is then rebuilt with --full-refresh and
every relation of staging, intermediate and marts is compared, by row count and an order-independent
checksum of its rows.
A full reload after incremental nights, built without --full-refresh, must equal the first night's build
(the incremental models notice the new epoch). Models only: the data tests prove the models elsewhere.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from scripts.contract import PROJECT_ROOT
from scripts.load_raw import LoadReport, load_directory
from scripts.sampledata.changes import write_changes
from tests.python.dbt_scenario import SCENARIO_DB, run_scenario_dbt

pytestmark = pytest.mark.e2e

SAMPLE = PROJECT_ROOT / "seeds" / "sample_crm"
FIRST_DAY = dt.date(2026, 11, 15)  # the sample's as-of date
BUILD = ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
COMPARED_SCHEMAS = ("staging", "intermediate", "marts")
MARKS = "_incremental_marks"  # the models' high-water marks: bookkeeping, not a model (D126)
INCREMENTAL_MODELS = tuple(
    f"base_crm__{t}"
    for t in (
        "accounts",
        "activities",
        "contacts",
        "email_events",
        "leads",
        "opportunities",
        "order_lines",
        "orders",
        "opportunity_stage_history",
        "sales_expenses",
        "sales_reps",
        "sales_targets",
        "subscriptions",
    )
)
# what the dependency nights change (chosen from the sample, see _write_dependency_nights)
CHANGED_ORDERS = ("SO-000001", "SO-000002")  # a new version with an unknown status: their lines orphaned
REDATED_DEAL = "OPP-000001"  # loses its created_at, then an earlier stage-history entry arrives
RATE_ORDER = "SO-000067"  # a USD order of Sunday 2024-11-24, converted at Friday's rate until night 2
NEW_RATE = 20000
NEW_CURRENCY_ORDER = "SO-JPY"  # in a currency without rates, which gets its first rate a night later
FUTURE_ACCOUNT = "ACC-LATER"  # created in 4 days: quarantined as future-dated, its new contact not found
LATER_DAY = {"future_grace_days": 10}  # the day it is accepted, without waiting for the clock


@dataclass(frozen=True)
class Nights:
    root: Path
    first_build: Path  # copy of the database after the first (full) night
    incremental: Path  # copy after the two incremental nights
    full_refresh: Path  # the same raw rows rebuilt with --full-refresh
    reloaded: Path  # a full reload of the sample built without --full-refresh
    loads: list[LoadReport]
    compiled_incremental: dict[str, str]  # model -> SQL dbt ran on the last incremental night


def _build(root: Path, day: dt.date, *extra: str, dbt_vars: dict[str, int] | None = None) -> None:
    env = {"SALES_KPIS_AS_OF_DATE": day.isoformat()}
    result = run_scenario_dbt(root, [*BUILD, *extra], dbt_vars or {}, env=env, share_parse=not dbt_vars)
    assert result.returncode == 0, "dbt build failed:\n" + "\n".join(result.output_tail)


def _copy(root: Path, name: str) -> Path:
    target = root / f"{name}.duckdb"
    shutil.copyfile(root / SCENARIO_DB, target)
    return target


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> Nights:
    root = tmp_path_factory.mktemp("incremental")
    database = root / SCENARIO_DB
    loads = [load_directory(SAMPLE, database)]
    _build(root, FIRST_DAY, "--full-refresh")
    first_build = _copy(root, "first_build")
    compiled: dict[str, str] = {}
    for night in (1, 2):
        day = FIRST_DAY + dt.timedelta(days=night)
        changes = root / f"night{night + 1}"
        write_changes(SAMPLE, changes, 0.05, day)
        if night == 1:  # besides the day's rates (write_changes), a late rate of a Sunday two years ago
            rates = changes / "currency_rates.csv"
            rates.write_text(rates.read_text(encoding="utf-8") + f"2024-11-24,USD,{NEW_RATE}.00\n", "utf-8")
        loads.append(load_directory(changes, database, append=True))
        _build(root, day)
    last_day = FIRST_DAY + dt.timedelta(days=4)
    for night, folder in enumerate(_write_dependency_nights(root, FIRST_DAY + dt.timedelta(days=3))):
        loads.append(load_directory(folder, database, append=True))
        # the second night is a later day for the future-dated account: a longer grace accepts it
        _build(root, last_day, dbt_vars=LATER_DAY if night else None)
    run_dir = root / "target" / "compiled" / "sales_kpis" / "models" / "staging" / "crm" / "base"
    for model in INCREMENTAL_MODELS:
        compiled[model] = (run_dir / f"{model}.sql").read_text(encoding="utf-8")
    incremental = _copy(root, "incremental")
    _build(root, last_day, "--full-refresh", dbt_vars=LATER_DAY)
    full_refresh = _copy(root, "full_refresh")
    loads.append(load_directory(SAMPLE, database))
    _build(root, FIRST_DAY)
    reloaded = _copy(root, "reloaded")
    return Nights(root, first_build, incremental, full_refresh, reloaded, loads, compiled)


def _write_dependency_nights(root: Path, day: dt.date) -> list[Path]:
    """Two exports that change only rows other rows depend on, as new versions of sample rows:
    the first (`day`) a rep who now leaves before being hired (quarantined: the leads, deals, orders and
    targets they own lose their owner), two orders with an unknown status (quarantined: their lines are
    orphaned), a product with a negative price (quarantined: lines and subscriptions lose their product),
    a deal without created_at (dated by its stage history), a new account created in four days
    (quarantined as future-dated) with a new contact (its account not found), and second versions of two
    expenses (one of a rep, its month written as a timestamp; one of a team), and a new order in yen, a
    currency without rates (quarantined); the second an earlier stage-history entry of that deal, which
    re-dates it, and the first yen rate, later than the order (D134: the order's currency is known now,
    though the order has no new row and no rate applies to its day), and it is built as a later day, on
    which the account is accepted and so the contact finds it, though neither has a new row."""
    stamp = f"'{day.isoformat()} 03:00:00+07:00'"
    later = f"'{dt.datetime.now(dt.UTC).date() + dt.timedelta(days=4)} 09:00:00+07:00'"
    first, second = root / "dependencies1", root / "dependencies2"
    for folder in (first, second):
        folder.mkdir()
    sample = {
        t: f"read_csv('{SAMPLE / f'{t}.csv'}', all_varchar = true, header = true)"
        for t in (
            "sales_reps",
            "leads",
            "orders",
            "products",
            "order_lines",
            "opportunities",
            "opportunity_stage_history",
            "accounts",
            "contacts",
            "sales_expenses",
        )
    }
    top_rep = (  # the rep who owns the most leads
        f"select owner_rep_id from {sample['leads']} "
        "where owner_rep_id like 'REP-%' group by 1 order by count(*) desc, 1 limit 1"
    )
    writes = {
        first / "sales_reps.csv": f"select * replace ('2000-01-01' as left_date, {stamp} as updated_at) "
        f"from {sample['sales_reps']} where rep_id = ({top_rep})",
        first / "orders.csv": f"select * replace ('bogus' as status, {stamp} as updated_at) from "
        f"{sample['orders']} where order_id in {CHANGED_ORDERS} union all (select * replace "
        f"('{NEW_CURRENCY_ORDER}' as order_id, 'JPY' as currency_code, {stamp} as updated_at) "
        f"from {sample['orders']} where rep_id != ({top_rep}) order by order_id limit 1)",
        first / "products.csv": f"select * replace ('-1' as list_price, {stamp} as updated_at) from "
        f"{sample['products']} where product_id = (select product_id from {sample['order_lines']} "
        "where product_id like 'PRD-%' group by 1 order by count(*) desc, 1 limit 1)",
        first / "opportunities.csv": f"select * replace (null as created_at, {stamp} as updated_at) from "
        f"{sample['opportunities']} where opportunity_id = '{REDATED_DEAL}'",
        first / "accounts.csv": f"select * replace ('{FUTURE_ACCOUNT}' as account_id, {later} as created_at, "
        f"{stamp} as updated_at) from {sample['accounts']} where account_id = 'ACC-00001'",
        first
        / "contacts.csv": f"select * replace ('CON-LATER' as contact_id, '{FUTURE_ACCOUNT}' as account_id, "
        f"{stamp} as updated_at) from {sample['contacts']} where contact_id = 'CON-000001'",
        # a second version of a rep's expense, its month written as a timestamp, and of a team's (no rep)
        first / "sales_expenses.csv": f"(select * replace (expense_month || ' 00:00:00' as expense_month, "
        f"'1.00' as amount) from {sample['sales_expenses']} where rep_id is not null "
        "order by expense_month, rep_id, category limit 1) union all (select * replace ('2.00' as amount) "
        f"from {sample['sales_expenses']} where rep_id is null and team is not null "
        "order by expense_month, team, category limit 1)",
        second
        / "opportunity_stage_history.csv": "select * replace ('2024-01-02 09:00:00+07:00' as entered_at, "
        f"'Prospecting' as stage_name) from {sample['opportunity_stage_history']} "
        f"where opportunity_id = '{REDATED_DEAL}' order by entered_at limit 1",
        second / "currency_rates.csv": "select '2026-11-01' as rate_date, 'JPY' as currency_code, "
        "'105.50' as rate_to_reporting",
    }
    with duckdb.connect() as con:
        for path, query in writes.items():
            con.execute(f"copy ({query}) to '{path}' (format csv, header true)")
            assert con.execute(f"select count(*) from read_csv('{path}')").fetchone()[0] >= 1, path
    return [first, second]


def checksums(database: Path) -> dict[str, tuple[int, int]]:
    """Per model of the compared schemas (the marks table is bookkeeping): (rows, sum of row hashes).
    Doubles are rounded to 9 digits (a sum of doubles may differ in its last bit with the order rows are
    added in); `_load_batch`, the number of the load a row came in, is left out (a reload of the same files
    has a new one)."""
    out: dict[str, tuple[int, int]] = {}
    with duckdb.connect(str(database), read_only=True) as con:
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables where table_schema in "
            f"({', '.join(repr(s) for s in COMPARED_SCHEMAS)}) and table_name != '{MARKS}' order by 1, 2"
        ).fetchall()
        for schema, name in relations:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? and column_name != '_load_batch' "
                "order by ordinal_position",
                [schema, name],
            ).fetchall()
            values = ", ".join(
                f'round("{c}", 9)' if t in ("DOUBLE", "FLOAT", "REAL") else f'"{c}"' for c, t in columns
            )
            rows, total = con.execute(
                f'select count(*), coalesce(sum(hash({values})::hugeint), 0) from "{schema}"."{name}"'
            ).fetchone()
            out[f"{schema}.{name}"] = (rows, int(total))
    return out


def _differences(left: dict[str, tuple[int, int]], right: dict[str, tuple[int, int]]) -> list[str]:
    names = sorted(set(left) | set(right))
    return [f"{n}: {left.get(n)} != {right.get(n)}" for n in names if left.get(n) != right.get(n)]


def test_the_nights_appended_new_and_changed_rows(nights: Nights) -> None:
    first, night2, night3, *dependencies, reload = nights.loads
    assert len(dependencies) == 2 and all(r.appended for r in dependencies)
    assert not first.appended and night2.appended and night3.appended and not reload.appended
    batches = [r.load_batch for r in nights.loads]
    assert batches == sorted(batches) and len(set(batches)) == 6  # always increasing, a reload too
    assert night2.rows["activities"] > 0 and night2.rows["email_events"] > 0
    with duckdb.connect(str(nights.incremental), read_only=True) as con:
        by_batch = con.execute(
            "select _load_batch, count(*) from staging.base_crm__activities group by 1 order by 1"
        ).fetchall()
        late = con.execute(
            "select count(*) from staging.base_crm__activities "
            "where _load_batch > ? and occurred_at < timestamp '2026-11-01'",
            [first.load_batch],
        ).fetchone()[0]
        versions = con.execute(
            "select count(*) from staging.base_crm__activities where _disposition = 'superseded'"
        ).fetchone()[0]
    with duckdb.connect(str(nights.first_build), read_only=True) as con:
        versions_before = con.execute(
            "select count(*) from staging.base_crm__activities where _disposition = 'superseded'"
        ).fetchone()[0]
    # the full load's rows carry its batch, then each night's
    assert [b for b, _ in by_batch] == batches[:3]
    assert [n for _, n in by_batch][1:] == [night2.rows["activities"], night3.rows["activities"]]
    assert late > 0  # activities that happened long before the night they arrived in
    assert versions > versions_before  # the nights' second versions (deleted) of old activities


def test_the_last_nights_read_only_the_keys_they_touched(nights: Nights) -> None:
    assert set(nights.compiled_incremental) == set(INCREMENTAL_MODELS)
    for model, sql in nights.compiled_incremental.items():
        assert f"{MARKS}\" where model_name = '{model}'" in sql, f"{model} was not built incrementally"
    # each model's mark is the newest batch when it last ran: the last night's, even for stage history
    # and the others whose own table that night brought no row
    with duckdb.connect(str(nights.incremental), read_only=True) as con:
        marks = dict(
            con.execute(f"select model_name, max(load_batch) from staging.{MARKS} group by 1").fetchall()
        )
    assert marks == dict.fromkeys(INCREMENTAL_MODELS, nights.loads[-2].load_batch)


def test_the_dependency_nights_changed_the_rows_that_depend_on_them(nights: Nights) -> None:
    """What the last nights changed reached the rows that read it (so the equality below covers it)."""
    checks = {
        "leads of the rep who is no longer kept": "select count(*) from staging.base_crm__leads "
        "where is_owner_unresolved and owner_rep_id = (select rep_id from staging.base_crm__sales_reps "
        "where _quarantine_reason = 'end_before_start' and _load_batch > (select min(_load_batch) "
        "from staging.base_crm__sales_reps))",
        "lines of the orders that are no longer kept": "select count(*) from staging.base_crm__order_lines "
        f"where _quarantine_reason = 'orphaned_order_id' and order_id in {CHANGED_ORDERS}",
        "lines of the product that is no longer kept": "select count(*) from staging.base_crm__order_lines "
        "where is_product_unresolved and _disposition = 'kept' and product_id in "
        "(select product_id from staging.base_crm__products where list_price < 0)",
        "the deal re-dated by its stage history": "select count(*) from staging.base_crm__opportunities "
        f"where opportunity_id = '{REDATED_DEAL}' and _disposition = 'kept' "
        "and resolved_created_at < timestamp '2024-01-03'",
        "the contact of the account accepted later": "select count(*) from staging.base_crm__contacts "
        f"where account_id = '{FUTURE_ACCOUNT}' and _account_found and _disposition = 'kept'",
        # its first rate is later than the order: the currency is known now, the rate still missing
        "the order whose currency became known": "select count(*) from staging.base_crm__orders "
        f"where order_id = '{NEW_CURRENCY_ORDER}' and _currency_is_known "
        "and _quarantine_reason = 'missing_currency_rate'",
        "the order converted at the new rate": "select count(*) from staging.base_crm__orders "
        f"where order_id = '{RATE_ORDER}' and _disposition = 'kept' and rate_to_reporting = {NEW_RATE}",
        # both versions of each expense were ranked together: one kept, one superseded
        "the expenses written again": "select count(*) = 2 from (select count(*) as versions, "
        "count(case when e._disposition = 'kept' then 1 end) as kept "
        "from staging.base_crm__sales_expenses as e inner join staging.base_crm__sales_expenses as n "
        "on e.expense_month = n.expense_month and e.rep_id is not distinct from n.rep_id "
        "and e.team is not distinct from n.team and e.category = n.category "
        "where n.amount in (1, 2) group by n.expense_month, n.rep_id, n.team, n.category) "
        "where versions = 2 and kept = 1",
    }
    with duckdb.connect(str(nights.incremental), read_only=True) as con:
        found = {name: con.execute(query).fetchone()[0] for name, query in checks.items()}
    assert all(found.values()), found


def test_incremental_nights_equal_one_full_refresh(nights: Nights) -> None:
    incremental, full = checksums(nights.incremental), checksums(nights.full_refresh)
    assert len(full) > 50
    assert any(n.startswith("marts.fct_") for n in full) and any(n.startswith("marts.kpi_") for n in full)
    differences = _differences(incremental, full)
    assert not differences, "\n".join(differences)
    # and the nights changed something: the first night's tables differ from the last
    assert _differences(checksums(nights.first_build), full)


def test_a_full_reload_after_incremental_nights_replaces_what_they_added(nights: Nights) -> None:
    differences = _differences(checksums(nights.reloaded), checksums(nights.first_build))
    assert not differences, "\n".join(differences)
