"""Process-level measuring aids: resident memory and CPU time from /proc (psutil is not installed) and percentiles."""

from __future__ import annotations

import asyncio
import math
import os
import signal
import subprocess
import sys
from collections.abc import Coroutine, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def rss_mb(pid: int) -> float | None:
    """VmRSS of one process in MB (None when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time one process has used so far, in seconds (None when it is gone)."""
    try:
        # The fields after the command name, which is in parentheses and may hold spaces: utime and stime are the
        # 14th and 15th fields of /proc/<pid>/stat.
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """The CPU one process spends on a stretch of load, per request: a server's cost, whoever else shares the box."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._start: float | None = None
        self.seconds: float | None = None

    def __enter__(self) -> CpuMeter:
        self._start = cpu_seconds(self.pid)
        return self

    def __exit__(self, *exc: object) -> None:
        end = cpu_seconds(self.pid)
        self.seconds = None if end is None or self._start is None else end - self._start

    def per_request_ms(self, requests: int) -> float | None:
        return round(self.seconds / requests * 1000, 2) if self.seconds is not None and requests else None


class RssSampler:
    """The peak VmRSS of some processes, sampled in the background while a stage runs."""

    def __init__(self, pids: dict[str, int], interval: float = 0.5) -> None:
        self.pids = dict(pids)
        self.interval = interval
        self.peak: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> None:
        for name, pid in self.pids.items():
            value = rss_mb(pid)
            if value is not None:
                self.peak[name] = max(self.peak.get(name, 0.0), value)

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.interval)

    async def __aenter__(self) -> RssSampler:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.sample()
        if self._task is not None:
            self._task.cancel()


def percentile(values: Sequence[float] | Iterable[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def run_fast(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run on uvloop, the loop uvicorn gives the services, so client and servers run alike."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


class Profiler:
    """py-spy recording one process while a stage runs (`python -m bench --profile DIR`); nothing when DIR is None."""

    def __init__(self, directory: Path | None, name: str, pid: int) -> None:
        self.path = None if directory is None else directory / f"{name}.speedscope.json"
        self.pid = pid
        self._proc: subprocess.Popen[bytes] | None = None

    async def __aenter__(self) -> Profiler:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            py_spy = Path(sys.executable).with_name("py-spy")
            self._proc = subprocess.Popen(
                [str(py_spy), "record", "--format", "speedscope", "-o", str(self.path), "--pid", str(self.pid)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            await asyncio.sleep(1.0)  # py-spy attaches before the stage starts
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.send_signal(signal.SIGINT)
            await asyncio.to_thread(self._proc.wait, 30)
