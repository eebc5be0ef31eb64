"""Fusion functions (RRF and convex combination), specified with fixed lists."""

from __future__ import annotations

import pytest

from semgraph.rag.fusion import convex_combination, reciprocal_rank_fusion


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


# --- convex combination of min-max normalised scores (the default hybrid fusion) ---------


def test_scores_on_different_scales_count_by_their_place_within_each_list() -> None:
    # BM25 scores run to 20, cosines to 0.8; unnormalised, BM25 would decide alone.
    vector = [("v", 0.80), ("both", 0.70), ("low", 0.20)]
    bm25 = [("b", 20.0), ("both", 15.0), ("bottom", 4.0)]
    fused = dict(convex_combination([vector, bm25], [0.5, 0.5]))
    assert fused["v"] == pytest.approx(0.5)
    assert fused["b"] == pytest.approx(0.5)
    assert fused["both"] == pytest.approx(0.5 * (0.5 / 0.6) + 0.5 * (11 / 16))
    assert fused["both"] > fused["v"]
    assert fused["low"] == fused["bottom"] == 0.0


def test_the_weight_moves_the_ranking_from_one_list_to_the_other() -> None:
    vector = [("v1", 0.9), ("v2", 0.6), ("b1", 0.5)]
    bm25 = [("b1", 12.0), ("b2", 8.0), ("v1", 2.0)]
    only_bm25 = [i for i, _ in convex_combination([vector, bm25], [0.0, 1.0])]
    only_vector = [i for i, _ in convex_combination([vector, bm25], [1.0, 0.0])]
    assert only_bm25[:3] == ["b1", "b2", "v1"]
    assert only_vector[:3] == ["v1", "v2", "b1"]
    mostly_bm25 = [i for i, _ in convex_combination([vector, bm25], [0.35, 0.65])]
    assert mostly_bm25[0] == "b1"


def test_an_item_missing_from_a_list_gets_nothing_from_it_and_ties_are_stable() -> None:
    fused = convex_combination([[("x", 0.5)], [("y", 3.0), ("z", 1.0)]], [0.5, 0.5])
    # A one-item list normalises to 1; x and y tie at 0.5 and keep first appearance.
    assert fused == [("x", 0.5), ("y", 0.5), ("z", 0.0)]
    assert convex_combination([[], []], [0.5, 0.5]) == []


def test_convex_combination_needs_one_weight_per_list() -> None:
    with pytest.raises(ValueError, match="one weight per list"):
        convex_combination([[("a", 1.0)], [("b", 1.0)]], [1.0])
