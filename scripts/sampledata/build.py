"""The generator pipeline: clean data first (each step with its own random stream), then the mess."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scripts.contract import load_contract
from scripts.sampledata.accounts import build_accounts
from scripts.sampledata.calendar import Calendar
from scripts.sampledata.config import GeneratorConfig
from scripts.sampledata.context import World
from scripts.sampledata.currency import build_rates
from scripts.sampledata.expenses_and_targets import build_sales_expenses, build_sales_targets
from scripts.sampledata.leads_and_activities import (
    build_lead_activities,
    build_leads,
    build_opportunity_activities,
)
from scripts.sampledata.lifecycle import simulate_accounts
from scripts.sampledata.marketing import build_marketing_emails, build_marketing_spend
from scripts.sampledata.mess import Injection, inject_mess
from scripts.sampledata.products import build_catalogue
from scripts.sampledata.staffing import build_staffing
from scripts.sampledata.tables import Tables, world_tables
from scripts.sampledata.writer import sort_rows


@dataclass(frozen=True)
class Dataset:
    """The generated tables (rows in key order) and the record of every messy injection."""

    tables: Tables
    injections: tuple[Injection, ...]


def build_world(config: GeneratorConfig) -> World:
    """Build the clean object graph: staff, leads, accounts, deals, orders, activities, emails."""
    calendar = Calendar.build(config.start_date, config.end_date)
    world = World(
        config=config,
        calendar=calendar,
        rates=build_rates(config.reporting_currency, calendar, config.stream("rates")),
        staffing=build_staffing(config, calendar, config.stream("reps")),
        catalogue=build_catalogue(config.reporting_currency, calendar, config.stream("products")),
    )
    build_leads(world, config.stream("leads"))
    build_accounts(world, config.stream("accounts"))
    simulate_accounts(world, config.stream("lifecycle"))
    build_lead_activities(world, config.stream("lead_activities"))
    build_opportunity_activities(world, config.stream("deal_activities"))
    build_marketing_emails(world, config.stream("campaigns"))
    return world


def _with_target_ids(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    scope = {True: 0, False: 1}
    ordered = sorted(
        rows,
        key=lambda r: (
            r["period_start"],
            r["period_end"],
            scope[r["rep_id"] is not None],
            r["team"] is None,
            r["rep_id"] or "",
            r["team"] or "",
            r["metric"],
        ),
    )
    return [{"target_id": f"TGT-{n:05d}", **row} for n, row in enumerate(ordered, start=1)]


def build_clean_tables(config: GeneratorConfig) -> Tables:
    """Every contract table, clean (no messy rows), each sorted by key."""
    world = build_world(config)
    tables = world_tables(world)
    tables["marketing_spend"] = build_marketing_spend(world, config.stream("spend"))
    tables["sales_expenses"] = build_sales_expenses(world, config.stream("expenses"))
    tables["sales_targets"] = _with_target_ids(build_sales_targets(world, config.stream("targets")))
    contract = load_contract()
    return {name: sort_rows(contract[name], tables[name]) for name in contract}


def generate(config: GeneratorConfig) -> Dataset:
    """Clean tables, then messy injections at the configured rate (its own random stream)."""
    tables = build_clean_tables(config)
    injections = inject_mess(tables, config.mess_rate, config.stream("mess"), config)
    contract = load_contract()
    return Dataset({name: sort_rows(contract[name], tables[name]) for name in contract}, injections)
