"""Columns of generated tables: numpy arrays of one internal kind, rendered to Arrow per chunk.

Each kind knows how to write a slice as the contract type (Parquet) or as CSV text, and how to give one
cell as a Python value (the messy injections read and change single cells).

CSV text: timestamps are the company's wall-clock time with its offset (`2026-09-14 11:13:00+07:00`),
dates `YYYY-MM-DD`, booleans `true`/`false`, decimals plain (`1500000.00`), NULL an empty field.
Parquet: timestamps are UTC instants (timestamp[us, tz=UTC]), dates date32, decimals decimal128 of the
contract's precision and scale, integers int64, booleans bool.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scripts.sampledata.config import NEVER, NEVER_DAY, WIB

OFFSET_TEXT = "+07:00"
_DECIMAL = re.compile(r"decimal\((\d+),\s*(\d+)\)")


def timestamp_text(second: int) -> str:
    """One moment as written to CSV: the local wall-clock time with its offset."""
    local = datetime.fromtimestamp(second + WIB, UTC)
    return local.strftime("%Y-%m-%d %H:%M:%S") + OFFSET_TEXT


def date_text(day: int) -> str:
    return (date(1970, 1, 1) + timedelta(days=day)).isoformat()


def contract_arrow_type(data_type: str) -> pa.DataType:
    """The Parquet (Arrow) type of a contract column type."""
    t = data_type.lower()
    if t == "timestamp":
        return pa.timestamp("us", tz="UTC")
    if t == "date":
        return pa.date32()
    if t == "boolean":
        return pa.bool_()
    if t == "integer":
        return pa.int64()
    match = _DECIMAL.fullmatch(t)
    if match:
        return pa.decimal128(int(match.group(1)), int(match.group(2)))
    return pa.string()


class Column:
    """A column of n values of one kind."""

    def __len__(self) -> int:
        raise NotImplementedError

    def arrow(self, index: slice | np.ndarray, data_type: pa.DataType) -> pa.Array:
        """Values as the given Arrow type (the contract type, or string for CSV and messy columns)."""
        raise NotImplementedError

    def value(self, i: int) -> object:
        """One cell as a Python value (None for NULL)."""
        raise NotImplementedError

    def present(self) -> np.ndarray:
        """Whether each cell holds a value (not NULL)."""
        raise NotImplementedError

    def render(self, values: list[object], data_type: pa.DataType) -> pa.Array:
        """Python values of this kind (or, in string columns, any text) as the Arrow type."""
        raise NotImplementedError

    def text(self, value: object) -> str:
        """A (non-NULL) Python value of this kind as written to CSV."""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)


@dataclass
class Ids(Column):
    """Entity numbers (1-based; 0 or less: NULL) written as PREFIX-000123 with a fixed width."""

    prefix: str
    numbers: np.ndarray
    width: int
    limit: int  # no entity of the kind has a higher number

    def present(self) -> np.ndarray:
        return self.numbers > 0

    def __len__(self) -> int:
        return len(self.numbers)

    def text_of(self, number: int) -> str:
        return f"{self.prefix}-{number:0{self.width}d}"

    def exists(self, text: str) -> bool:
        """Whether text is (or may be) the id of an entity of the kind."""
        digits = text.removeprefix(self.prefix + "-")
        return (
            text.startswith(self.prefix + "-")
            and digits.isdigit()
            and len(digits) == self.width
            and 1 <= int(digits) <= self.limit
        )

    def arrow(self, index: slice | np.ndarray, data_type: pa.DataType) -> pa.Array:
        numbers = np.asarray(self.numbers[index], dtype=np.int64)
        digits = pc.utf8_lpad(pc.cast(pa.array(numbers, mask=numbers <= 0), pa.string()), self.width, "0")
        return pc.binary_join_element_wise(self.prefix + "-", digits, "")

    def value(self, i: int) -> object:
        number = int(self.numbers[i])
        return self.text_of(number) if number > 0 else None

    def render(self, values: list[object], data_type: pa.DataType) -> pa.Array:
        return pa.array(values, pa.string())


@dataclass
class Labels(Column):
    """Codes into a tuple of labels (-1: NULL)."""

    labels: tuple[str, ...]
    codes: np.ndarray

    def present(self) -> np.ndarray:
        return self.codes >= 0

    def __len__(self) -> int:
        return len(self.codes)

    def arrow(self, index: slice | np.ndarray, data_type: pa.DataType) -> pa.Array:
        codes = np.asarray(self.codes[index], dtype=np.int64)
        return pa.array(self.labels, pa.string()).take(pa.array(codes, mask=codes < 0))

    def value(self, i: int) -> object:
        code = int(self.codes[i])
        return self.labels[code] if code >= 0 else None

    def render(self, values: list[object], data_type: pa.DataType) -> pa.Array:
        return pa.array(values, pa.string())


@dataclass
class Text(Column):
    """Strings (an Arrow string array)."""

    values: pa.Array

    def present(self) -> np.ndarray:
        return pc.is_valid(self.values).to_numpy(zero_copy_only=False)

    def __len__(self) -> int:
        return len(self.values)

    def arrow(self, index: slice | np.ndarray, data_type: pa.DataType) -> pa.Array:
        if isinstance(index, slice):
            return self.values.slice(index.start, index.stop - index.start)
        return self.values.take(pa.array(index))

    def value(self, i: int) -> object:
        return self.values[i].as_py()

    def render(self, values: list[object], data_type: pa.DataType) -> pa.Array:
        return pa.array(values, pa.string())


def _timestamp_text(seconds: np.ndarray) -> pa.Array:
    valid = seconds < NEVER
    local = pa.array(np.where(valid, seconds + WIB, 0), pa.timestamp("s"), mask=~valid)
    return pc.binary_join_element_wise(pc.cast(local, pa.string()), OFFSET_TEXT, "")


@dataclass
class Stamps(Column):
    """UTC epoch seconds (NEVER: NULL)."""

    seconds: np.ndarray

    def present(self) -> np.ndarray:
        return self.seconds < NEVER

    def __len__(self) -> int:
        return len(self.seconds)

    def _render(self, seconds: np.ndarray, data_type: pa.DataType) -> pa.Array:
        if pa.types.is_timestamp(data_type):
            valid = seconds < NEVER
            return pa.array(
                np.where(valid, seconds, 0) * 1_000_000, pa.timestamp("us", tz="UTC"), mask=~valid
            )
        return _timestamp_text(seconds)

    def arrow(self, index: slice | np.ndarray, data_type: pa.DataType) -> pa.Array:
        return self._render(np.asarray(self.seconds[index], dtype=np.int64), data_type)

    def value(self, i: int) -> object:
        s = int(self.seconds[i])
        return s if s < NEVER else None

    def text(self, value: object) -> str:
        return timestamp_text(int(value))  # type: ignore[call-overload]

    def render(self, values: list[object], data_type: pa.DataType) -> pa.Array:
        if pa.types.is_timestamp(data_type):
            return self._render(np.array([NEVER if v is None else v for v in values], np.int64), data_type)
        return _mixed_text(values, lambda ints: _timestamp_text(np.array(ints, np.int64)))


@dataclass
class Days(Column):
    """Epoch days (NEVER_DAY or more: NULL)."""

    days: np.ndarray

    def present(self) -> np.ndarray:
        return self.days < NEVER_DAY

    def __len__(self) -> int:
        return len(self.days)

    def _render(self, days: np.ndarray, data_type: pa.DataType) -> pa.Array:
        valid = days < NEVER_DAY
        array = pa.array(np.where(valid, days, 0).astype(np.int32), pa.date32(), mask=~valid)
        return array if pa.types.is_date32(data_type) else pc.cast(array, pa.string())

    def arrow(self, index: slice | np.ndarray, data_type: pa.DataType) -> pa.Array:
        return self._render(np.asarray(self.days[index], dtype=np.int64), data_type)

    def value(self, i: int) -> object:
        d = int(self.days[i])
        return d if d < NEVER_DAY else None

    def text(self, value: object) -> str:
        return date_text(int(value))  # type: ignore[call-overload]

    def render(self, values: list[object], data_type: pa.DataType) -> pa.Array:
        if pa.types.is_date32(data_type):
            return self._render(
                np.array([NEVER_DAY if v is None else v for v in values], np.int64), data_type
            )
        return _mixed_text(values, lambda ints: self._render(np.array(ints, np.int64), pa.string()))


NULL_UNITS = np.iinfo(np.int64).min


def _decimal_array(units: np.ndarray, scale: int, data_type: pa.Decimal128Type) -> pa.Array:
    valid = units != NULL_UNITS
    unscaled = np.where(valid, units, 0) * (10 ** (data_type.scale - scale))
    words = np.empty((len(units), 2), np.int64)
    words[:, 0] = unscaled
    words[:, 1] = np.where(unscaled < 0, -1, 0)
    validity = pa.array(valid).buffers()[1] if not valid.all() else None
    return pa.Array.from_buffers(
        data_type, len(units), [validity, pa.py_buffer(words.tobytes())], null_count=int((~valid).sum())
    )


def _decimal_text(units: np.ndarray, scale: int) -> pa.Array:
    valid = units != NULL_UNITS
    units = np.where(valid, units, 0)
    sign = np.where(units < 0, "-", "")
    magnitude = np.abs(units)
    whole = pc.cast(pa.array(magnitude // 10**scale), pa.string())
    if scale == 0:
        text = whole
    else:
        fraction = pc.utf8_lpad(pc.cast(pa.array(magnitude % 10**scale), pa.string()), scale, "0")
        text = pc.binary_join_element_wise(whole, fraction, ".")
    text = pc.binary_join_element_wise(pa.array(sign), text, "")
    return pc.if_else(pa.array(valid), text, pa.scalar(None, pa.string()))


@dataclass
class Units(Column):
    """Fixed-point numbers: int64 units of 10**-scale (NULL_UNITS: NULL)."""

    units: np.ndarray
    scale: int

    def present(self) -> np.ndarray:
        return self.units != NULL_UNITS

    def __len__(self) -> int:
        return len(self.units)

    def _render(self, units: np.ndarray, data_type: pa.DataType) -> pa.Array:
        if pa.types.is_decimal(data_type):
            return _decimal_array(units, self.scale, data_type)
        return _decimal_text(units, self.scale)

    def arrow(self, index: slice | np.ndarray, data_type: pa.DataType) -> pa.Array:
        return self._render(np.asarray(self.units[index], dtype=np.int64), data_type)

    def value(self, i: int) -> object:
        u = int(self.units[i])
        return u if u != NULL_UNITS else None

    def text(self, value: object) -> str:
        return _decimal_text(np.array([value], np.int64), self.scale)[0].as_py()

    def render(self, values: list[object], data_type: pa.DataType) -> pa.Array:
        if pa.types.is_decimal(data_type):
            return self._render(
                np.array([NULL_UNITS if v is None else v for v in values], np.int64), data_type
            )
        return _mixed_text(values, lambda ints: _decimal_text(np.array(ints, np.int64), self.scale))


@dataclass
class Integers(Column):
    """Whole numbers (NULL where the mask is set)."""

    values: np.ndarray
    null: np.ndarray

    def present(self) -> np.ndarray:
        return ~np.asarray(self.null, bool)

    def __len__(self) -> int:
        return len(self.values)

    def arrow(self, index: slice | np.ndarray, data_type: pa.DataType) -> pa.Array:
        array = pa.array(
            np.asarray(self.values[index], np.int64), pa.int64(), mask=np.asarray(self.null[index])
        )
        return array if pa.types.is_integer(data_type) else pc.cast(array, pa.string())

    def value(self, i: int) -> object:
        return None if self.null[i] else int(self.values[i])

    def render(self, values: list[object], data_type: pa.DataType) -> pa.Array:
        if pa.types.is_integer(data_type):
            return pa.array(values, pa.int64())
        return pa.array([None if v is None else str(v) for v in values], pa.string())


@dataclass
class Flags(Column):
    """Booleans."""

    values: np.ndarray

    def present(self) -> np.ndarray:
        return np.ones(len(self.values), bool)

    def __len__(self) -> int:
        return len(self.values)

    def arrow(self, index: slice | np.ndarray, data_type: pa.DataType) -> pa.Array:
        array = pa.array(np.asarray(self.values[index], bool))
        return array if pa.types.is_boolean(data_type) else pc.cast(array, pa.string())

    def value(self, i: int) -> object:
        return bool(self.values[i])

    def render(self, values: list[object], data_type: pa.DataType) -> pa.Array:
        if pa.types.is_boolean(data_type):
            return pa.array(values, pa.bool_())
        return pa.array(
            [None if v is None else ("true" if v is True else "false" if v is False else v) for v in values],
            pa.string(),
        )


def _mixed_text(values: list[object], render_native: Callable[[list[int]], pa.Array]) -> pa.Array:
    """Text of a list mixing native values (ints) with messy text and None."""
    native = [i for i, v in enumerate(values) if isinstance(v, int | np.integer) and not isinstance(v, bool)]
    out: list[object] = [v if isinstance(v, str) or v is None else None for v in values]
    if native:
        rendered = render_native([int(values[i]) for i in native]).to_pylist()
        for i, text in zip(native, rendered, strict=True):
            out[i] = text
    return pa.array(out, pa.string())
