"""``MergeLog``: the merge record written in the merge's own transaction.

A merge is an ordinary change set; what makes it undoable is the record of what was
there before (the snapshot), its score and evidence. The pipeline runs this hook inside
the change's transaction after its change event is recorded, so the record commits with
the change or not at all, and hangs off the change event (``MERGE_DECISION``).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import neo4j

from semgraph.changes.model import ChangeSet
from semgraph.changes.pipeline import ChangeResult
from semgraph.master_data import queries as q


@dataclass(frozen=True)
class PendingMerge:
    cls: str
    survivor: str
    absorbed: str
    score: float | None
    evidence: dict[str, Any]
    restore: dict[str, Any]
    automatic: bool = False
    """Decided by the score alone (matching), not by a person."""


@dataclass(frozen=True)
class PendingUnmerge:
    merge_change_id: str


class MergeLog:
    """A ``TxHook``: writes the merge or unmerge record of the change sets it was told of."""

    def __init__(self) -> None:
        self._pending: dict[str, PendingMerge | PendingUnmerge] = {}
        self._lock = threading.Lock()

    def expect(self, change_set_id: str, entry: PendingMerge | PendingUnmerge) -> None:
        """Record ``entry`` when the change set ``change_set_id`` commits."""
        with self._lock:
            self._pending[change_set_id] = entry

    def forget(self, change_set_id: str) -> None:
        with self._lock:
            self._pending.pop(change_set_id, None)

    def __call__(self, tx: neo4j.Transaction, change_set: ChangeSet, result: ChangeResult) -> None:
        with self._lock:
            entry = self._pending.get(change_set.id)
        if isinstance(entry, PendingMerge):
            tx.run(
                q.RECORD_MERGE,
                change_id=change_set.id,
                cls=entry.cls,
                survivor=entry.survivor,
                absorbed=entry.absorbed,
                score=entry.score,
                evidence=json.dumps(entry.evidence, ensure_ascii=False),
                snapshot=json.dumps(entry.restore, ensure_ascii=False),
                at=change_set.context.at,
                actor=change_set.context.actor,
                automatic=entry.automatic,
            ).consume()
        elif isinstance(entry, PendingUnmerge):
            tx.run(
                q.RECORD_UNMERGE,
                change_id=change_set.id,
                merge_change_id=entry.merge_change_id,
                at=change_set.context.at,
            ).consume()
