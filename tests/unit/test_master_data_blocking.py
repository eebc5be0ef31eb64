"""Name blocks are capped: a key shared by too many records blocks no pairs."""

from __future__ import annotations

from typing import Any

from semgraph.master_data.blocking import with_block_keys
from semgraph.master_data.matcher import (
    rare_names_not_boosted,
    tf_columns,
    without_term_frequencies,
)


def _row(first: str | None, last: str | None, postcode: str | None) -> dict[str, Any]:
    return {"name_block": first, "name_block_last": last, "postcode": postcode}


def test_a_small_name_block_is_kept_and_an_oversized_one_left_out() -> None:
    rows = [_row("crest", "group", f"1000{i}") for i in range(5)]
    rows += [_row("acme", "tools", "20000"), _row("acme", "tools", "20001")]
    with_block_keys(rows, max_block=3)
    assert {r["block_first_last"] for r in rows[:5]} == {None}
    assert rows[5]["block_first_last"] == rows[6]["block_first_last"] is not None
    # the crest records still block with each other on first word + postcode (all distinct)
    assert len({r["block_first_postcode"] for r in rows[:5]}) == 5


def test_a_missing_part_gives_no_key() -> None:
    rows = [_row("acme", None, "20000"), _row("acme", None, "20000")]
    with_block_keys(rows)
    assert rows[0]["block_first_last"] is None
    assert rows[0]["block_last_postcode"] is None
    assert rows[0]["block_first_postcode"] == rows[1]["block_first_postcode"] is not None


def test_keys_of_different_parts_do_not_collide() -> None:
    rows = [_row("ab", "c", "1"), _row("a", "bc", "1")]
    with_block_keys(rows)
    assert rows[0]["block_first_last"] != rows[1]["block_first_last"]


def test_term_frequencies_only_discount_common_names() -> None:
    model = {
        "comparisons": [
            {
                "output_column_name": "name",
                "comparison_levels": [
                    {"is_null_level": True},
                    {"tf_adjustment_column": "name_key", "u_probability": 1e-4},
                    {"u_probability": 0.5},
                ],
            }
        ]
    }
    levels = rare_names_not_boosted(model)["comparisons"][0]["comparison_levels"]
    assert levels[1]["tf_minimum_u_value"] == 1e-4
    assert "tf_minimum_u_value" not in levels[2]
    assert tf_columns(model) == ["name_key"]


def test_a_small_set_is_scored_without_term_frequencies() -> None:
    model = {"comparisons": [{"comparison_levels": [{"tf_adjustment_column": "name_key"}]}]}
    assert tf_columns(without_term_frequencies(model)) == []
    assert tf_columns(model) == ["name_key"]  # the loaded model itself is left as it is
