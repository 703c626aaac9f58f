"""The nightly pipeline: load -> freshness -> dbt build -> great-expectations -> atomic publish.

Modules, one job each: cli (argparse), config (paths, exit codes, input validation), lock (flock),
freshness (dbt source freshness at the as-of date), dbt_runner (dbt subprocess), checks (models and
meta.checks from the manifest), validate (GX suites), publish (serving file, versions, rollback),
history (run records), status, runner (the commands), faults (test-only pause points).
See docs/operations.md.
"""
