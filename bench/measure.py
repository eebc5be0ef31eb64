"""What the benchmarks measure besides wall time (imported by the scripts beside it)."""

from __future__ import annotations

import time

import psutil


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of process ``pid`` (this process for None)."""
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def vm_speed_s(repeats: int = 3) -> float:
    """Seconds a fixed pure-Python loop (10^7 additions) takes, best of ``repeats``.

    On a shared VM the CPU's speed moves by up to half from hour to hour (0.30-0.40 s in
    the README's ingest runs of 2026-12-02); reported beside a benchmark's figures, it
    says how fast the machine was when they were taken (lower is faster)."""
    best = float("inf")
    for _ in range(repeats):
        started, total = time.perf_counter(), 0
        for k in range(10_000_000):
            total += k
        best = min(best, time.perf_counter() - started)
    return round(best, 3)
