"""What to validate and what to serve, discovered from the dbt manifest (never a hard-coded model list).

- Served: every enabled model named kpi_*, fct_* or dim_*, plus the data-quality tables
  int_raw_rows_quarantined, int_raw_rows_accounted, int_raw_rows_flagged and int_unmapped_labels.
- Validated: every model whose YAML declares `config.meta.checks` (docs/marts.md, last section):

      checks:
        grain: [month_start, rep_id]        # unique together, not NULL
        nullable_grain: [rep_id]            # grain columns where NULL is a value (e.g. marketing emails)
        month_column: month_start           # contiguous months (per the other grain columns)
        bounded_rates: [win_rate]           # within [0, 1]
        ratios: [[deals_won, closed_deals]] # numerator <= denominator
        non_negative: [deals_won, won_amount]
        not_null: [rep_id]
        rows_when_inputs_have_rows:         # the model must have rows when any input has (flagged) rows:
          - fct_revenue_events              # an empty KPI view over non-empty inputs is news
          - {model: fct_opportunities, flag: is_won}
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from scripts.pipeline.config import IDENTIFIER

SERVED_PREFIXES = ("kpi_", "fct_", "dim_")
DATA_QUALITY_MODELS = (
    "int_raw_rows_quarantined",
    "int_raw_rows_accounted",
    "int_raw_rows_rejected",
    "int_raw_rows_flagged",
    "int_unmapped_labels",
)
LIST_KEYS = ("grain", "nullable_grain", "bounded_rates", "non_negative", "not_null")
CHECK_KEYS = (*LIST_KEYS, "month_column", "ratios", "rows_when_inputs_have_rows")
COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


class ManifestError(RuntimeError):
    """The dbt manifest is missing or unusable."""


class ChecksError(ValueError):
    """A model's `meta.checks` block is malformed."""


@dataclass(frozen=True)
class Relation:
    """A model as built in the warehouse."""

    name: str
    schema: str
    identifier: str
    materialized: str

    @property
    def kind(self) -> str:
        if self.name.startswith("kpi_"):
            return "kpi"
        if self.name.startswith("fct_"):
            return "fact"
        if self.name.startswith("dim_"):
            return "dimension"
        return "data_quality" if self.name in DATA_QUALITY_MODELS else "other"

    @property
    def sql(self) -> str:
        return f'"{self.schema}"."{self.identifier}"'

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.identifier}"


@dataclass(frozen=True)
class Checks:
    """The validation metadata of one model."""

    grain: tuple[str, ...] = ()
    nullable_grain: tuple[str, ...] = ()
    month_column: str | None = None
    bounded_rates: tuple[str, ...] = ()
    ratios: tuple[tuple[str, str], ...] = ()
    non_negative: tuple[str, ...] = ()
    not_null: tuple[str, ...] = ()
    # (model name, boolean flag column or None): inputs whose (flagged) rows oblige this model to have rows
    rows_when_inputs_have_rows: tuple[tuple[str, str | None], ...] = ()

    @classmethod
    def from_meta(cls, meta: object) -> Checks:
        if not isinstance(meta, dict):
            raise ChecksError(f"checks must be a mapping, got {type(meta).__name__}")
        unknown = sorted(set(meta) - set(CHECK_KEYS))
        if unknown:
            raise ChecksError(f"unknown check keys {unknown} (known: {', '.join(CHECK_KEYS)})")
        lists = {key: tuple(_columns(meta.get(key) or [], key)) for key in LIST_KEYS}
        month = meta.get("month_column")
        if month is not None:
            month = _column(month, "month_column")
        stray = sorted(set(lists["nullable_grain"]) - set(lists["grain"]))
        if stray:
            raise ChecksError(f"nullable_grain columns {stray} are not in the grain")
        ratios = []
        for pair in meta.get("ratios") or []:
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise ChecksError(f"ratios entries must be [numerator, denominator], got {pair!r}")
            ratios.append((_column(pair[0], "ratios"), _column(pair[1], "ratios")))
        inputs = [_input(entry) for entry in meta.get("rows_when_inputs_have_rows") or []]
        return cls(
            month_column=month, ratios=tuple(ratios), rows_when_inputs_have_rows=tuple(inputs), **lists
        )

    def merged(self, extra: Checks) -> Checks:
        """These checks plus extra ones (grain and month column are replaced when the extra sets them)."""
        return Checks(
            grain=extra.grain or self.grain,
            nullable_grain=extra.nullable_grain if extra.grain else self.nullable_grain,
            month_column=extra.month_column or self.month_column,
            bounded_rates=self.bounded_rates + extra.bounded_rates,
            ratios=self.ratios + extra.ratios,
            non_negative=self.non_negative + extra.non_negative,
            not_null=self.not_null + extra.not_null,
            rows_when_inputs_have_rows=self.rows_when_inputs_have_rows + extra.rows_when_inputs_have_rows,
        )

    def columns(self) -> list[str]:
        """Every column the checks read, in a stable order."""
        names = [*self.grain, *([self.month_column] if self.month_column else [])]
        names += [*self.bounded_rates, *(c for pair in self.ratios for c in pair), *self.non_negative]
        names += list(self.not_null)
        return list(dict.fromkeys(names))


