"""Checkpoints: the last committed line of a file, so a killed run resumes after it.

One small JSON file per (system, table, file path, size, modification time), replaced
atomically after every committed batch and removed when the file is done.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def checkpoint_file(directory: Path, system: str, table: str, path: Path) -> Path:
    """Where the checkpoint of ``path`` (an export of ``system``'s ``table``) lives."""
    stat = path.stat() if path.exists() else None
    ident = "|".join(
        [
            system,
            table,
            str(path.resolve()),
            str(stat.st_size if stat else 0),
            str(stat.st_mtime_ns if stat else 0),
        ]
    )
    digest = hashlib.sha256(ident.encode()).hexdigest()[:24]
    return directory / f"{system}.{table}.{digest}.json"


def read_checkpoint(path: Path) -> int:
    """The last committed line (0: none, or an unreadable checkpoint)."""
    try:
        return int(json.loads(path.read_text())["line"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def write_checkpoint(path: Path, line: int, run_id: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"line": line, "run_id": run_id}))
    tmp.replace(path)  # atomic: a kill leaves the old or the new checkpoint
