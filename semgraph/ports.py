"""Who holds a loopback port, and a free one near it (the managed servers' port checks)."""

from __future__ import annotations

import socket

import psutil


def port_owner(port: int) -> str | None:
    """Describe the process listening on a loopback port, or None if the port is free."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            return None
        except OSError:
            pass
    try:
        for conn in psutil.net_connections(kind="tcp"):
            local_port = getattr(conn.laddr, "port", None)
            if conn.status == psutil.CONN_LISTEN and local_port == port and conn.pid:
                proc = psutil.Process(conn.pid)
                return f"pid {conn.pid} ({' '.join(proc.cmdline()[:3])[:120]})"
    except (psutil.Error, OSError):
        pass
    return "another process"


def free_port_near(port: int) -> int:
    for candidate in range(port + 1, port + 200):
        if port_owner(candidate) is None:
            return candidate
    return 0
