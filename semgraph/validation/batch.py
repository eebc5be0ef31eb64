"""``BatchValidator``: a large change set's focus nodes, compiled checks first.

The shapes ``compiled.py`` can compile are decided by Python lookups over the batch's
data graph, all focus nodes in one pass; SPARQL constraints that ``batched_sparql.py``
can run for many focus nodes at once run once per batch; the others (complex paths,
other components) go through pySHACL, only for the focus nodes they target, once per
batch and shape selection. The focus nodes and shape selections are those of
``ShapeEngine.shape_groups``, so a node is checked against exactly the shapes the
per-change path checks it against, and the results come back in the engine's total
order: the verdicts are the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import cached_property

from rdflib import Graph, URIRef

from semgraph.validation.batched_sparql import BatchedSparqlShape, batch_sparql_shapes
from semgraph.validation.compiled import CompiledShape, Failure, compile_shapes, report_of
from semgraph.validation.engine import ShapeEngine, result_order
from semgraph.validation.results import ValidationResult


class BatchValidator:
    """Validates many focus nodes at once with compiled checks where it can."""

    def __init__(self, engine: ShapeEngine) -> None:
        self.engine = engine

    # Built on first use: preparing the SPARQL queries takes seconds, which a process
    # that never validates a large change (most API calls) should not pay at start.
    @cached_property
    def compiled(self) -> dict[str, CompiledShape]:
        """The shapes decided by compiled checks, by IRI."""
        return compile_shapes(self.engine.shape_set)

    @cached_property
    def sparql(self) -> dict[str, BatchedSparqlShape]:
        """The shapes whose SPARQL runs once per batch, by IRI."""
        return batch_sparql_shapes(self.engine.shape_set)

    def validate(
        self, data: Graph, focus_nodes: Iterable[str], changed: set[str] | None = None
    ) -> list[ValidationResult]:
        """What ``ShapeEngine.validate(data, focus_nodes, changed)`` returns, computed with
        the compiled shapes where there are some. Raises ``ShapeEvaluationError`` as it."""
        remaining: dict[tuple[str, ...], list[str]] = defaultdict(list)
        batched: dict[str, list[str]] = defaultdict(list)
        failures: list[Failure] = []
        for selected, iris in self.engine.shape_groups(data, focus_nodes, changed).items():
            rest = []
            for shape in selected:
                if shape in self.compiled:
                    for iri in iris:
                        failures.extend(self.compiled[shape].failures(data, URIRef(iri)))
                elif shape in self.sparql:
                    batched[shape].extend(iris)
                else:
                    rest.append(shape)
            if rest:
                remaining[tuple(rest)].extend(iris)
        results = self.engine.validate_groups(data, dict(remaining)) if remaining else []
        report = report_of(failures, self.engine.shapes_graph)
        for shape, iris in sorted(batched.items()):
            self.sparql[shape].report(data, iris, report)
        if len(report):
            results += self.engine.read_report(report, data)
        return sorted(results, key=result_order)
