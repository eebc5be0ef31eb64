"""``FocusValidator``: the one way semgraph validates focus nodes against the graph.

The change pipeline (inside its transaction, with the pending change added), the full
batched validation and the ``violations`` page all read the focus nodes' neighbourhood
through a ``Runner`` and run the shapes of their classes over it with this class, so
their verdicts and the order of their results are the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from semgraph.ontology.model import Ontology
from semgraph.validation.engine import ShapeEngine
from semgraph.validation.neighbourhood import Runner, read_neighbourhood
from semgraph.validation.rdf_view import NodeRecord, RdfView
from semgraph.validation.reach import ShapeReach
from semgraph.validation.results import ValidationResult
from semgraph.validation.triples import Triples


class FocusValidator:
    """Validates focus nodes (IRIs by class) as the graph a ``Runner`` sees holds them."""

    def __init__(self, ontology: Ontology, reach: ShapeReach, engine: ShapeEngine) -> None:
        self.ontology = ontology
        self.reach = reach
        self.engine = engine
        self.view = RdfView(ontology)

    def validate(
        self,
        runner: Runner,
        focus: dict[str, set[str]],
        *,
        changed: set[str] | None = None,
        annotate: Callable[[Triples], None] | None = None,
        timings: dict[str, float] | None = None,
        known: Mapping[str, NodeRecord] | None = None,
    ) -> list[ValidationResult]:
        """Rule results of the focus nodes, in the engine's total order.

        ``annotate`` adds to the data graph before validation (the pipeline's pending
        change); ``changed`` is passed to ``ShapeEngine.validate`` (the entities a change
        wrote). ``timings`` gets ``neighbourhood`` and ``validate`` in milliseconds.
        ``known``: nodes as the runner sees them now, not read again (``read_neighbourhood``).
        """
        t0 = time.perf_counter()
        nodes, edges = read_neighbourhood(runner, self.reach, focus, self.ontology, known)
        data = Triples()
        self.view.add_nodes(data, nodes)
        self.view.add_edges(data, edges)
        if annotate is not None:
            annotate(data)
        t1 = time.perf_counter()
        iris = sorted(i for group in focus.values() for i in group)
        results = self.engine.validate(data, iris, changed)
        if timings is not None:
            timings["neighbourhood"] = (t1 - t0) * 1000
            timings["validate"] = (time.perf_counter() - t1) * 1000
        return results
