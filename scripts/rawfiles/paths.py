"""Finding the file of each contract table in a raw directory.

Files are named after their table, case-insensitively: `<table>.csv`, `<table>.csv.gz`, `<table>.parquet`.
A name that is a symbolic link is followed only when it resolves inside the raw directory (a link to
/etc/passwd or to another company's export is refused, naming the link and its target), unless the caller
allows links that leave it. Whatever a name resolves to must be a regular file (not a directory, a FIFO
or a device such as /dev/zero).
"""

from __future__ import annotations

import stat
from pathlib import Path

SUFFIXES = (".csv", ".csv.gz", ".parquet")
IGNORED_SUFFIXES = (".json", ".yml", ".yaml", ".md")


class RawFileError(Exception):
    """A raw directory entry that must not be read."""


def table_of(name: str, tables: set[str]) -> str | None:
    lower = name.lower()
    suffix = next((s for s in SUFFIXES if lower.endswith(s)), None)
    table = lower[: -len(suffix)] if suffix else None
    return table if table in tables else None


def find_table_files(
    raw_dir: Path, tables: set[str], allow_outside_links: bool = False
) -> tuple[dict[str, Path], list[str]]:
    """Map contract table names to their file in raw_dir; also list files that match no contract table."""
    root = raw_dir.resolve()
    found: dict[str, Path] = {}
    ignored: list[str] = []
    for path in sorted(raw_dir.iterdir()):
        if path.name.startswith((".", "_")) or path.name.lower().endswith(IGNORED_SUFFIXES):
            continue
        table = table_of(path.name, tables)
        if table is None:
            if path.is_file():
                ignored.append(path.name)
            continue
        check_file(path, root, allow_outside_links)
        if table in found:
            raise RawFileError(f"two files for table {table}: {found[table].name} and {path.name}")
        found[table] = path
    return found, ignored


def check_file(path: Path, root: Path, allow_outside_links: bool) -> None:
    """Refuse a link out of the raw directory and anything that is not a regular file."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise RawFileError(f"{path.name}: cannot be read ({exc}; a broken link?)") from exc
    if path.is_symlink() and not target.is_relative_to(root) and not allow_outside_links:
        raise RawFileError(
            f"{path.name} is a link to {target}, outside the raw directory {root}: refused "
            "(copy the file into the directory, or allow links that leave it with --allow-outside-links)"
        )
    if not stat.S_ISREG(target.stat().st_mode):
        raise RawFileError(f"{path.name}: not a regular file ({target})")
