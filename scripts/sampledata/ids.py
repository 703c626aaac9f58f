"""Entity ids as CRMs write them: a prefix and a zero-padded number (ACC-00001), in creation order.

Shards are numbered one after the other, so an id's width must be fixed before the first shard is
written: it comes from an upper bound on how many entities of the kind the parameters can produce
(exact for reps, accounts and leads).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scripts.sampledata.config import DEFAULT_MONTHS, GeneratorConfig

# prefix and minimum number width of every numbered entity
ID_FORMATS = {
    "rep": ("REP", 3),
    "account": ("ACC", 5),
    "contact": ("CON", 6),
    "lead": ("LEAD", 6),
    "opportunity": ("OPP", 6),
    "order": ("SO", 6),
    "order_line": ("SOL", 7),
    "subscription": ("SUB", 5),
    "activity": ("ACT", 7),
    "email": ("MSG", 7),
    "event": ("EVT", 7),
    "target": ("TGT", 5),
}
# entities per account-or-lead in the default sample (measured), the bound allows BOUND_FACTOR times that
PER_UNIT = {
    "contact": 0.45,
    "opportunity": 0.22,
    "order": 0.37,
    "order_line": 0.46,
    "subscription": 0.06,
    "activity": 2.1,
    "email": 1.25,
    "event": 3.2,
}
BOUND_FACTOR = 5.0


@dataclass(frozen=True)
class IdSpace:
    """How the ids of one kind are written."""

    prefix: str
    width: int
    limit: int  # the highest number the kind may reach


def id_space(kind: str, limit: int) -> IdSpace:
    prefix, width = ID_FORMATS[kind]
    return IdSpace(prefix, max(width, len(str(max(limit, 1)))), limit)


def id_spaces(config: GeneratorConfig, reps: int) -> dict[str, IdSpace]:
    """The id format of every kind numbered across shards (reps, accounts and leads exactly)."""
    units = (config.accounts + config.leads) * max(1.0, config.months / DEFAULT_MONTHS)
    limits = {"rep": reps, "account": config.accounts, "lead": config.leads}
    for kind, per_unit in PER_UNIT.items():
        limits[kind] = math.ceil(per_unit * units * BOUND_FACTOR)
    return {kind: id_space(kind, limit) for kind, limit in limits.items()}
