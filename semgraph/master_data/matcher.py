"""Customer matching with Splink (Fellegi–Sunter, DuckDB in memory, offline).

Records are normalised here (``normalise``), then Splink blocks, compares and scores the
pairs with a trained model: ``customer_model.json`` beside this file, trained by
``bench/master_data.py --train`` on the tuning half of a generated customer set. Only the
model's m/u probabilities come from training; the comparisons and blocking rules are the
ones below, so the shipped model and this code cannot drift apart unnoticed (Splink
refuses a model whose comparisons differ from the settings it is loaded with).
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from semgraph.exceptions import ConfigurationError
from semgraph.master_data import normalise as n
from semgraph.master_data.blocking import (
    NAME_BLOCKS,
    blocking_rules,
    shares_a_block,
    with_block_keys,
)

# Term frequencies counted over fewer records than this are not used (see _linker).
TF_MIN_RECORDS = 1000
MODEL_FILE = Path(__file__).with_name("customer_model.json")
# The model's own note (not a Splink setting) of how many records it was trained on.
TRAINED_RECORDS = "semgraph_trained_records"
# Splink logs each step at INFO; the matcher's callers report what matters themselves.
logging.getLogger("splink").setLevel(logging.ERROR)


@dataclass(frozen=True)
class CustomerRecord:
    """What matching reads of one golden customer (values as the graph holds them)."""

    id: str
    name: str | None = None
    tax_id: str | None = None
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    email: str | None = None
    phone: str | None = None
    systems: tuple[str, ...] = ()
    reported_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScoredPair:
    """One candidate pair and why Splink scored it so."""

    left: str
    right: str
    probability: float
    match_weight: float
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per compared field (ontology property names: ``name``, ``taxId``, …): the
    normalised values of both sides, the comparison level and its Bayes factor."""


# CustomerRecord's fields and the ontology property each is read from.
FEATURE_PROPERTIES: dict[str, str] = {
    "name": "name",
    "tax_id": "taxId",
    "street": "street",
    "postal_code": "postalCode",
    "city": "city",
    "country": "country",
    "email": "email",
    "phone": "phone",
}
# The comparisons and the ontology property each one's evidence is about (masking).
EVIDENCE_FIELDS: dict[str, tuple[str, str]] = {
    "name": ("name_key", "name"),
    "tax_id": ("tax_id", "taxId"),
    "address": ("address_tokens", "street"),
    "email_domain": ("email_domain", "email"),
    "phone": ("phone", "phone"),
    "country": ("country", "country"),
}


def features(record: CustomerRecord) -> dict[str, Any]:
    """The row Splink compares for one customer (normalised fields)."""
    name = n.normalise_name(record.name)
    if name is None:
        for other in record.reported_names:
            name = n.normalise_name(other)
            if name is not None:
                break
    tokens = list(name.tokens) if name else []
    address = n.address_tokens(record.street, record.city)
    country = (record.country or "").strip().upper() or None
    return {
        "unique_id": record.id,
        "name_key": name.key if name else None,
        "name_grams": name.grams if name else None,
        "name_block": tokens[0] if tokens else None,
        "name_block_last": tokens[-1] if tokens else None,
        "tax_id": n.normalise_tax_id(record.tax_id),
        "address_tokens": address or None,
        "house_numbers": " ".join(t for t in address if t.isdigit()) or None,
        "postcode": n.postcode(record.postal_code),
        "email_domain": n.email_domain(record.email),
        "phone": n.normalise_phone(record.phone),
        "country": country,
    }


def _jaccard(column: str) -> str:
    left, right = f'"{column}_l"', f'"{column}_r"'
    return (
        f"(len(list_intersect({left}, {right})) * 1.0 / "
        f"nullif(len(list_distinct(list_concat({left}, {right}))), 0))"
    )


