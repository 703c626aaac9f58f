"""One pipeline at a time: an exclusive flock(2) on the lock file in the state folder.

The kernel releases a flock when its holder dies (even by kill -9), so a lock left by a killed run never
blocks the next one. The file also holds who took it (run id, pid, host, start time): a refused run names
the holder, and the next run says when it takes over from a run that died.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import socket
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType

log = logging.getLogger("pipeline.lock")


@dataclass(frozen=True)
class LockInfo:
    """Who holds (or last held) the lock."""

    run_id: str
    pid: int
    hostname: str
    started_at: str
    command: str

    def describe(self) -> str:
        where = f"pid {self.pid} on {self.hostname}, started {self.started_at}"
        return f"run {self.run_id} ({self.command}, {where})"


class LockBusyError(RuntimeError):
    """Another process holds the pipeline lock."""

    def __init__(self, holder: LockInfo | None, path: Path) -> None:
        self.holder = holder
        who = holder.describe() if holder else "an unknown process"
        super().__init__(f"another pipeline run is in progress: {who}; lock file {path}")


def read_lock_info(path: Path) -> LockInfo | None:
    """The holder recorded in the lock file (the last one, if nobody holds it now)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "null")
        return LockInfo(**data) if isinstance(data, dict) else None
    except (OSError, ValueError, TypeError):
        return None


def holder_alive(info: LockInfo) -> bool:
    """Whether the recorded holder still runs (only decidable on the same host)."""
    if info.hostname != socket.gethostname():
        return True
    try:
        os.kill(info.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class PipelineLock:
    """Context manager around an exclusive, non-blocking flock on `path`."""

    def __init__(self, path: Path, info: LockInfo) -> None:
        self.path = path
        self.info = info
        self._fd: int | None = None
        self.previous: LockInfo | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockBusyError(read_lock_info(self.path), self.path) from None
        self.previous = read_lock_info(self.path)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(asdict(self.info)).encode("utf-8"), 0)
        os.fsync(fd)
        self._fd = fd
        if self.previous and self.previous.run_id != self.info.run_id:
            log.debug("lock taken over from %s", self.previous.describe())

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> PipelineLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
