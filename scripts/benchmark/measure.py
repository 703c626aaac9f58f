"""Measuring a command: wall time, CPU of the whole process tree, peak resident memory of the tree.

Linux /proc only (no extra dependency). CPU comes from the kernel's accounting of waited-for children
(getrusage RUSAGE_CHILDREN), so it includes every subprocess the command waited for (dbt started by the
pipeline, generator workers). Peak memory is sampled: a background thread sums the resident memory of the
command and all its descendants every SAMPLE_SECONDS, so a peak shorter than that can be missed. The
sampler also records the tree's cumulative CPU over time, which lets a caller split CPU by phase.

And the machine itself: its CPU model, and the CPU time of a fixed DuckDB query (reference_cpu_s), so runs
made on different machines or days can be compared.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_SECONDS = 0.2
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcStat:
    pid: int
    ppid: int
    cpu_s: float  # own user + system time
    children_cpu_s: float  # user + system time of waited-for children
    rss_mb: float


def read_stat(pid: int) -> ProcStat | None:
    """One process's parent, CPU and resident memory (None if it is gone)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
    # fields[0] is state (field 3): ppid 4, utime 14, stime 15, cutime 16, cstime 17, rss 24
    ppid = int(fields[1])
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    rss_pages = int(fields[21])
    return ProcStat(pid, ppid, (utime + stime) / TICKS, (cutime + cstime) / TICKS, rss_pages * PAGE / 2**20)


def process_tree(root: int) -> list[ProcStat]:
    """root and every process descending from it."""
    stats: dict[int, ProcStat] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            stat = read_stat(int(entry.name))
            if stat is not None:
                stats[stat.pid] = stat
    children: dict[int, list[int]] = {}
    for stat in stats.values():
        children.setdefault(stat.ppid, []).append(stat.pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            out.append(stats[pid])
            todo.extend(children.get(pid, []))
    return out


@dataclass
class TreeSampler:
    """Samples a process tree's resident memory and cumulative CPU in a background thread."""

    root: int
    interval: float = SAMPLE_SECONDS
    peak_rss_mb: float = 0.0
    samples: list[tuple[float, float]] = field(default_factory=list)  # (unix time, cumulative tree CPU s)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> None:
        tree = process_tree(self.root)
        if not tree:
            return
        self.peak_rss_mb = max(self.peak_rss_mb, sum(p.rss_mb for p in tree))
        self.samples.append((time.time(), sum(p.cpu_s + p.children_cpu_s for p in tree)))

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeSampler:
        self._thread = threading.Thread(target=self._loop, name="tree-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def steady_samples(self) -> list[tuple[float, float]]:
        """The samples with one-sample glitches removed (each value is the median of it and its neighbours).

        The tree's cumulative CPU only grows, but one sample can be off by a whole process: a child reaped
        by its parent while /proc is being read is counted as itself and again in its parent's children
        time (a spike of its whole CPU), or in neither (a dip). The next sample is right again."""
        values = [c for _, c in self.samples]
        steady = [
            sorted(values[i - 1 : i + 2])[1] if 0 < i < len(values) - 1 else value
            for i, value in enumerate(values)
        ]
        return [(t, c) for (t, _), c in zip(self.samples, steady, strict=True)]

    def cpu_between(self, start: float, end: float) -> float | None:
        """Tree CPU spent between two unix times (from the samples; None without samples around them)."""
        samples = self.steady_samples()
        before = [c for t, c in samples if t <= start]
        after = [c for t, c in samples if t >= end]
        inside = [c for t, c in samples if start <= t <= end]
        if not inside and not (before and after):
            return None
        first = before[-1] if before else inside[0]
        last = after[0] if after else inside[-1]
        return max(0.0, last - first)


@dataclass(frozen=True)
class Measured:
    """What running a command cost."""

    returncode: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    started_at: float
    ended_at: float
    sampler: TreeSampler
    output_tail: str


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_measured(
    command: Sequence[str],
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    log: Path | None = None,
) -> Measured:
    """Run a command to completion and measure it (its output goes to `log`, else is kept in memory)."""
    cpu_before = children_cpu()
    started, clock = time.time(), time.perf_counter()
    handle = log.open("wb") if log is not None else subprocess.PIPE
    try:
        proc = subprocess.Popen(
            list(command), env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT
        )
        with TreeSampler(proc.pid) as sampler:
            output = proc.communicate()[0]
    finally:
        if log is not None:
            handle.close()  # type: ignore[union-attr]
    wall = time.perf_counter() - clock
    tail = (output or b"")[-4000:] if log is None else log.read_bytes()[-4000:]
    return Measured(
        returncode=proc.returncode,
        wall_s=wall,
        cpu_s=children_cpu() - cpu_before,
        peak_rss_mb=sampler.peak_rss_mb,
        started_at=started,
        ended_at=time.time(),
        sampler=sampler,
        output_tail=tail.decode("utf-8", errors="replace"),
    )


def load_average() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages (what `uptime` shows)."""
    return os.getloadavg()


# The same work on every machine: a hash aggregate, casts to text and hashing over 10 M integers, on one
# DuckDB thread. Its CPU time says how fast this machine was when a benchmark ran, so runs made on different
# machines of one kind, or on different days, can be compared (seen: the same SF1 night 177 and 298 s of CPU
# on two machines of the same kind).
REFERENCE_QUERY = (
    "select count(distinct i % 1000003), sum(length(cast(i as varchar))), sum(hash(i) % 1000) "
    "from range(10000000) as t (i)"
)


def reference_cpu_s(repeats: int = 3) -> float:
    """CPU seconds of REFERENCE_QUERY in a new in-memory DuckDB on one thread: the fastest of `repeats`
    (the least disturbed by the machine's neighbours)."""
    import duckdb

    with duckdb.connect(":memory:") as con:
        con.execute("set threads = 1")
        best = float("inf")
        for _ in range(repeats):
            started = time.process_time()
            con.execute(REFERENCE_QUERY).fetchall()
            best = min(best, time.process_time() - started)
    return best


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The processor's name from `cpuinfo` ('unknown' where there is none)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "unknown"
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and value.strip():
            return value.strip()
    return "unknown"
