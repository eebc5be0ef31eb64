"""Full validation: the whole graph against every shape, with a JSON and a table report.

Two strategies with the same verdicts:
- ``whole``: the entire graph in one rdflib graph (``graph_view``: the data as imported),
  one pySHACL run — the reference, fine for small graphs and used by the differential
  tests;
- ``batched`` (default): per target class, batches of focus nodes with the neighbourhood
  their shapes read, so memory stays bounded at millions of entities; the shapes no
  class neighbourhood can hold (``ShapeSet.whole_graph_shapes``) then run once on the
  whole graph.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import neo4j

from semgraph.exceptions import ShapeEvaluationError
from semgraph.ontology.model import Ontology
from semgraph.validation import queries as q
from semgraph.validation.engine import ShapeEngine
from semgraph.validation.focus import FocusValidator
from semgraph.validation.graph_view import read_whole_graph
from semgraph.validation.neighbourhood import Runner
from semgraph.validation.reach import ShapeReach
from semgraph.validation.results import ValidationOutcome, ValidationResult


@dataclass(frozen=True)
class FullReport:
    outcome: ValidationOutcome
    focus_nodes: int
    seconds: float
    strategy: str


def _whole(
    session: neo4j.Session, ontology: Ontology, engine: ShapeEngine
) -> tuple[list[ValidationResult], int]:
    data = read_whole_graph(session, ontology)
    return engine.validate(data), len(set(data.subjects()))


def focus_page(runner: Runner, cls: str, after: str, limit: int) -> list[str]:
    """Up to ``limit`` IRIs of ``cls`` entities after ``after``, in IRI order."""
    return [r["iri"] for r in runner.run(q.focus_page(cls), after=after, limit=limit)]


def _batched(
    session: neo4j.Session,
    ontology: Ontology,
    engine: ShapeEngine,
    reach: ShapeReach,
    batch_size: int,
    progress: Callable[[int], None] | None,
) -> tuple[list[ValidationResult], int]:
    validator = FocusValidator(ontology, reach, engine)
    results: list[ValidationResult] = []
    total = 0
    for cls in sorted(reach.target_classes):
        last = ""
        while True:
            iris = focus_page(session, cls, last, batch_size)
            if not iris:
                break
            last = iris[-1]
            results.extend(validator.validate(session, {cls: set(iris)}))
            total += len(iris)
            if progress is not None:
                progress(len(iris))
    if engine.shape_set.whole_graph_shapes:
        data = read_whole_graph(session, ontology)
        results.extend(engine.validate_whole_graph_shapes(data))
        total += len(set(data.subjects()))
    return results, total


def validate_graph(
    driver: neo4j.Driver,
    database: str,
    ontology: Ontology,
    engine: ShapeEngine,
    reach: ShapeReach,
    strategy: Literal["batched", "whole"] = "batched",
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> FullReport:
    """Validate the whole graph (nothing is written).

    A shape pySHACL cannot evaluate ends up in ``outcome.failures`` (the graph then does
    not conform), not as an exception.
    """
    start = time.perf_counter()
    failures: list[str] = []
    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
        try:
            if strategy == "whole":
                results, focus = _whole(session, ontology, engine)
            else:
                results, focus = _batched(session, ontology, engine, reach, batch_size, progress)
        except ShapeEvaluationError as exc:
            results, focus, failures = [], 0, [exc.message]
    results.sort(key=lambda r: (r.focus_node, r.shape, r.path or "", r.value or ""))
    return FullReport(
        outcome=ValidationOutcome(results=results, failures=failures),
        focus_nodes=focus,
        seconds=time.perf_counter() - start,
        strategy=strategy,
    )
