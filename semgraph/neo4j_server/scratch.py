"""Throwaway managed instances: free loopback ports and settings for tests and benchmarks."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path
from typing import Any

from semgraph.config import Settings


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def scratch_settings(
    data_dir: Path | None = None, *, heap: str = "1g", pagecache: str = "512m", **overrides: Any
) -> Settings:
    """Settings of a separate managed Neo4j on free ports (in a new temp folder by default),
    ignoring the caller's ``.env`` so it never touches their own instance."""
    return Settings(
        data_dir=data_dir or Path(tempfile.mkdtemp(prefix="semgraph-scratch-")),
        neo4j_bolt_port=free_port(),
        neo4j_http_port=free_port(),
        neo4j_heap=heap,
        neo4j_pagecache=pagecache,
        _env_file=None,
        **overrides,
    )
