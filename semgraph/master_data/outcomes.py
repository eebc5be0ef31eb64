"""What master-data calls take and give back: the caller, review candidates, outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from semgraph.changes.pipeline import ChangeResult


@dataclass(frozen=True)
class Caller:
    """Who asks for a merge or unmerge (recorded on the change event)."""

    actor: str = "master-data"
    role: str = "admin"
    session_id: str | None = None
    device: str = "unknown"


@dataclass(frozen=True)
class Candidate:
    """A pair in the review queue (or decided there)."""

    key: str
    cls: str
    left: str
    right: str
    score: float
    evidence: dict[str, Any]
    status: str
    change_id: str | None = None


@dataclass(frozen=True)
class MergeOutcome:
    change_id: str
    survivor: str
    absorbed: str
    score: float | None
    result: ChangeResult
    skipped: list[str] = field(default_factory=list)
    """For an unmerge: what could not be put back, and why."""

    @property
    def warnings(self) -> list[str]:
        return [r.shape.rsplit("/", 1)[-1] for r in self.result.warnings]


@dataclass
class MatchReport:
    records: int = 0
    pairs: int = 0
    merged: list[MergeOutcome] = field(default_factory=list)
    queued: int = 0
    refused: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "pairs": self.pairs,
            "auto_merged": len(self.merged),
            "queued_for_review": self.queued,
            "refused": self.refused,
            "merges": [
                {
                    "change": m.change_id,
                    "survivor": m.survivor,
                    "absorbed": m.absorbed,
                    "score": m.score,
                    "warnings": m.warnings,
                }
                for m in self.merged
            ],
            "seconds": round(self.seconds, 3),
        }
