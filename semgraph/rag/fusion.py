"""Reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Key]], k: int = 60, weights: Sequence[float] | None = None
) -> list[tuple[Key, float]]:
    """Fuse ranked lists: score(d) = Σ w_i / (k + rank of d in list i), ranks from 1.

    ``weights`` (default all 1) scale each list's contribution; a list of weight 0 adds
    nothing, but its items still appear (after all positively scored ones).

    Returns (item, score) best first; ties keep the order of first appearance, so the
    result is deterministic. An item missing from a list gets nothing from that list.
    """
    scores: dict[Key, float] = {}
    first_seen: dict[Key, int] = {}
    for index, ranking in enumerate(rankings):
        weight = 1.0 if weights is None else weights[index]
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            first_seen.setdefault(item, len(first_seen))
    return sorted(scores.items(), key=lambda kv: (-kv[1], first_seen[kv[0]]))