def settings() -> Any:
    """Splink settings: comparisons and blocking rules (the model adds m/u and prior)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator

    name_sim = _jaccard("name_grams")
    address_sim = _jaccard("address_tokens")
    same_postcode = '"postcode_l" = "postcode_r"'
    same_number = '"house_numbers_l" = "house_numbers_r"'
    comparisons: list[Any] = [
        cl.CustomComparison(
            output_column_name="name",
            comparison_levels=[
                cll.NullLevel("name_key"),
                cll.ExactMatchLevel("name_key", term_frequency_adjustments=True),
                # a keying error in a name that is otherwise the same
                cll.JaroWinklerLevel("name_key", 0.95),
                cll.CustomLevel(f"{name_sim} >= 0.85", "name bigrams jaccard >= 0.85"),
                cll.CustomLevel(f"{name_sim} >= 0.65", "name bigrams jaccard >= 0.65"),
                cll.CustomLevel(f"{name_sim} >= 0.45", "name bigrams jaccard >= 0.45"),
                cll.ElseLevel(),
            ],
        ),
        cl.CustomComparison(
            output_column_name="tax_id",
            comparison_levels=[
                cll.NullLevel("tax_id"),
                # no "one typo apart" level: neighbouring tax ids belong to different
                # companies (sequential registrations) far more often than to one
                cll.ExactMatchLevel("tax_id"),
                cll.ElseLevel(),
            ],
        ),
        # One comparison for street and postcode: a same postcode says little more once
        # the same street and number agree (two companies at one address share both), so
        # counting them as two independent comparisons counted one fact twice.
        cl.CustomComparison(
            output_column_name="address",
            comparison_levels=[
                cll.And(cll.NullLevel("address_tokens"), cll.NullLevel("postcode")),
                cll.CustomLevel(
                    f"{same_postcode} AND {address_sim} >= 0.8",
                    "same postcode, address tokens jaccard >= 0.8",
                ),
                cll.CustomLevel(
                    f"{same_postcode} AND {address_sim} >= 0.5 AND {same_number}",
                    "same postcode, address tokens jaccard >= 0.5, same house number",
                ),
                cll.CustomLevel(
                    f"{address_sim} >= 0.8", "address tokens jaccard >= 0.8, other postcode"
                ),
                # the same street but another number: a neighbour as often as the company
                cll.CustomLevel(
                    f"{same_postcode} AND {address_sim} >= 0.5",
                    "same postcode, address tokens jaccard >= 0.5, another number",
                ),
                cll.CustomLevel(same_postcode, "same postcode, another street"),
                # the same street in another postcode and at another number falls to the
                # last level: another site, as the postcode alone said before
                cll.ElseLevel(),
            ],
        ),
        cl.ExactMatch("email_domain"),
        cl.CustomComparison(
            output_column_name="phone",
            comparison_levels=[
                cll.NullLevel("phone"),
                cll.ExactMatchLevel("phone"),
                # another line of the same switchboard (accounts payable, not reception)
                cll.CustomLevel(
                    'substr("phone_l", 1, 5) = substr("phone_r", 1, 5)',
                    "same number but the last four digits",
                ),
                cll.ElseLevel(),
            ],
        ),
        cl.ExactMatch("country"),
    ]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
    )


def _db() -> Any:
    try:
        from splink import DuckDBAPI
    except ImportError as missing:  # pragma: no cover - splink is a dependency
        raise ConfigurationError(
            "customer matching needs splink and duckdb", hint="pip install 'splink==5.0.0'"
        ) from missing
    return DuckDBAPI()


def _table(rows: Sequence[dict[str, Any]]) -> Any:
    import pyarrow as pa

    schema = pa.schema(
        [
            ("unique_id", pa.string()),
            ("name_key", pa.string()),
            ("name_grams", pa.list_(pa.string())),
            ("name_block", pa.string()),
            ("name_block_last", pa.string()),
            *((column, pa.string()) for column in NAME_BLOCKS),
            ("tax_id", pa.string()),
            ("address_tokens", pa.list_(pa.string())),
            ("house_numbers", pa.string()),
            ("postcode", pa.string()),
            ("email_domain", pa.string()),
            ("phone", pa.string()),
            ("country", pa.string()),
        ]
    )
    return pa.Table.from_pylist(list(rows), schema=schema)


def load_model(path: Path = MODEL_FILE) -> dict[str, Any]:
    """The trained model (settings with m/u probabilities); ConfigurationError if absent."""
    if not path.exists():
        raise ConfigurationError(
            f"no trained customer match model at {path}",
            hint="train one: python bench/master_data.py --train",
        )
    model: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return model


class CustomerMatcher:
    """Scores candidate pairs of customers with a trained Splink model."""

    def __init__(self, model: dict[str, Any] | None = None) -> None:
        self.model = model if model is not None else load_model()
        self.labels = level_labels(self.model)

    def _linker(self, table: Any, records: int) -> Any:
        """A linker over ``table``: a name shared by many companies in the set says less
        than a rare one (the model's term-frequency levels, counted over the records
        given), but only in a set of at least ``TF_MIN_RECORDS``; in a smaller one (a sync
        batch and its candidates) a name's count says nothing about how common it is."""
        from splink import Linker

        model = for_set_size(self.model, records)
        if records < TF_MIN_RECORDS:
            linker = Linker(table, without_term_frequencies(model), log_level=None)
            return linker
        linker = Linker(table, model, log_level=None)
        for column in tf_columns(self.model):
            linker.table_management.compute_tf_table(column)
        return linker

    def pairs(self, records: Iterable[CustomerRecord], floor: float) -> list[ScoredPair]:
        """Pairs among ``records`` (blocked, so not all pairs) scoring at least ``floor``."""
        rows = [features(r) for r in records]
        if len(rows) < 2:
            return []
        with_block_keys(rows)

        db = _db()
        table = db.register(_table(rows))
        linker = self._linker(table, len(rows))
        found = linker.inference.predict_within(
            table,
            blocking_rules_to_generate_predictions=blocking_rules(),
            threshold_match_probability=floor,
            warning_mode="never",
        )
        return _scored(found, self.labels)

    def pairs_between(
        self,
        new: Iterable[CustomerRecord],
        existing: Iterable[CustomerRecord],
        floor: float,
    ) -> list[ScoredPair]:
        """Pairs of a new record with an existing one, and of new records among themselves,
        scoring at least ``floor`` (existing records are not compared with each other)."""
        new_rows = [features(r) for r in new]
        old_rows = [features(r) for r in existing]
        if not new_rows:
            return []
        with_block_keys(new_rows + old_rows)
        # Splink compares only pairs a blocking rule generates: where there are none (new
        # customers, nobody like them yet), it would find nothing, at the cost of a
        # DuckDB database and a linker per batch
        between = bool(old_rows) and shares_a_block(new_rows, old_rows)
        within = len(new_rows) > 1 and shares_a_block(new_rows)
        if not (between or within):
            return []
        db = _db()
        new_df = db.register(_table(new_rows))
        everything = db.register(_table(new_rows + old_rows))
        linker = self._linker(everything, len(new_rows) + len(old_rows))
        out = []
        if between:
            old_df = db.register(_table(old_rows))
            found = linker.inference.predict_between(
                new_df,
                old_df,
                blocking_rules_to_generate_predictions=blocking_rules(),
                threshold_match_probability=floor,
                warning_mode="never",
            )
            out += _scored(found, self.labels)
        if within:
            found = linker.inference.predict_within(
                new_df,
                blocking_rules_to_generate_predictions=blocking_rules(),
                threshold_match_probability=floor,
                warning_mode="never",
            )
            out += _scored(found, self.labels)
        return out


