"""The benchmark: generate a data set, run the full nightly pipeline, the incremental night, the lower
bound (the models' compiled SQL in one DuckDB connection) and KPI reads through Arrow; print and save the
numbers. `python -m scripts.benchmark --help`, `make bench`.

Modules, one job each:
    measure      wall time, CPU and peak memory of a process tree (/proc)
    nightly      a pipeline run (full or incremental) in a workspace of its own, with per-phase numbers
    incremental  the incremental night: the next export (scripts.sampledata.changes), run --incremental
    bound        the lower bound: compile, then the models' SQL in one connection
    latency      select * of every kpi_* view through Arrow, p50 and p95
    report       the JSON document and the printed table
    cli          the command line
"""
