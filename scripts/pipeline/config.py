"""Paths, exit codes and validation of every value that reaches SQL, dbt or the file system from outside.

Every path comes from the environment (or a CLI option) with a default under the project's warehouse/
folder; relative paths are resolved against the project directory, which is where dbt runs.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from scripts.contract import PROJECT_ROOT

ENV_BUILD_DB = "SALES_KPIS_DUCKDB_PATH"
ENV_SERVING_DB = "SALES_KPIS_SERVING_PATH"
ENV_STATE_DIR = "SALES_KPIS_STATE_DIR"
ENV_PROJECT_DIR = "SALES_KPIS_PROJECT_DIR"
ENV_KEEP_VERSIONS = "SALES_KPIS_KEEP_VERSIONS"
ENV_TARGET_PATH = "DBT_TARGET_PATH"
ENV_DBT_LOG_PATH = "DBT_LOG_PATH"
# the as-of date for dbt: read by the as_of_date() macro while executing, never while parsing, so a new date
# each night keeps dbt's partial parse (a changed --vars would not; D115)
ENV_AS_OF_DATE = "SALES_KPIS_AS_OF_DATE"
# the highest load batch a successful build has tested: the raw tests read newer rows only (D127)
ENV_RAW_TESTED_BATCH = "SALES_KPIS_RAW_TESTED_BATCH"

DEFAULT_BUILD_DB = "warehouse/build.duckdb"
DEFAULT_SERVING_DB = "warehouse/serving/sales_kpis.duckdb"
DEFAULT_STATE_DIR = "warehouse/state"
DEFAULT_SAMPLE_DIR = "seeds/sample_crm"
DEFAULT_KEEP_VERSIONS = 5

IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
TARGET_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,62}")
# one dbt node-selection criterion: optional graph operator (@ or N+), optional method (tag:, path:,
# config.materialized:, ...), a value that never starts with "-" (so it cannot be a dbt flag), optional +N
SELECTION_CRITERION = re.compile(
    r"(?:@|[0-9]*\+)?(?:[a-z_]+(?:\.[a-z_]+)*:)?[A-Za-z0-9_*./][A-Za-z0-9_.*/-]{0,200}(?::[A-Za-z0-9_.*-]+)?(?:\+[0-9]*)?"
)
RAW_LOCALES = (
    "iso",
    "id-ID",
    "en-US",
    "en-GB",
    "en-SG",
    "en-AU",
    "ms-MY",
    "de-DE",
    "nl-NL",
    "es-ES",
    "it-IT",
)
RAW_LOCALES += ("pt-BR", "fr-FR")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
RUN_ID = re.compile(r"[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}")
VAR_TEXT = re.compile(r"[A-Za-z0-9_ .:/+@-]{0,200}")


class ExitCode(enum.IntEnum):
    """Process exit codes. 0 from `run` means: the new data is published."""

    OK = 0
    ERROR = 1
    USAGE = 2
    IN_PROGRESS = 3
    STALE_SOURCES = 4
    LOAD_FAILED = 5
    BUILD_FAILED = 6
    VALIDATION_FAILED = 7
    PUBLISH_FAILED = 8


EXIT_CODE_HELP = """\
exit codes:
  0  success (run: the new data is published)
  1  unexpected error (see the log)
  2  invalid command line or value (bad date, identifier, path, JSON)
  3  another pipeline run is in progress (nothing was changed)
  4  stale sources: a raw table is older than freshness_error_after_hours at the as-of date
  5  raw data could not be loaded
  6  dbt build failed (a model, data test or unit test failed)
  7  validation failed (a great-expectations expectation failed)
  8  publish or rollback failed (the previous version is still served)