def for_set_size(model: dict[str, Any], records: int) -> dict[str, Any]:
    """The model as Splink takes it, its prior fitted to a set of ``records``.

    A customer has about as many duplicates in a set of a million as in one of a hundred
    thousand, so the chance that two random records are one customer falls as 1/records:
    in a set larger than the training set the prior is scaled down by that ratio (at 1M
    records a tenth of the 100k one, or a same name alone would count ten times too
    much). Never up: a sync batch and its few candidates are not a random sample."""
    out = {k: v for k, v in model.items() if k != TRAINED_RECORDS}
    trained = model.get(TRAINED_RECORDS)
    prior = "probability_two_random_records_match"
    if trained and records > int(trained) and prior in out:
        out[prior] = float(out[prior]) * int(trained) / records
    return out


def without_term_frequencies(model: dict[str, Any]) -> dict[str, Any]:
    """A copy of the model whose levels use their trained u, not term frequencies."""
    out = copy.deepcopy(model)
    for comparison in out.get("comparisons", []):
        for level in comparison["comparison_levels"]:
            for key in ("tf_adjustment_column", "tf_adjustment_weight", "tf_minimum_u_value"):
                level.pop(key, None)
    return out


def tf_columns(model: dict[str, Any]) -> list[str]:
    """The columns whose term frequencies the model's levels adjust for."""
    return sorted(
        {
            str(level["tf_adjustment_column"])
            for comparison in model.get("comparisons", [])
            for level in comparison["comparison_levels"]
            if level.get("tf_adjustment_column")
        }
    )


