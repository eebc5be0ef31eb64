"""Incremental validation gives the same verdicts as full validation.

On generated demo graphs, random change sequences of mixed kinds go through the pipeline.
After each committed change, the whole graph is validated with pySHACL in one piece (the
reference). The incremental verdicts for the re-validated focus nodes must equal the
reference's verdicts for those nodes, and every verdict that appeared or disappeared
anywhere in the graph must belong to a re-validated focus node (nothing was missed).
Transition shapes react to the change itself, which a full validation does not see; they
are compared only for what they are: results of this change.
"""

from __future__ import annotations

import random

import neo4j
import pytest

from semgraph.bootstrap import Container
from semgraph.config import Settings
from semgraph.demo import load_demo
from semgraph.demo.changes import random_change, sample_ids
from semgraph.exceptions import ChangeRefusedError
from semgraph.validation.engine import transition_shapes
from semgraph.validation.full import validate_graph
from semgraph.validation.results import ValidationResult

Key = tuple[str, str, str | None, str | None]


def _keys(results: list[ValidationResult], skip: set[str]) -> set[Key]:
    return {r.key for r in results if r.shape not in skip}


@pytest.mark.parametrize("seed", [3, 11])
def test_incremental_verdicts_equal_full_validation(
    seed: int, empty_db: neo4j.Driver, settings: Settings
) -> None:
    container = Container(settings)
    db = settings.neo4j_database
    load_demo(empty_db, container.ontology, db, 1000, seed, progress=False)
    pipeline = container.pipeline
    transition = transition_shapes(container.shapes)

    def whole() -> set[Key]:
        report = validate_graph(
            empty_db, db, container.ontology, container.engine, container.reach, strategy="whole"
        )
        return _keys(report.outcome.results, transition)

    rng = random.Random(seed)
    ids = sample_ids(empty_db, db, per_class=40)
    before = whole()
    committed = refused = 0
    for n in range(14):
        change = random_change(rng, ids, n)
        try:
            result = pipeline.apply(change)
        except ChangeRefusedError as exc:
            refused += 1
            # nothing was written: the reference must not have moved
            assert whole() == before
            assert exc.result.violations
            continue
        committed += 1
        after = whole()
        focus = set(result.focus)
        incremental = _keys(result.results, transition)
        reference = {k for k in after if k[0] in focus}
        assert incremental == reference, f"change {n}: {change.operations}"
        moved = after ^ before
        assert {k[0] for k in moved} <= focus, f"change {n} moved verdicts outside its focus"
        before = after
    assert committed >= 5
    # the bounded-memory strategy agrees with the one-piece reference on the final graph
    batched = validate_graph(
        empty_db, db, container.ontology, container.engine, container.reach, batch_size=97
    )
    assert _keys(batched.outcome.results, transition) == before
    container.close()
