"""Incremental validation gives the same verdicts as full validation.

On generated demo graphs, random change sequences of mixed kinds go through the pipeline.
After each committed change, the whole graph is validated with pySHACL in one piece (the
reference). The incremental verdicts for the re-validated focus nodes must equal the
reference's verdicts for those nodes, and every verdict that appeared or disappeared
anywhere in the graph must belong to a re-validated focus node (nothing was missed).
Transition shapes react to the change itself, which a full validation does not see; they
are compared only for what they are: results of this change. A focus node the change did
not write is not checked against shapes only its own change can trigger (``sgm:triggers
"$this"``); for those, the reference must show that their verdicts did not move.
"""

from __future__ import annotations

import contextlib
import random

import neo4j
import pytest

from semgraph.bootstrap import Container
from semgraph.changes.model import ChangeSet, DeleteEntity, LinkEntities
from semgraph.changes.pipeline import ChangePipeline
from semgraph.config import Settings
from semgraph.demo import load_demo
from semgraph.demo.changes import random_change, sample_ids
from semgraph.exceptions import ChangeRefusedError
from semgraph.ontology.model import Ontology
from semgraph.validation.engine import ShapeEngine, transition_shapes
from semgraph.validation.full import validate_graph
from semgraph.validation.results import ValidationResult

Key = tuple[str, str, str | None, str | None]


def _written(change: ChangeSet, ontology: Ontology) -> set[str]:
    """The entities a change set writes (both ends of a link)."""
    out = set()
    for op in change.operations:
        if isinstance(op, LinkEntities):
            out |= {ontology.entity_iri(op.from_cls, op.from_id)}
            out |= {ontology.entity_iri(op.to_cls, op.to_id)}
        else:
            out.add(ontology.entity_iri(op.cls, op.id))
    return out


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
    self_only = {
        iri for iri, info in container.shapes.shapes.items() if info.triggers == ("$this",)
    }

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
        written = _written(change, container.ontology)
        deletes = any(isinstance(op, DeleteEntity) for op in change.operations)

        checked = {
            k
            for k in after | before
            if k[0] in focus and (deletes or k[0] in written or k[1] not in self_only)
        }
        incremental = _keys(result.results, transition)
        reference = after & checked
        assert incremental == reference, f"change {n}: {change.operations}"
        moved = after ^ before
        assert {k[0] for k in moved} <= focus, f"change {n} moved verdicts outside its focus"
        assert moved <= checked, f"change {n}: a verdict moved on a shape that was skipped"
        before = after
    assert committed >= 5
    # the bounded-memory strategy agrees with the one-piece reference on the final graph
    batched = validate_graph(
        empty_db, db, container.ontology, container.engine, container.reach, batch_size=97
    )
    assert _keys(batched.outcome.results, transition) == before
    container.close()


def test_skipping_transition_shapes_a_change_cannot_fire_changes_no_verdict(
    empty_db: neo4j.Driver, settings: Settings
) -> None:
    """The engine skips transition shapes whose SPARQL needs another property's change
    (``change_needs``); every verdict, transition shapes' included, must be what running
    them all gives."""
    container = Container(settings)
    db = settings.neo4j_database
    load_demo(empty_db, container.ontology, db, 1000, 5, progress=False)
    pipeline = container.pipeline
    everything = ChangePipeline(
        driver=empty_db,
        database=db,
        ontology=container.ontology,
        engine=ShapeEngine(container.shapes, prune_transitions=False),
        reach=container.reach,
    )
    transition = transition_shapes(container.shapes)
    rng = random.Random(5)
    ids = sample_ids(empty_db, db, per_class=40)
    fired = 0
    for n in range(40):
        change = random_change(rng, ids, n)
        pruned, full = pipeline.dry_run(change), everything.dry_run(change)
        assert _keys(pruned.results, set()) == _keys(full.results, set()), change.operations
        fired += sum(r.shape in transition for r in full.results)
        with contextlib.suppress(ChangeRefusedError):
            pipeline.apply(change)
    assert fired > 0, "no transition shape fired: the comparison proved nothing"
    container.close()
