"""Reciprocal rank fusion, specified with fixed rankings."""

from __future__ import annotations

import pytest

from semgraph.rag.fusion import reciprocal_rank_fusion


def test_an_item_ranked_well_by_both_lists_wins() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "a", "d"]], k=60)
    assert [item for item, _ in fused] == ["a", "b", "c", "d"]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[2][1] == pytest.approx(1 / 63)


def test_agreement_beats_a_single_first_place() -> None:
    # x is first in one list only; y is second in both lists.
    fused = dict(reciprocal_rank_fusion([["x", "y"], ["z", "y"]], k=60))
    assert fused["y"] == pytest.approx(2 / 62)
    assert fused["y"] > fused["x"] == pytest.approx(1 / 61)


def test_smaller_k_rewards_top_ranks_more() -> None:
    rankings = [["a", "b"], ["b", "c"]]
    assert reciprocal_rank_fusion(rankings, k=1)[0][1] == pytest.approx(1 / 3 + 1 / 2)


def test_empty_lists_and_ties_are_deterministic() -> None:
    assert reciprocal_rank_fusion([[], []]) == []
    # p and q tie exactly; the order of first appearance decides.
    assert [i for i, _ in reciprocal_rank_fusion([["p"], ["q"]])] == ["p", "q"]


def test_weights_scale_each_list_and_zero_keeps_items_last() -> None:
    fused = reciprocal_rank_fusion([["v1", "shared"], ["b1", "shared"]], weights=[0.0, 1.0])
    assert [i for i, _ in fused] == ["b1", "shared", "v1"]
    assert dict(fused)["v1"] == 0.0