"""


class ConfigError(ValueError):
    """A value from the command line or the environment that is not acceptable."""


def parse_as_of(text: str) -> dt.date:
    """A calendar date written exactly as YYYY-MM-DD (anything else, injection attempts included, fails)."""
    if not ISO_DATE.fullmatch(text):
        raise ConfigError(f"not a date (expected YYYY-MM-DD): {text!r}")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(f"not a calendar date: {text!r} ({exc})") from exc


def check_identifier(text: str, what: str = "identifier") -> str:
    """A schema or table name: lower-case letters, digits and underscores only."""
    if not IDENTIFIER.fullmatch(text):
        raise ConfigError(f"invalid {what} {text!r}: expected lower-case letters, digits and underscores")
    return text


def check_target(text: str) -> str:
    """A dbt target name from profiles.yml."""
    if not TARGET_NAME.fullmatch(text):
        raise ConfigError(f"invalid dbt target name {text!r}")
    return text


def check_selector(text: str) -> list[str]:
    """A dbt selection (`--select`, `--exclude`) split into its space-separated parts, each checked against
    dbt's node-selection syntax (intersections with commas), so no part can be a dbt flag or anything else.
    The parts reach dbt as separate argument-list elements, never through a shell."""
    parts = text.split()
    if not parts or len(text) > 2000:
        raise ConfigError(f"invalid dbt selector {text!r}: empty or too long")
    for part in parts:
        if not all(SELECTION_CRITERION.fullmatch(c) for c in part.split(",")):
            raise ConfigError(
                f"invalid dbt selector {text!r}: {part!r} is not dbt node selection (model names, "
                "method:value such as tag:daily or path:models/marts, graph operators + and @, * wildcards, "
                "commas for intersections)"
            )
    return parts


def check_raw_locale(text: str) -> str:
    """A raw-file locale preset (macros/project/vars.sql raw_locales())."""
    if text not in RAW_LOCALES:
        raise ConfigError(f"unknown raw locale {text!r}: expected one of {', '.join(RAW_LOCALES)}")
    return text


def check_timezone(text: str) -> str:
    """An IANA time zone name (raw_timezone)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+/-]{0,62}", text):
        raise ConfigError(f"invalid time zone {text!r}")
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"unknown time zone {text!r} (expected an IANA name such as Asia/Jakarta)") from exc
    return text


def check_share(text: str) -> float:
    """A share from 0 to 1 (--max-rejected-share)."""
    try:
        value = float(text)
    except ValueError as exc:
        raise ConfigError(f"not a number: {text!r}") from exc
    if not 0 <= value <= 1:
        raise ConfigError(f"expected a share from 0 to 1, got {text!r}")
    return value


def check_run_id(text: str) -> str:
    """A run id as the pipeline makes them (used as a file name)."""
    if not RUN_ID.fullmatch(text):
        raise ConfigError(f"invalid run id {text!r} (expected e.g. 20261115T020000Z-1a2b3c)")
    return text


def parse_vars(text: str) -> dict[str, object]:
    """Extra dbt vars: a JSON object (dbt validates the values it uses)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"--vars is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise ConfigError("--vars must be a JSON object, such as '{\"churn_inactivity_days\": 60}'")
    _check_var_value(value, "--vars")
    return value


def _check_var_value(value: object, where: str) -> None:
    """dbt vars may reach SQL as text: allow only numbers, booleans, null and plain words, dates, names."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not IDENTIFIER.fullmatch(key):
                raise ConfigError(f"{where}: invalid variable name {key!r}")
            _check_var_value(item, f"{where}.{key}")
    elif isinstance(value, list):
        for item in value:
            _check_var_value(item, where)
    elif isinstance(value, str):
        if not VAR_TEXT.fullmatch(value):
            raise ConfigError(
                f"{where}: value {value!r} holds characters that are not allowed (quotes, ;, ...)"
            )
    elif value is not None and not isinstance(value, bool | int | float):
        raise ConfigError(f"{where}: unsupported value {value!r}")


