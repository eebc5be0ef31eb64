"""Name blocks are capped: a key shared by too many records blocks no pairs."""

from __future__ import annotations

import random
from typing import Any

import pytest

from semgraph.master_data.blocking import blocking_rules, shares_a_block, with_block_keys
from semgraph.master_data.matcher import (
    CustomerMatcher,
    CustomerRecord,
    _db,
    _scored,
    _table,
    features,
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


def _records(rnd: random.Random, prefix: str, n: int) -> list[CustomerRecord]:
    """Customers drawn from a few names, tax ids, phones and domains, so some pairs block
    and some do not."""
    return [
        CustomerRecord(
            id=f"{prefix}{i}",
            name=rnd.choice(["Berg GmbH", "Acme Tools Ltd", "Nordwind AG", f"Solo {prefix}{i}"]),
            tax_id=rnd.choice([None, f"DE{rnd.randrange(3)}", f"X{prefix}{i}"]),
            phone=rnd.choice([None, "+49 30 1234567", f"+49 40 {prefix}{i}"]),
            email=rnd.choice([None, "ap@berg.example", f"x@{prefix}{i}.example"]),
            postal_code=rnd.choice([None, "10115", "80331"]),
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("seed", range(12))
def test_skipping_splink_where_no_pair_blocks_finds_what_splink_finds(seed: int) -> None:
    """``pairs_between`` skips Splink when no pair agrees on a blocking column; on sets
    that block and sets that do not, it returns what Splink itself returns."""
    rnd = random.Random(seed)
    new = _records(rnd, "n", rnd.randrange(1, 4))
    existing = _records(rnd, "o", rnd.randrange(0, 3))
    matcher = CustomerMatcher()
    new_rows = [features(r) for r in new]
    old_rows = [features(r) for r in existing]
    with_block_keys(new_rows + old_rows)
    db = _db()
    linker = matcher._linker(db.register(_table(new_rows + old_rows)), len(new) + len(existing))
    expected: set[tuple[str, ...]] = set()
    if old_rows:
        found = linker.inference.predict_between(
            db.register(_table(new_rows)),
            db.register(_table(old_rows)),
            blocking_rules_to_generate_predictions=blocking_rules(),
            threshold_match_probability=0.0,
            warning_mode="never",
        )
        expected |= {tuple(sorted((p.left, p.right))) for p in _scored(found, matcher.labels)}
    if len(new_rows) > 1:
        found = linker.inference.predict_within(
            db.register(_table(new_rows)),
            blocking_rules_to_generate_predictions=blocking_rules(),
            threshold_match_probability=0.0,
            warning_mode="never",
        )
        expected |= {tuple(sorted((p.left, p.right))) for p in _scored(found, matcher.labels)}
    got = {tuple(sorted((p.left, p.right))) for p in matcher.pairs_between(new, existing, 0.0)}
    assert got == expected
    blocks = (bool(old_rows) and shares_a_block(new_rows, old_rows)) or shares_a_block(new_rows)
    assert blocks is bool(expected)


def test_a_missing_value_blocks_with_nothing() -> None:
    rows = [{"tax_id": None, "phone": "1"}, {"tax_id": None, "phone": "2"}]
    assert not shares_a_block(rows)
    assert shares_a_block(rows, [{"phone": "2"}])
    assert not shares_a_block(rows, [{"phone": None, "tax_id": None}])