@dataclass(frozen=True)
class CheckedModel:
    """A model to validate: its relation and checks, or why its checks cannot be used."""

    relation: Relation
    checks: Checks | None
    error: str | None = None
    # the relations of checks.rows_when_inputs_have_rows, with their flag column (resolved from the manifest)
    inputs: tuple[tuple[Relation, str | None], ...] = ()


def _column(value: object, key: str) -> str:
    if not isinstance(value, str) or not COLUMN.fullmatch(value):
        raise ChecksError(f"{key}: {value!r} is not a column name")
    return value


def _input(entry: object) -> tuple[str, str | None]:
    """One rows_when_inputs_have_rows entry: a model name, or {model: name, flag: boolean column}."""
    key = "rows_when_inputs_have_rows"
    if isinstance(entry, str):
        return _column(entry, key), None
    if isinstance(entry, dict) and "model" in entry and set(entry) <= {"model", "flag"}:
        flag = entry.get("flag")
        return _column(entry["model"], key), None if flag is None else _column(flag, key)
    raise ChecksError(f"{key} entries are a model name or {{model, flag}}, got {entry!r}")


def _columns(values: object, key: str) -> list[str]:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list | tuple):
        raise ChecksError(f"{key} must be a list of column names")
    return [_column(v, key) for v in values]


def load_manifest(target_dir: Path) -> dict[str, Any]:
    path = target_dir / "manifest.json"
    if not path.exists():
        raise ManifestError(f"no dbt manifest at {path}: run the build first")
    return json.loads(path.read_text(encoding="utf-8"))


def _models(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [n for n in manifest.get("nodes", {}).values() if n.get("resource_type") == "model"]
    return sorted((n for n in nodes if n.get("config", {}).get("enabled", True)), key=lambda n: n["name"])


def _relation(node: dict[str, Any]) -> Relation:
    schema = str(node.get("schema") or "")
    identifier = str(node.get("alias") or node["name"])
    for value in (schema, identifier):
        if not IDENTIFIER.fullmatch(value):
            raise ManifestError(f"model {node['name']}: unexpected relation name {value!r}")
    materialized = str(node.get("config", {}).get("materialized") or "view")
    return Relation(name=str(node["name"]), schema=schema, identifier=identifier, materialized=materialized)


def _meta_checks(node: dict[str, Any]) -> object:
    meta = node.get("config", {}).get("meta") or node.get("meta") or {}
    return meta.get("checks")


def served_relations(manifest: dict[str, Any]) -> list[Relation]:
    """Models published to the serving file: KPI views, facts, dimensions, data-quality tables."""
    models = [
        n
        for n in _models(manifest)
        if n["name"].startswith(SERVED_PREFIXES) or n["name"] in DATA_QUALITY_MODELS
    ]
    return [_relation(n) for n in models]


def checked_models(manifest: dict[str, Any], extra: dict[str, object] | None = None) -> list[CheckedModel]:
    """Models with `meta.checks` (plus `extra` checks by model name), KPI views first."""
    extra = extra or {}
    found: list[CheckedModel] = []
    names = set()
    relations = {n["name"]: n for n in _models(manifest)}
    for node in _models(manifest):
        meta = _meta_checks(node)
        if meta is None and node["name"] not in extra:
            continue
        names.add(node["name"])
        relation = _relation(node)
        try:
            checks = Checks.from_meta(meta) if meta is not None else Checks()
            if node["name"] in extra:
                checks = checks.merged(Checks.from_meta(extra[node["name"]]))
            missing = [m for m, _ in checks.rows_when_inputs_have_rows if m not in relations]
            if missing:
                raise ChecksError(f"rows_when_inputs_have_rows names models not in the manifest: {missing}")
            inputs = tuple((_relation(relations[m]), flag) for m, flag in checks.rows_when_inputs_have_rows)
            found.append(CheckedModel(relation, checks, inputs=inputs))
        except ChecksError as exc:
            found.append(CheckedModel(relation, None, f"invalid meta.checks: {exc}"))
    unknown = sorted(set(extra) - names)
    if unknown:
        raise ChecksError(f"extra checks name models that are not in the manifest: {', '.join(unknown)}")
    return sorted(found, key=lambda m: (m.relation.kind != "kpi", m.relation.name))


def load_extra_checks(path: Path) -> dict[str, object]:
    """Additional checks from a YAML or JSON file: {model_name: {check_key: ...}}."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ChecksError(f"cannot read extra checks {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ChecksError(f"{path}: expected a mapping of model name to checks")
    return {str(k): v for k, v in data.items()}
