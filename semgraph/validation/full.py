"""Full validation: the whole graph against every shape, with a JSON and a table report.

Two strategies with the same verdicts:
- ``whole``: the entire business graph in one rdflib graph, one pySHACL run — the
  reference, fine for small graphs and used by the differential tests;
- ``batched`` (default): per target class, batches of focus nodes with the neighbourhood
  their shapes read, so memory stays bounded at millions of entities.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import neo4j

from semgraph.graph.identifiers import ident
from semgraph.ontology.model import Ontology
from semgraph.validation import queries as q
from semgraph.validation.engine import ShapeEngine
from semgraph.validation.focus import FocusValidator
from semgraph.validation.neighbourhood import Runner, business_class
from semgraph.validation.rdf_view import EdgeRecord, NodeRecord, RdfView, ValidationGraph
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
    view = RdfView(ontology)
    data = ValidationGraph()
    labels = sorted(c.name for c in ontology.concrete_classes())
    nodes = [
        NodeRecord(r["iri"], cls, dict(r["props"]))
        for r in session.run(q.ALL_RESOURCES)
        if (cls := business_class(r["labels"], ontology)) is not None and cls in labels
    ]
    view.add_nodes(data, nodes)
    rels = "|".join(ident(t) for t in sorted(ontology.relationship_types()))
    view.add_edges(
        data,
        (EdgeRecord(r["s"], r["t"], r["o"]) for r in session.run(q.all_edges(rels))),
    )
    return engine.validate(data), len(nodes)


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
    """Validate the whole business graph (nothing is written)."""
    start = time.perf_counter()
    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
        if strategy == "whole":
            results, focus = _whole(session, ontology, engine)
        else:
            results, focus = _batched(session, ontology, engine, reach, batch_size, progress)
    results.sort(key=lambda r: (r.focus_node, r.shape, r.path or "", r.value or ""))
    return FullReport(
        outcome=ValidationOutcome(results=results),
        focus_nodes=focus,
        seconds=time.perf_counter() - start,
        strategy=strategy,
    )
