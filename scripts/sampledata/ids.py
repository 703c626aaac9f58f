"""Entity ids as CRMs write them: a prefix and a zero-padded number (ACC-00001), in creation order."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# prefix and minimum number width of every numbered entity (the width grows when the numbers need it)
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


def id_width(kind: str, count: int) -> int:
    """Digits of the numbers of `count` entities of a kind."""
    return max(ID_FORMATS[kind][1], len(str(max(count, 1))))


def format_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """prefix-000123 strings for positive numbers; 0 or less gives NULL."""
    numbers = np.asarray(numbers, dtype=np.int64)
    text = pc.utf8_lpad(pc.cast(pa.array(numbers, mask=numbers <= 0), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix + "-", text, "")


def entity_ids(kind: str, numbers: np.ndarray, count: int) -> pa.Array:
    """Ids of entities of a kind (numbers 1..count; 0 or less: NULL)."""
    prefix, _ = ID_FORMATS[kind]
    return format_ids(prefix, numbers, id_width(kind, count))
