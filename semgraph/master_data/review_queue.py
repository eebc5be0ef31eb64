"""``ReviewQueue``: candidate pairs waiting for a person, and the pairs already decided.

Workflow state beside the business graph (``:DuplicateCandidate`` nodes, not entities):
a pair between the thresholds waits here ``open``; a merge marks it ``merged``; a person's
"not the same" or an unmerge marks it ``rejected``, and a rejected pair is never merged
automatically again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import unquote

import neo4j

from semgraph.exceptions import InvalidInputError, NotFoundError
from semgraph.master_data import queries as q
from semgraph.master_data.matcher import ScoredPair
from semgraph.master_data.outcomes import Candidate

STATUSES = ("open", "merged", "rejected")


def entity_id(iri_or_id: str) -> str:
    """The id of an entity IRI (an id stays as it is)."""
    return unquote(iri_or_id.rsplit("/", 1)[-1])


class ReviewQueue:
    """The review queue of one class."""

    def __init__(self, driver: neo4j.Driver, database: str, cls: str) -> None:
        self.driver = driver
        self.database = database
        self.cls = cls

    def key(self, left: str, right: str) -> str:
        """The pair's key, whichever order (and IRIs or ids) it is given in."""
        a, b = sorted((entity_id(left), entity_id(right)))
        return f"{self.cls}:{a}|{b}"

    def add(self, pairs: Sequence[ScoredPair]) -> int:
        """Queue the pairs (a pair decided before keeps its decision)."""
        rows = [
            {
                "key": self.key(p.left, p.right),
                "cls": self.cls,
                "left": entity_id(p.left),
                "right": entity_id(p.right),
                "score": p.probability,
                "evidence": json.dumps(p.evidence, ensure_ascii=False),
            }
            for p in pairs
        ]
        if rows:
            self.driver.execute_query(
                q.QUEUE_CANDIDATES, rows=rows, at=_now(), database_=self.database
            )
        return len(rows)

    def list(self, status: str | None = "open", limit: int = 50) -> list[Candidate]:
        """Pairs, best score first; InvalidInputError for an unknown status."""
        if status is not None and status not in STATUSES:
            raise InvalidInputError(
                f"unknown review status `{status}`", hint="one of " + ", ".join(STATUSES)
            )
        if limit < 1:
            raise InvalidInputError("first must be at least 1")
        found, _, _ = self.driver.execute_query(
            q.CANDIDATES, status=status, cls=self.cls, limit=limit, database_=self.database
        )
        return [candidate(r["candidate"]) for r in found]

    def get(self, key: str) -> Candidate:
        found, _, _ = self.driver.execute_query(q.CANDIDATE, key=key, database_=self.database)
        if not found:
            raise NotFoundError(
                f"no review candidate `{key}`", hint="list them: semgraph master-data review"
            )
        return candidate(found[0]["candidate"])

    def size(self) -> int:
        found, _, _ = self.driver.execute_query(q.QUEUE_SIZE, database_=self.database)
        return int(found[0]["open"])

    def decided(self, keys: Iterable[str]) -> dict[str, str]:
        """The status of each of ``keys`` that has one."""
        found, _, _ = self.driver.execute_query(
            q.CANDIDATE_STATUS, keys=sorted(set(keys)), database_=self.database
        )
        return {r["key"]: r["status"] for r in found}

    def mark(self, a: str, b: str, status: str, actor: str, change_id: str | None) -> Candidate:
        """Record a decision on the pair (queued before or not)."""
        left, right = sorted((entity_id(a), entity_id(b)))
        found, _, _ = self.driver.execute_query(
            q.MARK_CANDIDATE,
            key=self.key(a, b),
            cls=self.cls,
            left=left,
            right=right,
            status=status,
            actor=actor,
            at=_now(),
            change_id=change_id,
            database_=self.database,
        )
        return candidate(found[0]["candidate"])


def candidate(data: dict[str, Any]) -> Candidate:
    return Candidate(
        key=data["key"],
        cls=data["cls"],
        left=data["left"],
        right=data["right"],
        score=float(data.get("score") or 0.0),
        evidence=json.loads(data.get("evidence") or "{}"),
        status=data["status"],
        change_id=data.get("changeId"),
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
