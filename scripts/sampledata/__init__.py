"""Deterministic sample CRM data: the engine behind `python -m scripts.generate_sample_data`.

The sample company is an Indonesian B2B software vendor reporting in IDR (software licences, SaaS plans,
hardware, implementation services, training, support) with USD and a few SGD/EUR deals from foreign and
enterprise accounts. Every step works on numpy / Arrow arrays for a whole batch of leads, deals or
activities at once; the customer base is split into shards built by worker processes and written in
order (docs/sample_data.md explains the design, the realism rules and the file formats).

Modules, one job each:
    config                 parameters, the period, --scale, seeded random streams (one per step and shard)
    calendar               business days and hours (WIB), Ramadan/Lebaran, year-end, growth, demand curve
    currency               exchange rates on business days, money in whole cents
    reference, names       static reference data; Indonesian person and company names, domains, e-mails
    staffing               reps, squads per region, managers, joiners and leavers, who gets which work
    leads                  leads, their sources and owners, and which convert when
    accounts               accounts (migrated, rep-created, from leads), owners over time, contacts
    products               price list, deal baskets, pricing
    pipeline               opportunities and their stage history, for a batch of deals
    lifecycle              every account's life as an event queue: deals, wins, churn, renewals, upsells
    orders_and_subscriptions  orders, invoices, payments, refunds; subscriptions; monthly bills
    activities, emails     activities and tracked e-mails on leads and deals; e-mail tracking events
    marketing              trade shows, webinars, e-mail campaigns, marketing spend
    expenses_and_targets   sales expenses and targets from (rep x month) actuals
    world                  the shared parts and one shard, step by step
    ids, columns, tables   ids; typed columns rendered per chunk; the 16 contract tables
    mess                   messy injections and their expected staging dispositions
    writer, output         CSV / Parquet chunks, worker processes, manifest.json

Regenerating the committed sample (seeds/sample_crm, CSV + manifest.json) after changing the generator:

    .venv/bin/python -m scripts.generate_sample_data

Its defaults are exactly the sample's parameters (seed 42, 36 reps, 950 accounts, 3,600 leads, 27 months
up to 2026-11-15, mess rate 0.01, IDR). Commit the regenerated files with the code change:
tests/python/test_generate_sample_data.py fails while the committed sample differs from a fresh default
generation.
"""
