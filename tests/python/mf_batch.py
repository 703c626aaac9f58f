"""Run several MetricFlow queries in one process (the engine behind `mf query`, one start-up for all).

    python tests/python/mf_batch.py REQUESTS.json RESULTS.json

REQUESTS.json: {"name": {"metrics": [...], "group_by": [...]}, ...}; RESULTS.json: {"name": {"columns":
[...], "rows": [[...], ...]}}. Run with DBT_PROJECT_DIR / DBT_PROFILES_DIR set as for `mf`. Used by
tests/python/test_semantic_layer.py; `mf query` itself is run there too, for the saved query.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import sys
from pathlib import Path

from dbt_metricflow.cli.cli_configuration import CLIConfiguration
from metricflow.engine.metricflow_engine import MetricFlowQueryRequest


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def main(argv: list[str]) -> int:
    requests = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    config = CLIConfiguration()
    config.setup(configure_file_logging=False)
    results = {}
    for name, request in requests.items():
        result = config.mf.query(
            MetricFlowQueryRequest.create(metric_names=request["metrics"], group_by_names=request["group_by"])
        )
        table = result.result_df
        results[name] = {
            "columns": list(table.column_names),
            "rows": [[_plain(v) for v in row] for row in table.rows],
            "sql": result.sql,
        }
    Path(argv[1]).write_text(json.dumps(results), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
