"""``BatchValidator``: a large change set's focus nodes, compiled checks first.

The shapes ``compiled.py`` can compile are decided by Python lookups over the batch's
data graph, all focus nodes in one pass; the others (SPARQL constraints, complex paths)
go through pySHACL, only for the focus nodes they target, once per batch and shape
selection. The focus nodes and shape selections are ``ShapeEngine.shape_groups``', so
a node is checked against exactly the shapes the per-change path checks it against, and
the results come back in the engine's total order: the verdicts are the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rdflib import Graph, URIRef

from semgraph.validation.compiled import CompiledShape, Failure, compile_shapes, report_of
from semgraph.validation.engine import ShapeEngine, result_order
from semgraph.validation.results import ValidationResult


class BatchValidator:
    """Validates many focus nodes at once with compiled checks where it can."""

    def __init__(self, engine: ShapeEngine) -> None:
        self.engine = engine
        self.compiled: dict[str, CompiledShape] = compile_shapes(engine.shape_set)

    def validate(
        self, data: Graph, focus_nodes: Iterable[str], changed: set[str] | None = None
    ) -> list[ValidationResult]:
        """What ``ShapeEngine.validate(data, focus_nodes, changed)`` returns, computed with
        the compiled shapes where there are some. Raises ``ShapeEvaluationError`` as it."""
        remaining: dict[tuple[str, ...], list[str]] = defaultdict(list)
        failures: list[Failure] = []
        for selected, iris in self.engine.shape_groups(data, focus_nodes, changed).items():
            mine = [self.compiled[s] for s in selected if s in self.compiled]
            rest = tuple(s for s in selected if s not in self.compiled)
            for shape in mine:
                for iri in iris:
                    failures.extend(shape.failures(data, URIRef(iri)))
            if rest:
                remaining[rest].extend(iris)
        results = self.engine.validate_groups(data, dict(remaining)) if remaining else []
        if failures:
            report = report_of(failures, self.engine.shapes_graph)
            results += self.engine.read_report(report, data)
        return sorted(results, key=result_order)
