"""Fusion of the keyword and vector result lists.

Two fusion functions:

* ``convex_combination`` (the default): each list's scores are min-max normalised to
  [0, 1] over that list, then combined as ``Σ w_i · normalised_i``; an item missing from a
  list gets 0 from it. This is "relative score fusion" (Weaviate) or the linear retriever
  with a min-max normaliser (Elasticsearch); Bruch, Gai & Ingber ("An Analysis of Fusion
  Functions for Hybrid Retrieval", ACM TOIS 2023) find it beats RRF once its one weight
  is set on a few labelled queries.
* ``reciprocal_rank_fusion`` (Cormack, Clarke & Büttcher, SIGIR 2009): ranks only.
"""

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


def min_max_normalised(scored: Sequence[tuple[Key, float]]) -> dict[Key, float]:
    """Scores mapped linearly onto [0, 1] (best 1, worst 0); all equal → all 1."""
    if not scored:
        return {}
    values = [s for _, s in scored]
    low, high = min(values), max(values)
    if high <= low:
        return {item: 1.0 for item, _ in scored}
    return {item: (s - low) / (high - low) for item, s in scored}


def convex_combination(
    scored_lists: Sequence[Sequence[tuple[Key, float]]], weights: Sequence[float]
) -> list[tuple[Key, float]]:
    """Fuse (item, score) lists: score(d) = Σ w_i · minmax_i(d), 0 where d is not in list i.

    Scores of different lists may be on any scale (cosine, BM25); each list is normalised
    on its own. With weights summing to 1 the fused score lies in [0, 1]. Returns
    (item, score) best first; ties keep the order of first appearance.
    """
    if len(weights) != len(scored_lists):
        raise ValueError("one weight per list is required")
    scores: dict[Key, float] = {}
    first_seen: dict[Key, int] = {}
    for weight, scored in zip(weights, scored_lists, strict=True):
        for item, value in min_max_normalised(scored).items():
            scores[item] = scores.get(item, 0.0) + weight * value
            first_seen.setdefault(item, len(first_seen))
    return sorted(scores.items(), key=lambda kv: (-kv[1], first_seen[kv[0]]))
