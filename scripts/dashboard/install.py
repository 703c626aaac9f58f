"""Replace a dashboard folder by a complete new one in one step, and clean up after builds that died."""

from __future__ import annotations

import ctypes
import logging
import os
import secrets
import shutil
from pathlib import Path

log = logging.getLogger("dashboard")

_RENAME_EXCHANGE = 2


def install(new_dir: Path, out_dir: Path) -> None:
    """Make `new_dir` the dashboard folder `out_dir` atomically: on Linux renameat2(RENAME_EXCHANGE)
    swaps the two folders in one step (a reader sees the old or the new dashboard, never a mix), then the
    old one is removed. Elsewhere: rename the old folder away, rename the new one in, remove the old."""
    if not out_dir.exists():
        new_dir.rename(out_dir)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        at_fdcwd = -100
        if renameat2(at_fdcwd, os.fsencode(new_dir), at_fdcwd, os.fsencode(out_dir), _RENAME_EXCHANGE) == 0:
            shutil.rmtree(new_dir)
            return
        log.debug("renameat2 failed (errno %d); replacing in two renames", ctypes.get_errno())
    old = out_dir.with_name(f".{out_dir.name}.{secrets.token_hex(4)}.old")
    out_dir.rename(old)
    new_dir.rename(out_dir)
    shutil.rmtree(old)


def clean_temp_dirs(out_dir: Path) -> None:
    """Remove temp folders left by a dashboard build that died."""
    for path in out_dir.parent.glob(f".{out_dir.name}.*.tmp"):
        shutil.rmtree(path, ignore_errors=True)
    for path in out_dir.parent.glob(f".{out_dir.name}.*.old"):
        shutil.rmtree(path, ignore_errors=True)
