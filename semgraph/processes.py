"""The managed servers' own processes (Neo4j, Kafka): which one runs, stopping it, its log."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import psutil


def running_pid(pid_file: Path, marker: str) -> int | None:
    """The PID in ``pid_file`` if that process runs and its command line holds ``marker``.

    The marker (the instance's home or config file) tells this instance's server from a
    process that reused the pid.
    """
    if not pid_file.exists():
        return None
    try:
        pid = int(pid_file.read_text().strip())
        proc = psutil.Process(pid)
        alive = proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
        if alive and marker in proc.cmdline():
            return pid
    except (ValueError, psutil.Error):
        pass
    return None


def stop_pid(pid: int, pid_file: Path, timeout_s: float) -> None:
    """SIGTERM (a controlled shutdown), SIGKILL after ``timeout_s``; the pid file is removed."""
    os.kill(pid, signal.SIGTERM)
    try:
        psutil.Process(pid).wait(timeout=timeout_s)
    except psutil.TimeoutExpired:
        os.kill(pid, signal.SIGKILL)
    except psutil.NoSuchProcess:
        pass
    pid_file.unlink(missing_ok=True)


def tail(path: Path, lines: int = 25) -> str:
    """The last ``lines`` lines of a log file ("" when it does not exist)."""
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
