"""``FocusValidator``: the one way semgraph validates focus nodes against the graph.

The change pipeline (inside its transaction, with the pending change added), the full
batched validation and the ``violations`` page all read the focus nodes' neighbourhood
through a ``Runner`` and run the shapes of their classes over it with this class, so
their verdicts and the order of their results are the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence

from rdflib import SH, URIRef

from semgraph.ontology.model import Ontology
from semgraph.validation.engine import ShapeEngine
from semgraph.validation.neighbourhood import Runner, read_neighbourhood
from semgraph.validation.passes import PassCheck
from semgraph.validation.rdf_view import EdgeRecord, NodeRecord, RdfView
from semgraph.validation.reach import ShapeReach
from semgraph.validation.reads import ReadSet
from semgraph.validation.results import ValidationResult
from semgraph.validation.sparql_passes import SparqlPassCheck
from semgraph.validation.triples import Triples
from semgraph.vocabulary import SGM

_VIOLATION = str(SH.Violation)
_READ_SETS = 256  # one per mix of focus classes; batches bring few
_Read = Callable[[str], bool]  # whether a shape may read a property (by name) there
# what ties an entity to the pending change (``RdfView.add_change``): transition shapes
_CHANGE_LINKS = [str(SGM.pendingChange), str(SGM.createdIn)]


class FocusValidator:
    """Validates focus nodes (IRIs by class) as the graph a ``Runner`` sees holds them."""

    def __init__(self, ontology: Ontology, reach: ShapeReach, engine: ShapeEngine) -> None:
        self.ontology = ontology
        self.reach = reach
        self.engine = engine
        self.view = RdfView(ontology)
        self._own_checks: dict[str, list[PassCheck | SparqlPassCheck]] = {}
        self._reads: dict[frozenset[str], tuple[_Read | None, _Read | None]] = {}

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
        iris = {i for group in focus.values() for i in group}
        data = self.triples(nodes, edges, iris)
        if annotate is not None:
            annotate(data)
        t1 = time.perf_counter()
        results = self.engine.validate(data, sorted(iris), changed)
        if timings is not None:
            timings["neighbourhood"] = (t1 - t0) * 1000
            timings["validate"] = (time.perf_counter() - t1) * 1000
        return results

    def triples(
        self, nodes: Sequence[NodeRecord], edges: Iterable[EdgeRecord], focus: set[str]
    ) -> Triples:
        """The data a validation of the ``focus`` IRIs reads from a neighbourhood: the
        triples of what a shape may read where it sits (``reads``)."""
        focused = [n for n in nodes if n.iri in focus]
        at_focus, beyond = self.reads({n.cls for n in focused})
        data = Triples()
        self.view.add_nodes(data, focused, at_focus)
        self.view.add_nodes(data, [n for n in nodes if n.iri not in focus], beyond)
        near: list[EdgeRecord] = []
        far: list[EdgeRecord] = []
        for edge in edges:
            (near if edge.source in focus or edge.target in focus else far).append(edge)
        self.view.add_edges(data, near, at_focus)
        self.view.add_edges(data, far, beyond)
        return data

    def reads(self, classes: Iterable[str]) -> tuple[_Read | None, _Read | None]:
        """Which ontology properties (by name) the shapes run on focus nodes of
        ``classes`` may read at a focus node, and which at a node its paths reach
        (``reads``); None: any. A neighbourhood holds every property of every node it
        reaches, most of which no shape reads there, and their triples are not built.

        A shape compiled to a ``PassCheck`` (the ontology's derived shapes) reads its plain
        paths at the focus node and only the values' classes (``rdf:type``) beyond it;
        every other shape may read beyond it whatever it may read at all."""
        if len(self._reads) >= _READ_SETS:
            self._reads = {}
        key = frozenset(classes)
        found = self._reads.get(key)
        if found is None:
            shapes = {s for c in key for s in self.engine.shapes_for(str(self.view.term(c)))}
            deep = [s for s in shapes if not isinstance(self.engine.pass_check(s), PassCheck)]
            found = self._reads[key] = (
                self._reader(self.engine.reads(shapes)),
                self._reader(self.engine.reads(deep)),
            )
        return found

    def _reader(self, reads: ReadSet) -> _Read | None:
        if reads.everything:
            return None
        term = self.view.term
        covered: dict[str, bool] = {}

        def read(name: str) -> bool:
            found = covered.get(name)
            if found is None:
                found = covered[name] = reads.covers(str(term(name)))
            return found

        return read

    def doubtful(self, nodes: Sequence[NodeRecord]) -> set[str]:
        """The IRIs of ``nodes`` (entities as a change would write them) that a refusing
        rule may refuse on their own values: the compiled pass check of a Violation shape
        of the class, cut to what the node's own values decide (``_own_value_checks``),
        does not clear the node. A guess, for scheduling: the sync applies such rows in a
        change set of their own, so that a refusal does not roll back and re-run the rows
        beside them. Verdicts still come from ``validate`` inside the transaction."""
        data = Triples()
        self.view.add_nodes(data, nodes)
        return {
            node.iri
            for node in nodes
            if not all(c.passes(data, URIRef(node.iri)) for c in self._own_value_checks(node.cls))
        }

    def cleared_alone(self, shape: str, node: NodeRecord) -> bool:
        """Whether ``shape``'s compiled pass check clears ``node`` on its own values (False
        where the shape has none)."""
        check = self.engine.pass_check(shape)
        if check is None:
            return False
        data = Triples()
        self.view.add_nodes(data, [node])
        return check.passes(data, URIRef(node.iri))

    def _own_value_checks(self, cls: str) -> list[PassCheck | SparqlPassCheck]:
        """The pass checks of the Violation shapes of ``cls`` as far as an entity's own
        values decide them: whole where the shape reads no relationship and no pending
        change; else, for a compiled property-constraint shape, its constraints on the
        class's datatype properties."""
        found = self._own_checks.get(cls)
        if found is None:
            links = [
                self.ontology.iri(name)
                for c in self.ontology.concrete_classes()
                for name in self.ontology.object_properties(c.name)
            ]
            own = {self.ontology.iri(name) for name in self.ontology.datatype_properties(cls)}
            found = []
            for shape in self.engine.shapes_of(cls):
                check = self.engine.pass_check(shape)
                if check is None or self.engine.shape_set.shapes[shape].severity_iri != _VIOLATION:
                    continue
                reads = self.engine.reads([shape])
                if not reads.everything and not any(
                    reads.covers(iri) for iri in [*links, *_CHANGE_LINKS]
                ):
                    found.append(check)
                elif isinstance(check, PassCheck) and check.on(own).properties:
                    found.append(check.on(own))
            self._own_checks[cls] = found
        return found
