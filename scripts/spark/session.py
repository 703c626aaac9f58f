"""The Spark session of the `spark` target, configured exactly as dbt-spark configures it.

profiles.yml is the one place the session is configured (server_side_parameters of the `spark` output,
paths from environment variables); this module renders that block with the same environment, so the
loader, the pipeline and the tests open the same warehouse directory and Derby metastore as dbt. Only one
JVM may open a Derby metastore at a time: never run a Python Spark session and a dbt subprocess on the same
SALES_KPIS_SPARK_DIR at once (the pipeline stops its session before it starts dbt).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from scripts import profile
from scripts.profile import PROFILES_FILE

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_SPARK_DIR = "/tmp/sales_kpis_spark"
SPARK_DIR_VARIABLE = "SALES_KPIS_SPARK_DIR"


def spark_dir() -> Path:
    """The local Spark directory: warehouse/ (tables, raw Parquet files) and metastore_db/ (Derby)."""
    return Path(os.environ.get(SPARK_DIR_VARIABLE, DEFAULT_SPARK_DIR))


def spark_parameters(profiles_file: Path = PROFILES_FILE) -> dict[str, str]:
    """server_side_parameters of the `spark` output, rendered with the current environment (as dbt does),
    plus the one dbt-spark forces (ANSI mode off)."""
    params = profile.output_block("spark", "server_side_parameters", profiles_file)
    params["spark.sql.ansi.enabled"] = "false"
    return params


def check_java() -> None:
    """Raise RuntimeError when no Java runtime is on PATH (pyspark starts a JVM)."""
    import shutil

    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        raise RuntimeError("Spark needs a Java runtime (17): none on PATH and JAVA_HOME is not set")


def get_session() -> SparkSession:
    """The local Spark session of the `spark` target (created on first use, then shared in-process)."""
    from pyspark.sql import SparkSession

    check_java()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    spark_dir().mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.enableHiveSupport().appName("sales_kpis")
    for key, value in spark_parameters().items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def stop_session() -> None:
    """Stop the in-process session and wait for its JVM to exit, so that the next JVM (dbt's, or a new
    session of this process) can open the Derby metastore."""
    import subprocess

    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:
        session.stop()
    gateway = SparkContext._gateway
    if gateway is None:
        return
    proc = getattr(gateway, "proc", None)
    gateway.shutdown()
    SparkContext._gateway = None
    SparkContext._jvm = None
    if proc is not None:
        if proc.stdin is not None:
            proc.stdin.close()  # the JVM of a pyspark gateway exits when its stdin closes
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
