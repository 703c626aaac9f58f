"""Deterministic sample CRM data: the engine behind `python -m scripts.generate_sample_data`.

The sample company is an Indonesian B2B software vendor reporting in IDR (software licences, SaaS plans,
hardware, implementation services, training, support) with USD and a few SGD/EUR deals from foreign and
enterprise accounts. The generator first builds clean data as an object graph, then turns it into the 16
contract tables, then injects messy rows and records each one in manifest.json.

Modules, one job each:
    config                 parameters, period, seeded random streams (one per step, passed explicitly)
    calendar               business days and hours (WIB), Ramadan/Lebaran, year-end, growth, demand curve
    currency               exchange rates on business days, money rounding
    reference, names       static reference data; Indonesian person and company names
    staffing               reps, teams per region, managers, joiners and leavers, who gets which work
    accounts               accounts (migrated, rep-created, from leads), owners, contacts
    products               price list and deal baskets
    leads_and_activities   leads and their conversion; activities and sales emails (response times)
    pipeline               opportunities and their stage history
    lifecycle              each account's life as an event queue: deals, wins, churn, renewals, upsells
    orders_and_subscriptions  orders, invoices, payments, refunds; subscriptions
    marketing              trade shows, webinars, email campaigns, marketing spend
    expenses_and_targets   sales expenses and targets
    tables                 object graph -> contract rows (ids numbered in order of creation)
    mess                   messy injections and their expected staging dispositions
    writer, output         CSV / Parquet / manifest.json
    build                  the pipeline: clean tables, then mess

Regenerating the committed sample (seeds/sample_crm, CSV + manifest.json) after changing the generator:

    .venv/bin/python -m scripts.generate_sample_data

Its defaults are exactly the sample's parameters (seed 42, 36 reps, 950 accounts, 3,600 leads, 27 months
up to 2026-11-15, mess rate 0.01, IDR). Commit the regenerated files with the code change:
tests/python/test_generate_sample_data.py fails while the committed sample differs from a fresh default
generation.
"""
