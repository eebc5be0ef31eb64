"""The trained customer model as matching uses it: its prior follows the set's size, and a
level training hardly saw among true matches is no evidence (pure logic, no Splink run)."""

from __future__ import annotations

from typing import Any

from semgraph.master_data.matcher import TRAINED_RECORDS, for_set_size, load_model, regularised


def level(label: str, m: float, u: float) -> dict[str, Any]:
    return {"label_for_charts": label, "m_probability": m, "u_probability": u}


def test_the_prior_falls_with_a_larger_set_and_never_rises_for_a_small_one() -> None:
    model = {"probability_two_random_records_match": 1e-5, TRAINED_RECORDS: 100_000}
    tenfold = for_set_size(model, 1_000_000)
    assert tenfold["probability_two_random_records_match"] == 1e-6
    assert TRAINED_RECORDS not in tenfold, "Splink is given only its own settings"
    batch = for_set_size(model, 12)
    assert batch["probability_two_random_records_match"] == 1e-5


def test_a_level_seen_too_rarely_among_matches_neither_vetoes_nor_counts_for_a_match() -> None:
    model = {
        "comparisons": [
            {
                "comparison_levels": [
                    level("same street, another number", 0.004, 0.0001),
                    level("phones differ", 0.0, 0.99),
                    level("exact", 0.85, 0.00002),
                ]
            }
        ]
    }
    levels = regularised(model)["comparisons"][0]["comparison_levels"]
    rare, differ, exact = levels
    assert rare["m_probability"] == rare["u_probability"] == 0.0001, "no evidence"
    assert differ["m_probability"] == 0.01, "no veto: m is at least 1 %"
    assert exact["m_probability"] == 0.85, "a level training saw keeps its m"


def test_the_shipped_model_knows_how_many_records_it_was_trained_on() -> None:
    assert int(load_model()[TRAINED_RECORDS]) > 10_000