def new_run_id(now: dt.datetime | None = None) -> str:
    """A sortable, unique run id: UTC start time plus six random hex digits."""
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _resolve(value: str | os.PathLike[str], base: Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


@dataclass(frozen=True)
class Paths:
    """Where the pipeline reads and writes (see docs/operations.md for the layout)."""

    project_dir: Path
    build_db: Path
    serving_db: Path
    state_dir: Path
    target_dir: Path
    keep_versions: int

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, keep_versions: int | None = None) -> Paths:
        """Read the paths from the environment, resolving relative ones against the project directory."""
        env = dict(os.environ if env is None else env)
        project = _resolve(env.get(ENV_PROJECT_DIR) or PROJECT_ROOT, Path.cwd()).resolve()
        keep = keep_versions
        if keep is None:
            raw_keep = env.get(ENV_KEEP_VERSIONS, str(DEFAULT_KEEP_VERSIONS))
            if not raw_keep.isdigit():
                raise ConfigError(f"{ENV_KEEP_VERSIONS} must be a whole number, got {raw_keep!r}")
            keep = int(raw_keep)
        if keep < 1:
            raise ConfigError("at least one published version must be kept (--keep-versions >= 1)")
        paths = cls(
            project_dir=project,
            build_db=_resolve(env.get(ENV_BUILD_DB) or DEFAULT_BUILD_DB, project),
            serving_db=_resolve(env.get(ENV_SERVING_DB) or DEFAULT_SERVING_DB, project),
            state_dir=_resolve(env.get(ENV_STATE_DIR) or DEFAULT_STATE_DIR, project),
            target_dir=_resolve(env.get(ENV_TARGET_PATH) or "target", project),
            keep_versions=keep,
        )
        paths.check()
        return paths

    def check(self) -> None:
        """Refuse layouts that would let a reader see the build file or mix files up."""
        for name, path in (("build database", self.build_db), ("serving file", self.serving_db)):
            if path.suffix != ".duckdb":
                raise ConfigError(f"the {name} must be a .duckdb file: {path}")
            if "\x00" in str(path) or "\n" in str(path):
                raise ConfigError(f"the {name} path holds a control character: {path!r}")
        if self.build_db.resolve() == self.serving_db.resolve():
            raise ConfigError("the serving file must not be the build database")
        if self.build_db.stem == self.serving_db.stem:
            raise ConfigError(
                f"the serving file and the build database must have different names ({self.build_db.stem})"
            )

    @property
    def versions_dir(self) -> Path:
        return self.serving_db.parent / "versions"

    @property
    def runs_dir(self) -> Path:
        return self.state_dir / "runs"

    @property
    def log_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def lock_file(self) -> Path:
        return self.state_dir / "pipeline.lock"

    @property
    def build_marker(self) -> Path:
        return self.state_dir / "build.json"

    @property
    def default_sample_dir(self) -> Path:
        return self.project_dir / DEFAULT_SAMPLE_DIR

    def dbt_env(self, as_of: dt.date | None = None, raw_tested_batch: int | None = None) -> dict[str, str]:
        """Environment for dbt child processes: the build database and target folder, absolute, the
        as-of date (SALES_KPIS_AS_OF_DATE; empty when none is given, so one in the caller's environment
        never leaks in: the models then use today) and the load batch up to which the raw tests have read
        the raw rows (SALES_KPIS_RAW_TESTED_BATCH, an incremental night's; empty: they read every row)."""
        env = {
            ENV_AS_OF_DATE: as_of.isoformat() if as_of else "",
            ENV_RAW_TESTED_BATCH: str(raw_tested_batch) if raw_tested_batch is not None else "",
            ENV_BUILD_DB: str(self.build_db),
            ENV_TARGET_PATH: str(self.target_dir),
            "DBT_PROFILES_DIR": str(self.project_dir),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        if not os.environ.get(ENV_DBT_LOG_PATH):
            env[ENV_DBT_LOG_PATH] = str(self.log_dir / "dbt")
        return env


def project_var(project_dir: Path, name: str, overrides: dict[str, object], default: object = None) -> object:
    """A dbt project variable: the --vars override, else dbt_project.yml's value, else `default`."""
    if name in overrides:
        return overrides[name]
    import yaml

    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8")) or {}
    return (project.get("vars") or {}).get(name, default)


def reporting_zone(project_dir: Path, overrides: dict[str, object]) -> dt.tzinfo:
    """The reporting time zone (var reporting_timezone), in which days and months are cut."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = str(project_var(project_dir, "reporting_timezone", overrides, "UTC"))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"invalid reporting_timezone {name!r}") from exc