def level_labels(model: dict[str, Any]) -> dict[str, dict[int, str]]:
    """Per comparison, the label of each comparison-vector value (Splink numbers the
    non-null levels from the last, 0, up to the first)."""
    out: dict[str, dict[int, str]] = {}
    for comparison in model.get("comparisons", []):
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        out[comparison["output_column_name"]] = {
            len(levels) - 1 - i: str(lv.get("label_for_charts", "")) for i, lv in enumerate(levels)
        }
    return out


def _scored(frame: Any, labels: dict[str, dict[int, str]]) -> list[ScoredPair]:
    out = []
    for row in frame.as_record_list():
        evidence: dict[str, dict[str, Any]] = {}
        for comparison, (column, prop) in EVIDENCE_FIELDS.items():
            gamma = row.get(f"gamma_{comparison}")
            if gamma is None or gamma == -1:
                continue  # a side has no value: no evidence either way
            evidence[prop] = {
                "left": row.get(f"{column}_l"),
                "right": row.get(f"{column}_r"),
                "level": labels.get(comparison, {}).get(int(gamma), str(gamma)),
                "weight": round(float(row.get(f"mw_{comparison}") or 0.0), 3),
            }
        left, right = sorted((str(row["unique_id_l"]), str(row["unique_id_r"])))
        out.append(
            ScoredPair(
                left,
                right,
                float(row["match_probability"]),
                float(row["match_weight"]),
                evidence,
            )
        )
    return out


def train(
    records: Sequence[CustomerRecord], seed: int = 7, max_pairs: float = 5e5
) -> dict[str, Any]:
    """Train the model on ``records`` without labels: u by random sampling, the prior from
    tax-id agreement, m by expectation maximisation in two blocked sessions."""
    from splink import Linker, block_on

    rows = [features(r) for r in records]
    with_block_keys(rows)
    db = _db()
    linker = Linker(db.register(_table(rows)), settings(), log_level=None)
    linker.training.estimate_probability_two_random_records_match([block_on("tax_id")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("tax_id"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("name_block", "country")
    )
    model: dict[str, Any] = linker.misc.save_model_to_json()
    model[TRAINED_RECORDS] = len(rows)
    return rare_names_not_boosted(regularised(model))


def rare_names_not_boosted(model: dict[str, Any]) -> dict[str, Any]:
    """The model with each term-frequency level's u kept at least its trained u: a name
    many companies share then weighs less, but a rare one no more than an average one,
    since a rare name shared by two different companies (a sibling elsewhere) is the
    near miss that must not merge."""
    for comparison in model.get("comparisons", []):
        for level in comparison["comparison_levels"]:
            if level.get("tf_adjustment_column") and level.get("u_probability"):
                level["tf_minimum_u_value"] = float(level["u_probability"])
    return model


M_FLOOR = 0.01
U_FLOOR = 1e-6


def regularised(model: dict[str, Any]) -> dict[str, Any]:
    """The model with every level's m at least 1 % (or, where u is less, m = u: no
    evidence) and u at least 0.0001 %, untrained levels included. EM on a training set that
    never shows a level for true matches (say, two systems' phones disagreeing) learns
    m = 0 there, and that level would then veto every pair it appears in, however much
    else agrees."""
    for comparison in model.get("comparisons", []):
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            u = max(float(level.get("u_probability") or 0.0), U_FLOOR)
            # Below the floor, training saw too few true matches at this level to say
            # anything: it may not veto (m = 1 % where u is large), nor count for a match
            # (m = u where u is less: a same street with another house number is a
            # neighbour as often as the same company, and no evidence either way).
            m = float(level.get("m_probability") or 0.0)
            level["m_probability"] = m if m >= M_FLOOR else min(M_FLOOR, u)
            level["u_probability"] = u
    return model
