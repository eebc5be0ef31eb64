"""What a sync run did, per file and in all (the CLI's ``--json`` object)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FileSummary:
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    resumed_after_line: int = 0
    rejects_file: str | None = None
    statuses: dict[int, str] | None = None
    """Line -> created / updated / unchanged, when the caller asks for per-record outcomes."""

    def mark(self, line: int, status: str) -> None:
        setattr(self, status, getattr(self, status) + 1)
        if self.statuses is not None:
            self.statuses[line] = status


@dataclass
class SyncSummary:
    """What a run did; ``rejected`` > 0 makes the CLI exit 3."""

    run_id: str
    system: str
    table: str
    files: list[FileSummary] = field(default_factory=list)
    batches: int = 0
    refused_batches: int = 0
    """Change sets a rule refused: their refused rows rejected, the others retried."""
    change_events: int = 0
    warnings: int = 0
    seconds: float = 0.0
    batch_ms: list[float] = field(default_factory=list)
    inactivated: int = 0
    """Records a full snapshot marked inactive (their rows were gone from the export)."""
    actor: str | None = None
    """Who pushed the records (an HTTP caller); None: ``sync:{system}``."""
    device: str | None = None
    role: str | None = None
    """The role the change sets run as (an HTTP caller's); None: the service's role."""
    duplicate_keys: int = 0
    """Rows whose key an earlier row of the same run had (the later row wins)."""
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    unmatched: list[str] = field(default_factory=list, repr=False)
    """Golden IRIs the run created that master-data matching has not been given yet."""
    _keys: set[int] = field(default_factory=set, repr=False)

    def saw_key(self, key: str) -> None:
        """Count ``key`` as read; a key read before in this run is a duplicate."""
        # Hashes, not the keys: a million-row run keeps ints, not a million strings.
        digest = hash(key)
        if digest in self._keys:
            self.duplicate_keys += 1
        else:
            self._keys.add(digest)

    def total(self, name: str) -> int:
        return sum(int(getattr(f, name)) for f in self.files)

    def as_dict(self) -> dict[str, Any]:
        records = self.total("rows")
        return {
            "run_id": self.run_id,
            "system": self.system,
            "table": self.table,
            "records": records,
            "created": self.total("created"),
            "updated": self.total("updated"),
            "unchanged": self.total("unchanged"),
            "rejected": self.total("rejected"),
            "batches": self.batches,
            "refused_batches": self.refused_batches,
            "change_events": self.change_events,
            "warnings": self.warnings,
            "inactivated": self.inactivated,
            "duplicate_keys": self.duplicate_keys,
            "seconds": round(self.seconds, 3),
            "records_per_s": round(records / self.seconds, 1) if self.seconds else 0.0,
            "files": [{k: v for k, v in vars(f).items() if k != "statuses"} for f in self.files],
        }
