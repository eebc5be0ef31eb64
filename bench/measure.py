"""What the benchmarks measure besides wall time (imported by the scripts beside it)."""

from __future__ import annotations

import psutil


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of process ``pid`` (this process for None)."""
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)
