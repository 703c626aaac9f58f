"""The comparator: a reference frame against a view's rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd

from .common import cents


@dataclass(frozen=True)
class Spec:
    """How to compare one KPI view with its reference: grain keys and the kind of each measure."""

    view: str
    keys: tuple[str, ...]
    money: tuple[str, ...] = ()
    counts: tuple[str, ...] = ()
    ratios: tuple[str, ...] = ()
    rounded: tuple[str, ...] = ()  # values the view rounds to 2 decimals
    labels: tuple[str, ...] = ()  # descriptive values compared exactly (text, dates)
    decimals: tuple[str, ...] = ()  # values of mixed units (decimal(38, 12)), by the row's unit_column:
    unit_column: str | None = None  # 'currency' rows to the cent, others within 1e-9

    @property
    def columns(self) -> tuple[str, ...]:
        return (
            *self.keys,
            *self.money,
            *self.counts,
            *self.ratios,
            *self.rounded,
            *self.labels,
            *self.decimals,
        )


RATIO_TOLERANCE = 1e-9
ROUNDED_TOLERANCE = 0.005 + 1e-9


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str | Decimal) and pd.isna(value))


def _key(value: object) -> object:
    if _missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def _order(key: tuple) -> tuple:
    """Sort keys naturally: dates in calendar order, NULL first."""
    return tuple("" if v is None else v.isoformat() if isinstance(v, date) else str(v) for v in key)


def _same(kind: str, expected: object, actual: object) -> bool:
    if _missing(expected) or _missing(actual):
        return _missing(expected) and _missing(actual)
    if kind == "labels":
        return _key(expected) == _key(actual)
    if kind == "money":
        return cents(Decimal(str(expected))) == cents(Decimal(str(actual)))
    if kind == "counts":
        return int(expected) == int(actual) and float(expected) == float(actual)
    if kind == "decimals":
        return abs(Decimal(str(expected)) - Decimal(str(actual))) <= Decimal("1e-9")
    if kind == "ratios":
        return abs(float(expected) - float(actual)) <= RATIO_TOLERANCE
    # a value the view rounds: within half a unit of the rounding (exact decimal arithmetic, plus the
    # float error of a double at that magnitude)
    e, a = Decimal(str(expected)), Decimal(str(actual))
    return abs(e - a) <= Decimal(str(ROUNDED_TOLERANCE)) + abs(e) * Decimal("1e-15")


def compare(spec: Spec, expected: pd.DataFrame, actual: pd.DataFrame, limit: int = 20) -> list[str]:
    """Differences between a reference frame and a view's rows (empty when they agree).

    Rows are matched on the grain keys; a row present on one side only is a difference.
    """
    problems: list[str] = []
    for side, frame in (("reference", expected), ("view", actual)):
        absent = [c for c in spec.columns if c not in frame.columns]
        if absent:
            problems.append(f"{spec.view}: {side} lacks columns {absent}")
    if problems:
        return problems

    def index(frame: pd.DataFrame) -> dict[tuple, dict[str, object]]:
        out = {}
        for record in frame.to_dict("records"):
            out[tuple(_key(record[k]) for k in spec.keys)] = record
        return out

    exp, act = index(expected), index(actual)
    for key in sorted(set(exp) - set(act), key=_order):
        problems.append(f"{spec.view} {dict(zip(spec.keys, key, strict=True))}: row missing from the view")
    for key in sorted(set(act) - set(exp), key=_order):
        problems.append(f"{spec.view} {dict(zip(spec.keys, key, strict=True))}: row not in the reference")
    kinds: Iterable[tuple[str, Sequence[str]]] = (
        ("money", spec.money),
        ("counts", spec.counts),
        ("ratios", spec.ratios),
        ("rounded", spec.rounded),
        ("labels", spec.labels),
        ("decimals", spec.decimals),
    )
    kinds = list(kinds)
    for key in sorted(set(exp) & set(act), key=_order):
        for kind, columns in kinds:
            for column in columns:
                e, a = exp[key][column], act[key][column]
                if kind == "decimals" and spec.unit_column and exp[key][spec.unit_column] == "currency":
                    kind_here = "money"
                else:
                    kind_here = kind
                if not _same(kind_here, e, a):
                    where = dict(zip(spec.keys, key, strict=True))
                    problems.append(f"{spec.view} {where} {column}: reference {e!r} != view {a!r}")
    if len(problems) > limit:
        problems = [*problems[:limit], f"... and {len(problems) - limit} more differences"]
    return problems
